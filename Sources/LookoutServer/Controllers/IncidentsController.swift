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
            return try IncidentDetail(incident: incident, deployment: deployment).response()
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
}

struct IncidentChange: Decodable {
    var status: String
}
