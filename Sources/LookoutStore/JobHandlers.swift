import Foundation
import LookoutCore
public import SQLKit
import Spinnaker

/// What the worker does for the job kinds that only touch the database. Each handler runs in the
/// transaction that completes the job, so its effects happen exactly once.
public enum JobHandlers {
    /// Automatic RCAs an organisation may start per hour; more failures than that wait for a person.
    public static let automaticRCAPerHour = 30

    /// Returns a short description of what the job did, for logs.
    public static func run(_ job: ClaimedJob, in db: any SQLDatabase) async throws -> String {
        switch job.kind {
        case .executionCompleted:
            return try await executionCompleted(job, in: db)
        case .alertReceived:
            return try await alertReceived(job, in: db)
        case .rcaGenerate:
            throw StoreError.invalid("rca.generate runs outside the database; the worker must be given its handler")
        }
    }

    static func executionCompleted(_ job: ClaimedJob, in db: any SQLDatabase) async throws -> String {
        let payload = try job.decodePayload(ExecutionCompletedJob.self)
        let org = job.organisationId
        guard let execution = try await ExecutionStore.execution(organisationId: org, executionId: payload.executionId, in: db) else {
            throw StoreError.notFound("execution \(payload.executionId)")
        }
        let settings = try await SettingsStore.settings(organisationId: org, in: db)
        var done: [String] = []
        if execution.status.isFailure || execution.status == .canceled {
            // Attach the failed deployment to open alert incidents (the engine keeps only matching services).
            let open = try await db.raw("""
                SELECT id FROM incidents WHERE org_id = \(bind: org) AND status = 'open' AND source = 'alert'
                ORDER BY opened_at DESC LIMIT 50
                """).all().map { try $0.decode(column: "id", as: String.self) }
            for incidentId in open {
                let suspects = try await CorrelationStore.refreshSuspects(organisationId: org, incidentId: incidentId, settings: settings, in: db)
                if suspects.contains(where: { $0.executionId == execution.executionId }) { done.append("linked to incident \(incidentId)") }
            }
        }
        guard IncidentPolicy.opensIncident(execution.status, settings: settings) else {
            return (done + ["no incident for \(execution.status.rawValue)"]).joined(separator: "; ")
        }
        guard let id = try await IncidentStore.openForExecution(organisationId: org, execution: execution, in: db) else {
            return (done + ["incident already open"]).joined(separator: "; ")
        }
        done.append("opened incident \(id)")
        if settings.autoRca {
            let recent = try await db.raw("""
                SELECT COUNT(*) AS n FROM jobs WHERE org_id = \(bind: org) AND kind = \(bind: JobKind.rcaGenerate.rawValue)
                AND created_at > \(bind: nowMillis() - 3_600_000)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            if recent < automaticRCAPerHour {
                try await JobQueue.enqueue(kind: .rcaGenerate, organisationId: org, payload: RCAGenerateJob(incidentId: id, trigger: "auto"),
                                           deduplicationKey: "rca.auto:\(id)", maxAttempts: 3, in: db)
                done.append("queued automatic RCA")
            } else {
                done.append("automatic RCA skipped: \(recent) in the last hour (limit \(automaticRCAPerHour))")
            }
        }
        return done.joined(separator: "; ")
    }

    /// A new alert joins the open alert incident of its service (if one was active within the
    /// correlation window) or opens one; then the incident's suspects are ranked again.
    static func alertReceived(_ job: ClaimedJob, in db: any SQLDatabase) async throws -> String {
        let payload = try job.decodePayload(AlertReceivedJob.self)
        let org = job.organisationId
        guard let row = try await db.raw("""
            SELECT name, service, severity, starts_at, summary, incident_id FROM alerts WHERE org_id = \(bind: org) AND id = \(bind: payload.alertId)
            """).first() else { throw StoreError.notFound("alert \(payload.alertId)") }
        let settings = try await SettingsStore.settings(organisationId: org, in: db)
        let name = try row.decode(column: "name", as: String.self)
        let service = try row.decode(column: "service", as: String?.self) ?? name
        let severity = Self.severity(try row.decode(column: "severity", as: String?.self))
        let startsAt = try row.decode(column: "starts_at", as: Int64.self)
        var incidentId = try row.decode(column: "incident_id", as: String?.self)
        var result = ""
        if incidentId == nil {
            let windowStart = nowMillis() - Int64(settings.correlationWindowMinutes) * 60_000
            if let existing = try await IncidentStore.joinOpenAlertIncident(organisationId: org, service: service, activeSince: windowStart, in: db) {
                incidentId = existing
                result = "joined incident \(existing)"
            } else {
                let id = try await IncidentStore.openForAlert(
                    organisationId: org, service: service, name: name, severity: severity, startsAt: startsAt,
                    summary: try row.decode(column: "summary", as: String?.self) ?? "\(name) is firing for \(service).", in: db)
                incidentId = id
                result = "opened incident \(id)"
            }
            try await db.raw("UPDATE alerts SET incident_id = \(bind: incidentId) WHERE org_id = \(bind: org) AND id = \(bind: payload.alertId)").run()
        }
        let suspects = try await CorrelationStore.refreshSuspects(organisationId: org, incidentId: incidentId!, settings: settings, in: db)
        return result + "; \(suspects.count) suspect deployment(s)"
    }

    /// Alertmanager's usual severity labels to Lookout's.
    static func severity(_ label: String?) -> IncidentPolicy.Severity {
        switch label?.lowercased() {
        case "critical", "page", "p1", "sev1", "error": return .critical
        case "high", "major", "p2", "sev2": return .high
        case "warning", "warn", "medium", "p3", "sev3": return .medium
        default: return label == nil ? .medium : .low
        }
    }
}
