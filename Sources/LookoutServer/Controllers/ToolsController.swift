import Foundation
import Hummingbird
import LookoutAgent
import LookoutCore
import LookoutStore
import LookoutSecrets
import Spinnaker

/// `POST /api/v1/tools/spinnaker_rca`, `/api/v1/actions` (list, confirm, cancel), `/api/v1/audit`, and
/// MCP over HTTP at `POST /mcp`.
struct ToolsController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.post("/tools/spinnaker_rca") { request, context in
            let principal = try context.require(.viewer)
            let body = try await request.decodeJSON(SpinnakerRCATool.Request.self, context: context)
            return try await runTool(body, principal: principal, via: "api").response()
        }
        group.get("/actions") { request, context in
            let principal = try context.require(.viewer)
            let limit = try QueryLimit.parse(request.uri.queryParameters["limit"].map(String.init), default: 50, max: 500)
            return try ActionList(actions: try await dependencies.actions.list(organisationId: principal.organisationId, limit: limit)).response()
        }
        group.post("/actions/:id/confirm") { _, context in
            try await decide(context: context, confirm: true)
        }
        group.post("/actions/:id/cancel") { _, context in
            try await decide(context: context, confirm: false)
        }
        group.get("/audit") { request, context in
            let principal = try context.require(.admin)
            let limit = try QueryLimit.parse(request.uri.queryParameters["limit"].map(String.init), default: 200, max: 1000)
            return try AuditList(entries: try await dependencies.actions.audit(organisationId: principal.organisationId, limit: limit)).response()
        }
    }

    func runTool(_ request: SpinnakerRCATool.Request, principal: Principal, via: String) async throws -> JSONValue {
        do {
            return try await dependencies.tool.run(request, caller: .init(principal: principal, via: via))
        } catch {
            switch error {
            case .invalid(let why): throw APIError.validation(why)
            case .notFound(let what): throw APIError.notFound(what)
            case .gateNotConnected: throw APIError(.conflict, "gate_not_connected", error.description)
            case .gate(let gate): throw APIError(.badGateway, "gate_failed", gate.description)
            }
        }
    }

    /// Confirm (runs the action once, through Gate) or cancel. Only operators and admins of the
    /// action's organisation; every outcome is audited.
    private func decide(context: LookoutRequestContext, confirm: Bool) async throws -> Response {
        guard let principal = context.principal else { throw APIError.unauthorized }
        let id = try context.parameters.require("id")
        guard principal.may(.`operator`) else {
            try await dependencies.actions.recordRefusal(organisationId: principal.organisationId, id: id, actor: principal.email,
                                                         reason: "role \(principal.role.rawValue) may not \(confirm ? "confirm" : "cancel") actions")
            throw APIError.forbidden("operator")
        }
        switch try await dependencies.actions.decide(organisationId: principal.organisationId, id: id, by: principal, confirm: confirm) {
        case .notFound:
            throw APIError.notFound("No pending action '\(id)'.")
        case .expired:
            throw APIError(.conflict, "expired", "The action expired before it was confirmed; ask for it again.")
        case .alreadyDecided(let status):
            throw APIError(.conflict, "already_\(status.rawValue)", "The action was already \(status.rawValue); it runs at most once.")
        case .granted(let action):
            guard confirm else { return try action.response() }
            return try await execute(action, principal: principal)
        }
    }

    private func execute(_ action: PendingAction, principal: Principal) async throws -> Response {
        let org = principal.organisationId
        do {
            guard let gate = try await dependencies.spinnaker.client(organisationId: org) else { throw GateError.unreachable("Gate is not connected") }
            let ref: String
            switch action.kind {
            case .pipeline:
                ref = try await gate.triggerPipeline(application: action.application, pipeline: action.pipelineName ?? "",
                                                     trigger: ["type": "manual", "user": .string(principal.email),
                                                               "parameters": .object(action.parameters)])
            case .task:
                ref = try await gate.submitTask(action.task ?? [:])
            }
            try await dependencies.actions.recordResult(organisationId: org, id: action.id, actor: principal.email, ref: ref, error: nil)
            var done = action
            done.status = .executed
            done.resultRef = ref
            done.decidedBy = principal.email
            return try done.response()
        } catch let error as GateError {
            try await dependencies.actions.recordResult(organisationId: org, id: action.id, actor: principal.email, ref: nil, error: error.description)
            throw APIError(.badGateway, "gate_failed", "Confirmed, but Spinnaker refused to run it: \(error.description)")
        }
    }
}

struct ActionList: Encodable {
    var actions: [PendingAction]
}

struct AuditList: Encodable {
    var entries: [PendingActionStore.AuditEntry]
}

