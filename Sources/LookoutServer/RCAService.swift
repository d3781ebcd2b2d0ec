import Foundation
import Logging
import LookoutAgent
import LookoutCore
import LookoutStore
import Spinnaker

/// Gathers the evidence of an incident (database, Gate when connected), runs the deterministic RCA
/// engine, and adds an LLM narrative when one is configured. Never creates or confirms a pending
/// action: background RCA only describes the rollback a person may ask for.
struct RCAService: Sendable {
    let dependencies: LookoutDependencies

    enum Failure: Error, CustomStringConvertible {
        case incidentNotFound(String)

        var description: String {
            switch self {
            case .incidentNotFound(let id): return "No incident '\(id)'."
            }
        }
    }

    func report(organisationId: String, incidentId: String) async throws -> RCAReport {
        guard let incident = try await dependencies.incidents.incident(organisationId: organisationId, id: incidentId) else {
            throw Failure.incidentNotFound(incidentId)
        }
        let settings = try await dependencies.settings.settings(organisationId: organisationId)
        let alerts = try await dependencies.alerts.alerts(organisationId: organisationId, incidentId: incidentId)
        let suspects = try await dependencies.correlation.suspects(organisationId: organisationId, incidentId: incidentId)

        // The run to analyse: the incident's own execution, or the top suspect of an alert incident.
        let executionId = incident.executionId ?? suspects.first?.executionId
        var record: ExecutionRecord?
        var executionJSON: JSONValue?
        var previous: (id: String, json: JSONValue)?
        if let executionId, let found = try await dependencies.executions.execution(organisationId: organisationId, executionId: executionId) {
            record = found
            executionJSON = try await fullExecution(organisationId: organisationId, executionId: executionId)
            if let before = try await dependencies.executions.previousSuccess(organisationId: organisationId, of: found),
               let json = try await fullExecution(organisationId: organisationId, executionId: before.executionId) {
                previous = (before.executionId, json)
            }
        }

        let application = record?.application ?? incident.application ?? suspects.first?.application
        var health: ApplicationHealth?
        var healthNote: String?
        var configs: [JSONValue] = []
        var gate: GateClient?
        do {
            gate = try await dependencies.spinnaker.client(organisationId: organisationId)
        } catch {
            healthNote = "The stored Gate connection could not be used: \(error)"
        }
        if let gate, let application {
            do {
                health = ApplicationHealth(application: application, serverGroups: try await gate.serverGroups(application: application))
            } catch {
                healthNote = "Application health unavailable: \(error.description)"
            }
            configs = (try? await gate.pipelineConfigs(application: application)) ?? []
            if previous == nil, let record, let name = record.pipelineName,
               let runs = try? await gate.executions(application: application, limit: 25, statuses: [.succeeded], expand: true),
               let run = runs.first(where: { $0["name"]?.stringValue == name && ($0["buildTime"]?.int64Value ?? 0) < record.sortTime }),
               let id = run["id"]?.stringValue {
                previous = (id, run)
            }
        } else if gate == nil && healthNote == nil {
            healthNote = "Spinnaker Gate is not connected: connect it to see server groups and instance health."
        }
        let rollback = application.flatMap { RollbackPlanner.plan(application: $0, pipelineConfigs: configs, health: health) }

        var report = RCAEngine.analyse(RCAEvidence(
            incident: incident, execution: record?.snapshot, executionJSON: executionJSON, previousSuccess: previous, health: health,
            healthNote: healthNote, alerts: alerts, suspects: suspects, rollback: rollback, generatedAt: EpochMillis.now(),
            correlationWindowMinutes: settings.correlationWindowMinutes))
        if let narrator = dependencies.narrator {
            do {
                report.narrative = try await narrator.narrate(report)
                report.narrativeModel = narrator.model
            } catch {
                report.narrativeError = error.description
                dependencies.logger.warning("LLM narrative failed; keeping the deterministic report", metadata: ["error": "\(error.description)"])
            }
        }
        return report
    }

    func fullExecution(organisationId: String, executionId: String) async throws -> JSONValue? {
        guard let body = try await dependencies.executions.snapshotBody(organisationId: organisationId, executionId: executionId) else { return nil }
        return EchoEventDecoder.fullExecution(fromBody: Data(body.utf8))
    }
}
