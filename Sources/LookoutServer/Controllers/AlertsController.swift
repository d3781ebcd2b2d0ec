import Foundation
import Hummingbird
import LookoutCore
import LookoutSecrets
import LookoutStore
import Spinnaker

/// `POST /alerts/alertmanager/{token}` and `POST /alerts/generic/{token}` (also with the token as a
/// Bearer header), and `GET /api/v1/alerts`. The organisation's webhook token serves these and the
/// Spinnaker webhook alike, with the same bad-input rules.
struct AlertsController {
    let dependencies: LookoutDependencies

    func addRoutes(to router: Router<LookoutRequestContext>) {
        router.post("/alerts/alertmanager/:token") { request, context in
            try await receive(request, kind: "alertmanager", pathToken: try context.parameters.require("token"), context: context)
        }
        router.post("/alerts/generic/:token") { request, context in
            try await receive(request, kind: "generic", pathToken: try context.parameters.require("token"), context: context)
        }
        router.post("/alerts/alertmanager") { request, context in
            try await receive(request, kind: "alertmanager", pathToken: nil, context: context)
        }
        router.post("/alerts/generic") { request, context in
            try await receive(request, kind: "generic", pathToken: nil, context: context)
        }
    }

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/alerts") { request, context in
            let principal = try context.require(.viewer)
            let status = request.uri.queryParameters["status"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            if let status, status != "firing" && status != "resolved" { throw APIError.badRequest("status must be firing or resolved.") }
            let limit = try QueryLimit.parse(request.uri.queryParameters["limit"].map(String.init), default: 100, max: 500)
            return try AlertList(alerts: try await dependencies.alerts.list(organisationId: principal.organisationId, status: status, limit: limit))
                .response()
        }
    }


    private func receive(_ request: Request, kind: String, pathToken: String?, context: LookoutRequestContext) async throws -> Response {
        let organisationId = try await dependencies.webhookOrganisation(pathToken: pathToken, headers: request.headers, url: "/alerts/\(kind)")
        let body = try await WebhookBody.read(request, maxBytes: dependencies.configuration.webhookMaxBody)
        let document: JSONValue
        do {
            document = try JSONValue.parse(body)
        } catch {
            throw APIError(.badRequest, "invalid_json", "The body is not valid JSON.")
        }
        let now = EpochMillis.now()
        let alerts: [IncomingAlert]
        do {
            alerts = kind == "alertmanager" ? try AlertPayloads.alertmanager(document, now: now) : try AlertPayloads.generic(document, now: now)
        } catch {
            switch error {
            case .notAnObject: throw APIError(.unprocessableContent, "not_an_object", error.description)
            case .invalid(let why): throw APIError(.unprocessableContent, "invalid_alert", why)
            }
        }
        let outcomes = try await dependencies.alerts.ingest(organisationId: organisationId, alerts: alerts)
        dependencies.metrics.alertsReceived(source: kind, count: alerts.count)
        return try AlertAcknowledgement(received: true, alerts: outcomes.count, new: outcomes.filter(\.isNew).count,
                                        ids: outcomes.map(\.id)).response(status: .accepted)
    }
}

struct AlertAcknowledgement: Encodable {
    var received: Bool
    var alerts: Int
    var new: Int
    var ids: [String]
}

struct AlertList: Encodable {
    var alerts: [AlertSummary]
}
