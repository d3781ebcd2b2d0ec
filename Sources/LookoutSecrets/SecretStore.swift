/// Where connector credentials live. `local` keeps AES-GCM ciphertext in the database (see
/// `DatabaseSecretStore` in LookoutStore); `vault` keeps them in HashiCorp Vault / OpenBao KV v2.
public protocol SecretStore: Sendable {
    /// `local` or `vault`, for status pages.
    var backendName: String { get }
    func put(organisationId: String, name: String, value: String) async throws
    func get(organisationId: String, name: String) async throws -> String?
    func delete(organisationId: String, name: String) async throws
    /// Throws a clear error when the backend cannot be used (wrong token, sealed, unreachable).
    func checkReady() async throws
}
