import Foundation
public import LookoutCore
public import SQLKit

/// A stored RCA report of an incident.
public struct StoredRCA: Sendable {
    public var id: String
    public var incidentId: String
    public var trigger: String
    public var report: RCAReport
    public var markdown: String
    public var createdAt: Int64
}

public struct RCAStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func latest(organisationId: String, incidentId: String) async throws -> StoredRCA? {
        try await database.read { db in
            guard let row = try await db.raw("""
                SELECT id, incident_id, trigger, report, markdown, created_at FROM rca_reports
                WHERE org_id = \(bind: organisationId) AND incident_id = \(bind: incidentId) ORDER BY created_at DESC, id DESC LIMIT 1
                """).first() else { return nil }
            return StoredRCA(
                id: try row.decode(column: "id", as: String.self), incidentId: try row.decode(column: "incident_id", as: String.self),
                trigger: try row.decode(column: "trigger", as: String.self),
                report: try decodeJSON(RCAReport.self, from: try row.decode(column: "report", as: String.self)),
                markdown: try row.decode(column: "markdown", as: String.self), createdAt: try row.decode(column: "created_at", as: Int64.self))
        }
    }

    /// Stores a report inside the caller's transaction (the job's, or its own).
    public static func insert(_ report: RCAReport, organisationId: String, trigger: String, in db: any SQLDatabase) async throws -> StoredRCA {
        let stored = StoredRCA(id: newIdentifier(), incidentId: report.incidentId, trigger: trigger, report: report,
                               markdown: report.markdown, createdAt: nowMillis())
        try await db.raw("""
            INSERT INTO rca_reports (id, org_id, incident_id, trigger, report, markdown, created_at)
            VALUES (\(bind: stored.id), \(bind: organisationId), \(bind: stored.incidentId), \(bind: trigger), \(bind: try encodeJSON(report)),
                    \(bind: stored.markdown), \(bind: stored.createdAt))
            """).run()
        return stored
    }

    public func insert(_ report: RCAReport, organisationId: String, trigger: String) async throws -> StoredRCA {
        try await database.transaction { db in try await Self.insert(report, organisationId: organisationId, trigger: trigger, in: db) }
    }
}
