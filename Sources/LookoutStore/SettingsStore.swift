import SQLKit
public import LookoutCore
import Logging
import Foundation

public struct SettingsStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func settings(organisationId: String) async throws -> OrganisationSettings {
        try await database.read { db in try await Self.settings(organisationId: organisationId, in: db) }
    }

    static func settings(organisationId: String, in db: any SQLDatabase) async throws -> OrganisationSettings {
        guard let text = try await db.raw("SELECT settings FROM org_settings WHERE org_id = \(bind: organisationId)")
            .first()?.decode(column: "settings", as: String.self)
        else { return .defaults }
        return try decodeJSON(OrganisationSettings.self, from: text)
    }

    public func save(_ settings: OrganisationSettings, organisationId: String) async throws {
        let text = try encodeJSON(settings)
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO org_settings (org_id, settings, updated_at)
                VALUES (\(bind: organisationId), \(bind: text), \(bind: nowMillis()))
                ON CONFLICT (org_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """).run()
        }
    }
}
