import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Secrets in HashiCorp Vault's KV version 2 engine (OpenBao speaks the same API), under
/// `<mount>/data/lookout/<organisation>/<name>`. The token travels only in `X-Vault-Token`.
public final class VaultSecretStore: SecretStore {
    public let backendName = "vault"
    private let address: String
    private let token: String
    private let mount: String
    private let http: HTTPClient

    public init(address: String, token: String, mount: String) {
        var base = address
        while base.hasSuffix("/") { base.removeLast() }
        self.address = base
        self.token = token
        self.mount = mount.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        http = HTTPClient(eventLoopGroupProvider: .singleton,
                          configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(10))))
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    private func path(_ kind: String, organisationId: String, name: String) -> String {
        let segments = ["lookout", organisationId, name].map {
            $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? ""
        }
        return "\(address)/v1/\(mount)/\(kind)/\(segments.joined(separator: "/"))"
    }

    public func put(organisationId: String, name: String, value: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["data": ["value": value]])
        let (status, _) = try await request(.POST, path("data", organisationId: organisationId, name: name), body: body)
        guard (200..<300).contains(status) else { throw Self.error(status: status, action: "store a secret") }
    }

    public func get(organisationId: String, name: String) async throws -> String? {
        let (status, data) = try await request(.GET, path("data", organisationId: organisationId, name: name))
        if status == 404 { return nil }
        guard status == 200 else { throw Self.error(status: status, action: "read a secret") }
        struct Answer: Decodable {
            struct Outer: Decodable { var data: [String: String]? }
            var data: Outer?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: data) else {
            throw SecretsError.vault("Vault answered with an unexpected body")
        }
        // A deleted (soft) version answers 404 or data: null.
        return answer.data?.data?["value"]
    }

    public func delete(organisationId: String, name: String) async throws {
        let (status, _) = try await request(.DELETE, path("metadata", organisationId: organisationId, name: name))
        guard (200..<300).contains(status) || status == 404 else { throw Self.error(status: status, action: "delete a secret") }
    }

    public func checkReady() async throws {
        let (health, _) = try await request(.GET, "\(address)/v1/sys/health", authenticated: false)
        switch health {
        case 200, 429, 473: break
        case 503: throw SecretsError.vault("Vault is sealed")
        case 501: throw SecretsError.vault("Vault is not initialised")
        default: throw SecretsError.vault("Vault health check answered HTTP \(health)")
        }
        let (lookup, _) = try await request(.GET, "\(address)/v1/auth/token/lookup-self")
        guard lookup == 200 else { throw Self.error(status: lookup, action: "check its token") }
    }

    static func error(status: Int, action: String) -> SecretsError {
        switch status {
        case 403: return .vault("Vault refused the token (403) when trying to \(action); check LOOKOUT_VAULT_TOKEN and its policy")
        case 503: return .vault("Vault is sealed")
        default: return .vault("Vault answered HTTP \(status) when trying to \(action)")
        }
    }

    private func request(_ method: HTTPMethod, _ url: String, body: Data? = nil, authenticated: Bool = true) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if authenticated { request.headers.add(name: "X-Vault-Token", value: token) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(bytes.readableBytesView))
        } catch {
            throw SecretsError.vault("Vault is unreachable at \(address)")
        }
    }
}
