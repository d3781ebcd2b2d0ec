import Foundation
import SQLKit

/// Chat conversations: each belongs to one user of one organisation.
public struct ChatStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The turns of a conversation of this user, oldest first; nil when it is not theirs (or unknown).
    public func history(organisationId: String, userId: String, conversationId: String, limit: Int = 20) async throws -> [(role: String, content: String)]? {
        let rows = try await database.read { db in
            try await db.raw("""
                SELECT role, content, user_id FROM chat_messages WHERE org_id = \(bind: organisationId) AND conversation_id = \(bind: conversationId)
                ORDER BY id DESC LIMIT \(unsafeRaw: String(limit))
                """).all()
        }
        if rows.isEmpty { return nil }
        guard try rows.allSatisfy({ try $0.decode(column: "user_id", as: String.self) == userId }) else { return nil }
        return try rows.reversed().map { (try $0.decode(column: "role", as: String.self), try $0.decode(column: "content", as: String.self)) }
    }

    public func append(organisationId: String, userId: String, conversationId: String, turns: [(role: String, content: String)]) async throws {
        try await database.transaction { db in
            for turn in turns {
                try await db.raw("""
                    INSERT INTO chat_messages (org_id, conversation_id, user_id, role, content, created_at)
                    VALUES (\(bind: organisationId), \(bind: conversationId), \(bind: userId), \(bind: turn.role), \(bind: turn.content), \(bind: nowMillis()))
                    """).run()
            }
        }
    }

    /// Application names this organisation has deployed (for recognising them in questions).
    public func knownApplications(organisationId: String) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT DISTINCT application FROM executions WHERE org_id = \(bind: organisationId) AND application IS NOT NULL LIMIT 2000
                """).all().compactMap { try $0.decode(column: "application", as: String?.self) }
        }
    }
}
