import SQLKit
public import LookoutCore
import Spinnaker
import Logging
import Foundation

/// Incidents, scoped to one organisation on every query.
public struct IncidentStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        id, source, execution_id, application, service, pipeline_name, title, severity, status, summary, opened_at, resolved_at, updated_at
        """

    public func list(organisationId: String, status: Incident.Status?, limit: Int) async throws -> [Incident] {
        try await database.read { db in
            var sql = SQLQueryString("SELECT \(unsafeRaw: Self.columns) FROM incidents WHERE org_id = \(bind: organisationId)")
            if let status { sql.appendInterpolation(unsafeRaw: " AND status = "); sql.appendInterpolation(bind: status.rawValue) }
            sql.appendInterpolation(unsafeRaw: " ORDER BY opened_at DESC, id DESC LIMIT \(limit)")
            return try await db.raw(sql).all().map(Self.incident(from:))
        }
    }

    public func incident(organisationId: String, id: String) async throws -> Incident? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM incidents WHERE org_id = \(bind: organisationId) AND id = \(bind: id)")
                .first().map(Self.incident(from:))
        }
    }

    /// Resolves or reopens. Returns the updated incident, or nil when it is not in this organisation.
    public func setStatus(_ status: Incident.Status, organisationId: String, id: String) async throws -> Incident? {
        let now = nowMillis()
        let resolvedAt: Int64? = status == .resolved ? now : nil
        try await database.transaction { db in
            try await db.raw("""
                UPDATE incidents SET status = \(bind: status.rawValue), resolved_at = \(bind: resolvedAt), updated_at = \(bind: now)
                WHERE org_id = \(bind: organisationId) AND id = \(bind: id)
                """).run()
        }
        return try await incident(organisationId: organisationId, id: id)
    }

    /// Opens the incident of a failed execution, unless it exists (one per execution, enforced by a
    /// unique index). Runs inside the job's transaction. Returns the new incident's id, or nil.
    static func openForExecution(organisationId: String, execution: ExecutionRecord, in db: any SQLDatabase) async throws -> String? {
        guard let severity = IncidentPolicy.severity(for: execution.status) else { return nil }
        let id = newIdentifier()
        let now = nowMillis()
        let title = PipelineFailureIncident.title(application: execution.application, pipeline: execution.pipelineName,
                                                  status: execution.status)
        let summary = PipelineFailureIncident.summary(of: execution.snapshot)
        let row = try await db.raw("""
            INSERT INTO incidents (id, org_id, source, execution_id, application, service, pipeline_name, title, severity, status,
                                   summary, opened_at, resolved_at, updated_at)
            VALUES (\(bind: id), \(bind: organisationId), 'pipeline', \(bind: execution.executionId), \(bind: execution.application),
                    \(bind: execution.application?.lowercased()),
                    \(bind: execution.pipelineName), \(bind: title), \(bind: severity.rawValue), 'open', \(bind: summary),
                    \(bind: execution.endTime ?? now), NULL, \(bind: now))
            ON CONFLICT DO NOTHING
            RETURNING id
            """).first()
        return row == nil ? nil : id
    }

    /// The open alert incident of a service that was active within the window, touched so it stays so.
    static func joinOpenAlertIncident(organisationId: String, service: String, activeSince: Int64,
                                      in db: any SQLDatabase) async throws -> String? {
        guard let id = try await db.raw("""
            SELECT id FROM incidents WHERE org_id = \(bind: organisationId) AND status = 'open' AND source = 'alert'
            AND service = \(bind: service) AND updated_at >= \(bind: activeSince) ORDER BY opened_at DESC LIMIT 1
            """).first()?.decode(column: "id", as: String.self) else { return nil }
        try await db.raw("UPDATE incidents SET updated_at = \(bind: nowMillis()) WHERE org_id = \(bind: organisationId) AND id = \(bind: id)").run()
        return id
    }

    /// Opens the incident of a service's first firing alert. Returns its id.
    static func openForAlert(organisationId: String, service: String, name: String, severity: IncidentPolicy.Severity, startsAt: Int64,
                             summary: String, in db: any SQLDatabase) async throws -> String {
        let id = newIdentifier()
        try await db.raw("""
            INSERT INTO incidents (id, org_id, source, execution_id, application, service, pipeline_name, title, severity, status,
                                   summary, opened_at, resolved_at, updated_at)
            VALUES (\(bind: id), \(bind: organisationId), 'alert', NULL, NULL, \(bind: service), NULL, \(bind: "\(name) on \(service)"),
                    \(bind: severity.rawValue), 'open', \(bind: summary), \(bind: startsAt), NULL, \(bind: nowMillis()))
            """).run()
        return id
    }

    static func incident(from row: any SQLRow) throws -> Incident {
        Incident(
            id: try row.decode(column: "id", as: String.self),
            source: try row.decode(column: "source", as: String.self),
            executionId: try row.decode(column: "execution_id", as: String?.self),
            application: try row.decode(column: "application", as: String?.self),
            service: try row.decode(column: "service", as: String?.self),
            pipelineName: try row.decode(column: "pipeline_name", as: String?.self),
            title: try row.decode(column: "title", as: String.self),
            severity: IncidentPolicy.Severity(rawValue: try row.decode(column: "severity", as: String.self)) ?? .medium,
            status: Incident.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            summary: try row.decode(column: "summary", as: String.self),
            openedAt: try row.decode(column: "opened_at", as: Int64.self),
            resolvedAt: try row.decode(column: "resolved_at", as: Int64?.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self)
        )
    }
}

