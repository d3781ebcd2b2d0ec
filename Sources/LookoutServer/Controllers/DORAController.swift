import Foundation
import Hummingbird
import LookoutCore
import LookoutStore
import Spinnaker

/// `GET /api/v1/metrics/dora?application=&days=`: deployment frequency, change failure rate and time
/// to restore from Spinnaker executions and incidents.
struct DORAController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/metrics/dora") { request, context in
            let principal = try context.require(.viewer)
            let query = request.uri.queryParameters
            let days = try QueryLimit.parse(query["days"].map(String.init), default: 30, max: 365)
            let application = query["application"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let since = EpochMillis.now() - Int64(days) * 86_400_000
            let records = try await dependencies.executions.executions(organisationId: principal.organisationId, application: application, since: since)
            let deployments = records.compactMap { record -> DORADeployment? in
                guard record.status.isComplete, record.executionType == "PIPELINE", record.snapshot?.deploys ?? true,
                      let finished = record.endTime ?? record.startTime else { return nil }
                return DORADeployment(executionId: record.executionId, application: record.application ?? "?",
                                      pipelineKey: record.pipelineConfigId ?? "\(record.application ?? "")/\(record.pipelineName ?? "")",
                                      status: record.status, finishedAt: finished)
            }
            let incidents = try await dependencies.incidents.list(organisationId: principal.organisationId, status: nil, limit: 5_000)
                .filter { $0.openedAt >= since && (application == nil || $0.service == application?.lowercased() || $0.application == application) }
            var caused: Set<String> = []
            for incident in incidents where incident.source == "alert" {
                if let top = try await dependencies.correlation.suspects(organisationId: principal.organisationId, incidentId: incident.id).first,
                   top.score >= 0.6 {
                    caused.insert(top.executionId)
                }
            }
            let restores = incidents.compactMap { incident in incident.resolvedAt.map { $0 - incident.openedAt } }.filter { $0 >= 0 }
            return try DORAFigures.compute(application: application, days: days, deployments: deployments, causedIncidents: caused,
                                           resolvedIncidentDurations: restores).response()
        }
    }
}
