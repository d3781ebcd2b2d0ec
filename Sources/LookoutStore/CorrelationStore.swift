import Foundation
public import LookoutCore
import SQLKit
import Spinnaker

/// The deployment ↔ incident links: ranked suspects with scores and reasons.
public struct CorrelationStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func suspects(organisationId: String, incidentId: String) async throws -> [SuspectDeployment] {
        try await database.read { db in try await Self.suspects(organisationId: organisationId, incidentId: incidentId, in: db) }
    }

    static func suspects(organisationId: String, incidentId: String, in db: any SQLDatabase) async throws -> [SuspectDeployment] {
        try await db.raw("""
            SELECT detail FROM incident_suspects WHERE org_id = \(bind: organisationId) AND incident_id = \(bind: incidentId) ORDER BY rank
            """).all().compactMap { try? decodeJSON(SuspectDeployment.self, from: try $0.decode(column: "detail", as: String.self)) }
    }

    /// Incidents a deployment is linked to as a suspect, best first.
    public func incidents(organisationId: String, executionId: String) async throws -> [(incidentId: String, score: Double)] {
        try await database.read { db in
            try await db.raw("""
                SELECT incident_id, score FROM incident_suspects WHERE org_id = \(bind: organisationId) AND execution_id = \(bind: executionId)
                ORDER BY score DESC
                """).all().map { (try $0.decode(column: "incident_id", as: String.self), try $0.decode(column: "score", as: Double.self)) }
        }
    }

    /// Re-ranks the suspects of an alert incident from its first alert and the deployments around it.
    @discardableResult
    static func refreshSuspects(organisationId: String, incidentId: String, settings: OrganisationSettings,
                                in db: any SQLDatabase) async throws -> [SuspectDeployment] {
        let alerts = try await AlertStore.alerts(organisationId: organisationId, incidentId: incidentId, in: db)
        guard let first = alerts.min(by: { $0.startsAt < $1.startsAt }) else { return [] }
        var labels = first.labels
        if let service = first.service, labels["service"] == nil { labels["service"] = service }
        let signal = AlertSignal(labels: labels, startsAt: first.startsAt)
        let windowMs = Int64(settings.correlationWindowMinutes) * 60_000
        let candidates = try await candidates(organisationId: organisationId, from: signal.startsAt - windowMs,
                                              to: signal.startsAt + 5 * 60_000, in: db)
        let ranked = CorrelationEngine.rank(signal, candidates: candidates, aliases: settings.serviceAliases, windowMs: windowMs)
        try await db.raw("DELETE FROM incident_suspects WHERE org_id = \(bind: organisationId) AND incident_id = \(bind: incidentId)").run()
        for (rank, suspect) in ranked.enumerated() {
            try await db.raw("""
                INSERT INTO incident_suspects (org_id, incident_id, execution_id, rank, score, reasons, detail, linked_at)
                VALUES (\(bind: organisationId), \(bind: incidentId), \(bind: suspect.executionId), \(bind: rank), \(bind: suspect.score),
                        \(bind: try encodeJSON(suspect.reasons)), \(bind: try encodeJSON(suspect)), \(bind: nowMillis()))
                """).run()
        }
        return ranked
    }

    /// Executions that started or were built in [from, to].
    static func candidates(organisationId: String, from: Int64, to: Int64, in db: any SQLDatabase) async throws -> [DeploymentCandidate] {
        try await db.raw("""
            SELECT execution_id, application, pipeline_name, status, start_time, end_time, summary FROM executions
            WHERE org_id = \(bind: organisationId) AND sort_time >= \(bind: from) AND sort_time <= \(bind: to)
            ORDER BY sort_time DESC LIMIT 1000
            """).all().compactMap { row in
            guard let application = try row.decode(column: "application", as: String?.self) else { return nil }
            let snapshot = try row.decode(column: "summary", as: String?.self).flatMap { try? decodeJSON(ExecutionSnapshot.self, from: $0) }
            return DeploymentCandidate(
                executionId: try row.decode(column: "execution_id", as: String.self), application: application,
                pipelineName: try row.decode(column: "pipeline_name", as: String?.self),
                status: ExecutionStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .notStarted,
                startTime: try row.decode(column: "start_time", as: Int64?.self), endTime: try row.decode(column: "end_time", as: Int64?.self),
                targets: snapshot?.targets ?? [], failedStage: snapshot?.failedStages.first?.name)
        }
    }
}
