import Foundation
import Hummingbird
import Logging
import LookoutCore
import LookoutStore
import Spinnaker

/// `/api/v1/connectors/spinnaker`: connect (validate live, then store), status (stored, or live with
/// `?check=true`), disconnect, and webhook token rotation. Deployment tracking needs no Gate
/// credentials, so the webhook URL and the Echo configuration are there from the start. Only admins
/// see the webhook token itself; other roles see a placeholder. No response ever holds a Gate secret.
struct SpinnakerConnectorController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/connectors/spinnaker") { request, context in
            let principal = try context.require(.viewer)
            var connection = try await dependencies.spinnaker.connections.connection(organisationId: principal.organisationId)
            if request.uri.queryParameters["check"] == "true", connection != nil {
                connection = try await dependencies.spinnaker.check(organisationId: principal.organisationId)
            }
            return try await status(principal: principal, connection: connection).response()
        }
        group.post("/connectors/spinnaker") { request, context in
            let principal = try context.require(.admin)
            let body = try await request.decodeJSON(SpinnakerConnector.ConnectRequest.self, context: context)
            do {
                let connection = try await dependencies.spinnaker.connect(organisationId: principal.organisationId, request: body)
                return try await status(principal: principal, connection: connection).response()
            } catch let error as SpinnakerConnector.ConnectError {
                switch error {
                case .invalid(let why): throw APIError.validation(why)
                case .gate(let gate): throw APIError(.badGateway, "gate_failed", gate.description)
                case .secrets(let why): throw APIError(.serviceUnavailable, "secrets_unavailable", why)
                }
            }
        }
        group.delete("/connectors/spinnaker") { _, context in
            let principal = try context.require(.admin)
            let existed = try await dependencies.spinnaker.disconnect(organisationId: principal.organisationId)
            guard existed else { throw APIError.notFound("Spinnaker is not connected.") }
            return try await status(principal: principal, connection: nil).response()
        }
        group.post("/connectors/spinnaker/rotate-webhook-token") { _, context in
            let principal = try context.require(.admin)
            let token = try await dependencies.rotateWebhookToken(organisationId: principal.organisationId)
            context.logger.notice("webhook token rotated", metadata: ["org": "\(principal.organisationId)"])
            let connection = try await dependencies.spinnaker.connections.connection(organisationId: principal.organisationId)
            return try ConnectorStatus(connection: connection,
                                       webhook: EchoWebhookSetup(baseURL: dependencies.configuration.baseURL, token: token)).response()
        }
    }

    private func status(principal: Principal, connection: SpinnakerConnection?) async throws -> ConnectorStatus {
        let token = principal.may(.admin) ? try await dependencies.webhookToken(organisationId: principal.organisationId) : nil
        return ConnectorStatus(connection: connection, webhook: EchoWebhookSetup(baseURL: dependencies.configuration.baseURL, token: token))
    }
}

struct ConnectorStatus: Encodable {
    struct Gate: Encodable {
        var url: String
        var authMethod: String
        var username: String?
        var secretBackend: String
        var connectedAt: Int64
        var lastValidatedAt: Int64?
        var lastValidationOk: Bool
        var lastValidationError: String?
        var accounts: [GateAccount]
        var cloudProviders: [String]
        var applicationCount: Int?
    }

    var connected: Bool
    var gate: Gate?
    var webhook: EchoWebhookSetup

    init(connection: SpinnakerConnection?, webhook: EchoWebhookSetup) {
        connected = connection != nil
        gate = connection.map {
            Gate(url: $0.gateURL, authMethod: $0.authMethod, username: $0.username, secretBackend: $0.secretBackend,
                 connectedAt: $0.createdAt, lastValidatedAt: $0.validatedAt, lastValidationOk: $0.validationError == nil,
                 lastValidationError: $0.validationError, accounts: $0.accounts,
                 cloudProviders: Array(Set($0.accounts.compactMap(\.cloudProvider))).sorted(), applicationCount: $0.applicationCount)
        }
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
        kubectlPatch = Self.patch(endpoint: ["wrap": false, "url": .string(url)])
        kubectlPatchWithHeader = Self.patch(endpoint: ["wrap": false, "url": .string(headerURL),
                                                       "headers": ["Authorization": .string("Bearer \(shownToken)")]])
    }

    /// `kubectl patch spinnakerservice` for the Spinnaker Operator: an Echo profile with the endpoint.
    static func patch(endpoint: JSONValue) -> String {
        let body: JSONValue = ["spec": ["spinnakerConfig": ["profiles": ["echo": ["rest": ["enabled": true, "endpoints": [endpoint]]]]]]]
        return "kubectl -n spinnaker patch spinnakerservice spinnaker --type merge -p '\(body.serializedString())'"
    }
}
