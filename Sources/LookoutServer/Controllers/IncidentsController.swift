import Hummingbird
import LookoutCore
import LookoutStore
import Logging
import Foundation

/// `GET /api/v1/incidents`, `GET/PATCH /api/v1/incidents/{id}`.
struct IncidentsController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/incidents") { request, context in
            let principal = try context.require(.viewer)
            let query = request.uri.queryParameters
            var status: Incident.Status?
            if let text = query["status"].map(String.init), !text.isEmpty {
                guard let parsed = Incident.Status(rawValue: text) else {
                    throw APIError.badRequest("status must be open or resolved.")
                }
                status = parsed
            }
            let limit = try QueryLimit.parse(query["limit"].map(String.init), default: 100, max: 500)
            let incidents = try await dependencies.incidents.list(organisationId: principal.organisationId, status: status, limit: limit)
            return try IncidentList(incidents: incidents).response()
        }
        group.get("/incidents/:id") { _, context in
            let principal = try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard let incident = try await dependencies.incidents.incident(organisationId: principal.organisationId, id: id) else {
                throw APIError.notFound("No incident '\(id)'.")
            }
            var deployment: DeploymentSummary?
            if let executionId = incident.executionId,
               let record = try await dependencies.executions.execution(organisationId: principal.organisationId, executionId: executionId) {
                deployment = DeploymentSummary(record)
            }
            let latest = try await dependencies.reports.latest(organisationId: principal.organisationId, incidentId: id)
            return try IncidentDetail(
                incident: incident, deployment: deployment,
                suspects: try await dependencies.correlation.suspects(organisationId: principal.organisationId, incidentId: id),
                alerts: try await dependencies.alerts.alerts(organisationId: principal.organisationId, incidentId: id),
                rca: latest.map { RCASummary(id: $0.id, createdAt: $0.createdAt, trigger: $0.trigger, probableCause: $0.report.probableCause) }
            ).response()
        }
        group.get("/incidents/:id/rca") { _, context in
            let principal = try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard try await dependencies.incidents.incident(organisationId: principal.organisationId, id: id) != nil else {
                throw APIError.notFound("No incident '\(id)'.")
            }
            guard let stored = try await dependencies.reports.latest(organisationId: principal.organisationId, incidentId: id) else {
                throw APIError(.notFound, "no_rca", "No RCA report for this incident yet; POST to this URL to write one.")
            }
            return try RCAResponse(stored).response()
        }
        group.post("/incidents/:id/rca") { _, context in
            let principal = try context.require(.`operator`)
            let id = try context.parameters.require("id")
            let report: RCAReport
            do {
                report = try await RCAService(dependencies: dependencies).report(organisationId: principal.organisationId, incidentId: id)
            } catch RCAService.Failure.incidentNotFound {
                throw APIError.notFound("No incident '\(id)'.")
            }
            let stored = try await dependencies.reports.insert(report, organisationId: principal.organisationId, trigger: "manual")
            return try RCAResponse(stored).response(status: .created)
        }
        group.patch("/incidents/:id") { request, context in
            let principal = try context.require(.`operator`)
            let id = try context.parameters.require("id")
            let change = try await request.decodeJSON(IncidentChange.self, context: context)
            guard let status = Incident.Status(rawValue: change.status) else {
                throw APIError.validation("status must be 'open' or 'resolved'.")
            }
            guard let incident = try await dependencies.incidents.setStatus(status, organisationId: principal.organisationId, id: id) else {
                throw APIError.notFound("No incident '\(id)'.")
            }
            return try incident.response()
        }
    }
}

struct IncidentList: Encodable {
    var incidents: [Incident]
}

struct IncidentDetail: Encodable {
    var incident: Incident
    var deployment: DeploymentSummary?
    /// Ranked deployments that most likely caused it, with scores and reasons.
    var suspects: [SuspectDeployment]
    var alerts: [AlertSummary]
    var rca: RCASummary?
}

struct RCASummary: Encodable {
    var id: String
    var createdAt: Int64
    var trigger: String
    var probableCause: RCAReport.ProbableCause
}

struct RCAResponse: Encodable {
    var id: String
    var incidentId: String
    var createdAt: Int64
    var trigger: String
    var report: RCAReport
    var markdown: String

    init(_ stored: StoredRCA) {
        id = stored.id
        incidentId = stored.incidentId
        createdAt = stored.createdAt
        trigger = stored.trigger
        report = stored.report
        markdown = stored.markdown
    }
}

struct IncidentChange: Decodable {
    var status: String
}
