import SQLKit
public import LookoutSecrets

/// The `local` secret backend: AES-256-GCM ciphertext (under the master key) in the `secrets` table.
/// The database never holds a secret in plain text.
public struct DatabaseSecretStore: SecretStore {
    public let backendName = "local"
    let database: Database
    let box: SecretBox

    public init(database: Database, box: SecretBox) {
        self.database = database
        self.box = box
    }

    public func put(organisationId: String, name: String, value: String) async throws {
        let sealed = try box.seal(value)
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO secrets (org_id, name, sealed, updated_at)
                VALUES (\(bind: organisationId), \(bind: name), \(bind: sealed), \(bind: nowMillis()))
                ON CONFLICT (org_id, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
                """).run()
        }
    }

    public func get(organisationId: String, name: String) async throws -> String? {
        let sealed = try await database.read { db in
            try await db.raw("SELECT sealed FROM secrets WHERE org_id = \(bind: organisationId) AND name = \(bind: name)")
                .first()?.decode(column: "sealed", as: String.self)
        }
        return try sealed.map { try box.open($0) }
    }

    public func delete(organisationId: String, name: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM secrets WHERE org_id = \(bind: organisationId) AND name = \(bind: name)").run()
        }
    }

    public func checkReady() async throws {}
}
