import Foundation
import Hummingbird
import LookoutAgent
import LookoutCore
import LookoutStore
import LookoutSecrets
import Spinnaker

/// MCP tools answered in-process for `POST /mcp`, as the authenticated caller.
struct InProcessToolAPI: LookoutToolAPI {
    let dependencies: LookoutDependencies
    let principal: Principal

    func spinnakerRCA(_ arguments: JSONValue) async throws -> JSONValue {
        let request = try JSONDecoder().decode(SpinnakerRCATool.Request.self, from: try arguments.serialized())
        return try await ToolsController(dependencies: dependencies).runTool(request, principal: principal, via: "mcp")
    }

    func incidents(status: String?) async throws -> JSONValue {
        let list = try await dependencies.incidents.list(organisationId: principal.organisationId, status: status.flatMap(Incident.Status.init), limit: 100)
        return try JSONValue.parse(try JSONEncoder().encode(["incidents": list]))
    }

    func incident(id: String) async throws -> JSONValue {
        guard let incident = try await dependencies.incidents.incident(organisationId: principal.organisationId, id: id) else {
            throw APIError.notFound("No incident '\(id)'.")
        }
        let suspects = try await dependencies.correlation.suspects(organisationId: principal.organisationId, incidentId: id)
        let alerts = try await dependencies.alerts.alerts(organisationId: principal.organisationId, incidentId: id)
        return ["incident": try JSONValue.parse(try JSONEncoder().encode(incident)),
                "suspects": try JSONValue.parse(try JSONEncoder().encode(suspects)),
                "alerts": try JSONValue.parse(try JSONEncoder().encode(alerts))]
    }

    func rcaReport(incidentId: String) async throws -> JSONValue {
        guard let stored = try await dependencies.reports.latest(organisationId: principal.organisationId, incidentId: incidentId) else {
            throw APIError.notFound("No RCA report for incident '\(incidentId)' yet.")
        }
        return ["markdown": .string(stored.markdown), "createdAt": .number(Double(stored.createdAt))]
    }
}

/// `POST /mcp`: MCP's HTTP transport (JSON-RPC in, JSON out), Bearer API token.
struct MCPController {
    let dependencies: LookoutDependencies

    func addRoutes(to router: Router<LookoutRequestContext>) {
        router.post("/mcp") { request, context in
            guard let token = request.headers.bearerToken,
                  let principal = try await dependencies.accounts.principal(apiTokenHash: Tokens.digest(token)) else {
                throw APIError.unauthorized
            }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            guard let message = try? JSONValue.parse(Data(bytes.readableBytesView)) else {
                let parseError: JSONValue = ["jsonrpc": "2.0", "id": nil, "error": ["code": -32700, "message": "Parse error"]]
                return try parseError.response(status: .badRequest)
            }
            let api = InProcessToolAPI(dependencies: dependencies, principal: principal)
            if let batch = message.arrayValue {
                var answers: [JSONValue] = []
                for item in batch { if let answer = await MCPTools.handle(item, api: api) { answers.append(answer) } }
                return answers.isEmpty ? Response(status: .accepted) : try JSONValue.array(answers).response()
            }
            guard let answer = await MCPTools.handle(message, api: api) else { return Response(status: .accepted) }
            return try answer.response()
        }
    }
}
