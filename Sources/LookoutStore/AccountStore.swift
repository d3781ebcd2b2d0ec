import SQLKit
public import LookoutCore
import Logging
import Foundation

public struct Organisation: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
}

public struct StoredUser: Sendable, Equatable {
    public var id: String
    public var organisationId: String
    public var email: String
    public var role: Role
    public var passwordHash: String
}

/// Organisations, users, API tokens and webhook tokens. Secrets arrive here already hashed or sealed.
public struct AccountStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func organisation(named name: String) async throws -> Organisation? {
        try await database.read { db in
            try await db.raw("SELECT id, name FROM organisations WHERE name = \(bind: name)").first()
                .map { Organisation(id: try $0.decode(column: "id", as: String.self), name: try $0.decode(column: "name", as: String.self)) }
        }
    }

    /// Creates an organisation with its first webhook token (given as digest and sealed copy).
    public func createOrganisation(name: String, webhookTokenHash: String, webhookTokenSealed: String) async throws -> Organisation {
        let organisation = Organisation(id: newIdentifier(), name: name)
        try await database.transaction { db in
            let now = nowMillis()
            // ON CONFLICT: another process (a second replica starting) may create it at the same moment.
            guard try await db.raw("""
                INSERT INTO organisations (id, name, created_at) VALUES (\(bind: organisation.id), \(bind: name), \(bind: now))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """).first() != nil else {
                throw StoreError.conflict("organisation '\(name)' exists")
            }
            try await db.raw("""
                INSERT INTO webhook_tokens (org_id, token_hash, token_sealed, created_at)
                VALUES (\(bind: organisation.id), \(bind: webhookTokenHash), \(bind: webhookTokenSealed), \(bind: now))
                """).run()
        }
        return organisation
    }

    public func userCount() async throws -> Int {
        try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func createUser(organisationId: String, email: String, passwordHash: String, role: Role) async throws -> StoredUser {
        let user = StoredUser(id: newIdentifier(), organisationId: organisationId, email: email.lowercased(), role: role,
                              passwordHash: passwordHash)
        try await database.transaction { db in
            guard try await db.raw("""
                INSERT INTO users (id, org_id, email, password_hash, role, created_at)
                VALUES (\(bind: user.id), \(bind: organisationId), \(bind: user.email), \(bind: passwordHash),
                        \(bind: role.rawValue), \(bind: nowMillis()))
                ON CONFLICT (email) DO NOTHING RETURNING id
                """).first() != nil else {
                throw StoreError.conflict("a user with email \(user.email) exists")
            }
        }
        return user
    }

    public func user(email: String) async throws -> StoredUser? {
        try await database.read { db in
            guard let row = try await db.raw("""
                SELECT id, org_id, email, role, password_hash FROM users WHERE email = \(bind: email.lowercased())
                """).first() else { return nil }
            return StoredUser(
                id: try row.decode(column: "id", as: String.self),
                organisationId: try row.decode(column: "org_id", as: String.self),
                email: try row.decode(column: "email", as: String.self),
                role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .viewer,
                passwordHash: try row.decode(column: "password_hash", as: String.self)
            )
        }
    }

    public func createAPIToken(user: StoredUser, name: String, tokenHash: String) async throws {
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, created_at)
                VALUES (\(bind: newIdentifier()), \(bind: user.organisationId), \(bind: user.id), \(bind: name),
                        \(bind: tokenHash), \(bind: nowMillis()))
                """).run()
        }
    }

    /// The caller an API token belongs to.
    public func principal(apiTokenHash: String) async throws -> Principal? {
        try await database.read { db in
            guard let row = try await db.raw("""
                SELECT u.id, u.org_id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = \(bind: apiTokenHash)
                """).first() else { return nil }
            return Principal(
                userId: try row.decode(column: "id", as: String.self),
                organisationId: try row.decode(column: "org_id", as: String.self),
                email: try row.decode(column: "email", as: String.self),
                role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .viewer
            )
        }
    }

    /// The organisation a webhook token belongs to.
    public func organisationId(webhookTokenHash: String) async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT org_id FROM webhook_tokens WHERE token_hash = \(bind: webhookTokenHash)").first()?
                .decode(column: "org_id", as: String.self)
        }
    }

    public func sealedWebhookToken(organisationId: String) async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT token_sealed FROM webhook_tokens WHERE org_id = \(bind: organisationId)").first()?
                .decode(column: "token_sealed", as: String.self)
        }
    }

    /// Replaces the organisation's webhook token; the old one stops working with the commit.
    public func replaceWebhookToken(organisationId: String, tokenHash: String, tokenSealed: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM webhook_tokens WHERE org_id = \(bind: organisationId)").run()
            try await db.raw("""
                INSERT INTO webhook_tokens (org_id, token_hash, token_sealed, created_at)
                VALUES (\(bind: organisationId), \(bind: tokenHash), \(bind: tokenSealed), \(bind: nowMillis()))
                """).run()
        }
    }
}
