import Foundation
import Hummingbird
import LookoutCore
import LookoutStore
import Logging

/// `GET /api/v1/connectors/spinnaker` and `POST …/rotate-webhook-token`. Deployment tracking needs no
/// Gate credentials, so the webhook URL and the Echo configuration are there from the start. Only
/// admins see the token itself; other roles see a placeholder.
struct SpinnakerConnectorController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/connectors/spinnaker") { _, context in
            let principal = try context.require(.viewer)
            let token = principal.may(.admin) ? try await dependencies.webhookToken(organisationId: principal.organisationId) : nil
            return try ConnectorStatus(gate: nil, webhook: EchoWebhookSetup(baseURL: dependencies.configuration.baseURL, token: token))
                .response()
        }
        group.post("/connectors/spinnaker/rotate-webhook-token") { _, context in
            let principal = try context.require(.admin)
            let token = try await dependencies.rotateWebhookToken(organisationId: principal.organisationId)
            context.logger.notice("webhook token rotated", metadata: ["org": "\(principal.organisationId)"])
            return try ConnectorStatus(gate: nil, webhook: EchoWebhookSetup(baseURL: dependencies.configuration.baseURL, token: token))
                .response()
        }
    }
}

struct ConnectorStatus: Encodable {
    struct Gate: Encodable {}
    var connected = false
    var gate: Gate?
    var webhook: EchoWebhookSetup

    init(gate: Gate?, webhook: EchoWebhookSetup) {
        self.gate = gate
        self.connected = gate != nil
        self.webhook = webhook
    }
}

/// The webhook URL and the Echo configuration that sends events to it, in both forms Echo supports:
/// token in the URL, or the URL without it and the token in an `Authorization` header. `wrap: false`
/// (Echo's default raw event) and no template, which Echo ignores when `wrap` is false.
struct EchoWebhookSetup: Encodable {
    var url: String
    var headerURL: String
    var tokenShown: Bool
    var echoLocalYml: String
    var echoLocalYmlWithHeader: String
    var kubectlPatch: String
    var kubectlPatchWithHeader: String

    init(baseURL: String, token: String?) {
        let shownToken = token ?? "<webhook-token: ask an admin>"
        tokenShown = token != nil
        url = "\(baseURL)/spinnaker/webhook/\(shownToken)"
        headerURL = "\(baseURL)/spinnaker/webhook"
        echoLocalYml = """
            rest:
              enabled: true
              endpoints:
                - wrap: false
                  url: "\(url)"
            """
        echoLocalYmlWithHeader = """
            rest:
              enabled: true
              endpoints:
                - wrap: false
                  url: "\(headerURL)"
                  headers:
                    Authorization: "Bearer \(shownToken)"
            """
        kubectlPatch = Self.patch(endpoint: ["wrap": false, "url": url])
        kubectlPatchWithHeader = Self.patch(endpoint: ["wrap": false, "url": headerURL,
                                                       "headers": ["Authorization": "Bearer \(shownToken)"]])
    }

    /// `kubectl patch spinnakerservice` for the Spinnaker Operator: an Echo profile with the endpoint.
    static func patch(endpoint: [String: Any]) -> String {
        let body: [String: Any] = ["spec": ["spinnakerConfig": ["profiles": ["echo": ["rest": [
            "enabled": true, "endpoints": [endpoint],
        ]]]]]]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        let json = String(decoding: data, as: UTF8.self)
        return "kubectl -n spinnaker patch spinnakerservice spinnaker --type merge -p '\(json)'"
    }
}
