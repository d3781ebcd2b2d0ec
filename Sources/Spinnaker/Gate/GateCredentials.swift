import Foundation

/// How Lookout authenticates to Spinnaker Gate. The secret parts never appear in `description`.
public struct GateCredentials: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Method: String, Sendable, Codable {
        /// HTTP Basic with username and password, or username and API token; a token alone is sent as
        /// `Authorization: Bearer` (Gate's OAuth2 external token filter).
        case basic
        /// X.509 client certificate (mutual TLS), usually Gate's port 8085.
        case x509
    }

    public var method: Method
    public var username: String?
    public var password: String?
    public var token: String?
    public var certificatePEM: String?
    public var privateKeyPEM: String?
    /// Replaces the system trust roots for this connection when set.
    public var caBundlePEM: String?

    public init(method: Method, username: String? = nil, password: String? = nil, token: String? = nil,
                certificatePEM: String? = nil, privateKeyPEM: String? = nil, caBundlePEM: String? = nil) {
        self.method = method
        self.username = username
        self.password = password
        self.token = token
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.caBundlePEM = caBundlePEM
    }

    public var description: String {
        "GateCredentials(method: \(method.rawValue), username: \(username ?? "none"), secrets: redacted)"
    }

    /// The `Authorization` header for Basic/token auth, nil for X.509.
    var authorizationHeader: String? {
        guard method == .basic else { return nil }
        if let username, !username.isEmpty, let secret = password ?? token {
            return "Basic " + Data("\(username):\(secret)".utf8).base64EncodedString()
        }
        if let token, !token.isEmpty { return "Bearer \(token)" }
        return nil
    }

    /// Problems a person must fix before Lookout even tries Gate.
    public var problems: [String] {
        switch method {
        case .basic:
            if (password ?? "").isEmpty && (token ?? "").isEmpty {
                return ["basic auth needs a password or a token"]
            }
            if !(password ?? "").isEmpty && (username ?? "").isEmpty {
                return ["basic auth with a password needs a username"]
            }
            return []
        case .x509:
            var found: [String] = []
            if (certificatePEM ?? "").isEmpty { found.append("x509 auth needs certificatePem") }
            if (privateKeyPEM ?? "").isEmpty { found.append("x509 auth needs privateKeyPem") }
            return found
        }
    }
}
