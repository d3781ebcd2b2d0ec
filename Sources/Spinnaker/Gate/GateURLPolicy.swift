public import Foundation

/// Which Gate URLs Lookout will call: http or https only, never link-local or cloud-metadata
/// addresses (an SSRF guard; the names are resolved, so a DNS name pointing at 169.254.169.254 is
/// refused too), and only allow-listed hosts when `LOOKOUT_GATE_ALLOWED_HOSTS` is set
/// (`gate.example.com`, `*.example.com`).
public struct GateURLPolicy: Sendable {
    public var allowedHosts: [String]

    public init(allowedHosts: [String] = []) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }.filter { !$0.isEmpty }
    }

    static let metadataHostnames: Set<String> = ["metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"]

    /// The normalised base URL (no trailing slash) or the reason it is refused.
    public func check(_ text: String) throws(GateError) -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL("not a URL")
        }
        guard scheme == "http" || scheme == "https" else { throw .invalidURL("only http and https are supported, not \(scheme)") }
        guard let host = components.host?.lowercased(), !host.isEmpty else { throw .invalidURL("no host") }
        guard components.user == nil && components.password == nil else {
            throw .invalidURL("credentials may not be part of the URL; use the username and password fields")
        }
        guard components.query == nil && components.fragment == nil else { throw .invalidURL("no query or fragment, please") }
        if Self.metadataHostnames.contains(host) { throw .urlNotAllowed("\(host) is a cloud metadata service") }
        if !allowedHosts.isEmpty && !allowedHosts.contains(where: { Self.matches(host: host, pattern: $0) }) {
            throw .urlNotAllowed("\(host) is not in LOOKOUT_GATE_ALLOWED_HOSTS")
        }
        for address in Self.resolve(host) where Self.isForbidden(address) {
            throw .urlNotAllowed("\(host) resolves to \(address), a link-local or cloud metadata address")
        }
        var normalised = trimmed
        while normalised.hasSuffix("/") { normalised.removeLast() }
        guard let url = URL(string: normalised) else { throw .invalidURL("not a URL") }
        return url
    }

    static func matches(host: String, pattern: String) -> Bool {
        if pattern.hasPrefix("*.") { return host.hasSuffix(String(pattern.dropFirst(1))) }
        return host == pattern
    }

    /// Link-local (169.254/16, fe80::/10, which includes AWS/GCP/Azure 169.254.169.254), AWS's IPv6
    /// metadata address and Alibaba's 100.100.100.200.
    static func isForbidden(_ address: String) -> Bool {
        let lower = address.lowercased()
        if lower.hasPrefix("169.254.") || lower == "100.100.100.200" { return true }
        if lower.hasPrefix("fe8") || lower.hasPrefix("fe9") || lower.hasPrefix("fea") || lower.hasPrefix("feb") { return true }
        if lower.hasPrefix("fd00:ec2::") { return true }
        if lower.hasPrefix("::ffff:169.254.") { return true }
        return false
    }

    /// Numeric addresses of a host (the literal itself when it is one).
    static func resolve(_ host: String) -> [String] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else { return [bare] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
