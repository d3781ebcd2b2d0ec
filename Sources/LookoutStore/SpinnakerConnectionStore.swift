import SQLKit
import Foundation

/// The stored Gate connection of an organisation: everything but the secret, which is in the
/// `SecretStore`. `version` changes on every reconnect so that every process rebuilds its client.
public struct SpinnakerConnection: Sendable, Equatable {
    public var gateURL: String
    public var authMethod: String
    public var username: String?
    public var secretBackend: String
    public var version: Int64
    public var validatedAt: Int64?
    public var validationError: String?
    public var accounts: [GateAccount]
    public var applicationCount: Int?
    public var createdAt: Int64
    public var updatedAt: Int64
}

public struct GateAccount: Sendable, Equatable, Codable {
    public var name: String
    public var type: String?
    public var cloudProvider: String?
    public var environment: String?

    public init(name: String, type: String?, cloudProvider: String?, environment: String?) {
        self.name = name
        self.type = type
        self.cloudProvider = cloudProvider
        self.environment = environment
    }
}

public struct SpinnakerConnectionStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func connection(organisationId: String) async throws -> SpinnakerConnection? {
        try await database.read { db in
            guard let row = try await db.raw("""
                SELECT gate_url, auth_method, username, secret_backend, version, validated_at, validation_error, accounts,
                       application_count, created_at, updated_at
                FROM spinnaker_connections WHERE org_id = \(bind: organisationId)
                """).first() else { return nil }
            return SpinnakerConnection(
                gateURL: try row.decode(column: "gate_url", as: String.self),
                authMethod: try row.decode(column: "auth_method", as: String.self),
                username: try row.decode(column: "username", as: String?.self),
                secretBackend: try row.decode(column: "secret_backend", as: String.self),
                version: try row.decode(column: "version", as: Int64.self),
                validatedAt: try row.decode(column: "validated_at", as: Int64?.self),
                validationError: try row.decode(column: "validation_error", as: String?.self),
                accounts: (try? decodeJSON([GateAccount].self, from: try row.decode(column: "accounts", as: String.self))) ?? [],
                applicationCount: try row.decode(column: "application_count", as: Int?.self),
                createdAt: try row.decode(column: "created_at", as: Int64.self),
                updatedAt: try row.decode(column: "updated_at", as: Int64.self)
            )
        }
    }

    /// Stores (or replaces) the connection after a successful validation.
    public func save(organisationId: String, gateURL: String, authMethod: String, username: String?, secretBackend: String,
                     accounts: [GateAccount], applicationCount: Int?) async throws -> SpinnakerConnection {
        let now = nowMillis()
        let accountsText = try encodeJSON(accounts)
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO spinnaker_connections (org_id, gate_url, auth_method, username, secret_backend, version, validated_at,
                    validation_error, accounts, application_count, created_at, updated_at)
                VALUES (\(bind: organisationId), \(bind: gateURL), \(bind: authMethod), \(bind: username), \(bind: secretBackend),
                    \(bind: now), \(bind: now), NULL, \(bind: accountsText), \(bind: applicationCount), \(bind: now), \(bind: now))
                ON CONFLICT (org_id) DO UPDATE SET gate_url = excluded.gate_url, auth_method = excluded.auth_method,
                    username = excluded.username, secret_backend = excluded.secret_backend, version = excluded.version,
                    validated_at = excluded.validated_at, validation_error = NULL, accounts = excluded.accounts,
                    application_count = excluded.application_count, updated_at = excluded.updated_at
                """).run()
        }
        return try await connection(organisationId: organisationId)!
    }

    /// Records the result of a live re-validation (`GET …?check=true`).
    public func recordValidation(organisationId: String, error: String?, accounts: [GateAccount]?, applicationCount: Int?) async throws {
        let now = nowMillis()
        let accountsText = try accounts.map { try encodeJSON($0) }
        try await database.transaction { db in
            try await db.raw("""
                UPDATE spinnaker_connections SET validated_at = \(bind: now), validation_error = \(bind: error),
                    accounts = COALESCE(\(bind: accountsText), accounts),
                    application_count = COALESCE(\(bind: applicationCount), application_count), updated_at = \(bind: now)
                WHERE org_id = \(bind: organisationId)
                """).run()
        }
    }

    public func delete(organisationId: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM spinnaker_connections WHERE org_id = \(bind: organisationId)").run()
        }
    }
}
