import Foundation
public import LookoutCore
public import LookoutStore
public import Spinnaker

/// The `spinnaker_rca` tool: one implementation behind the HTTP API, the chat and MCP. Read actions
/// merge what webhooks stored with Gate; `trigger_pipeline` and `rollback` never run anything — they
/// create a pending action that a person must confirm.
public struct SpinnakerRCATool: Sendable {
    public struct Request: Sendable, Decodable {
        public var action: String
        public var application: String?
        public var executionId: String?
        public var pipelineName: String?
        public var parameters: [String: JSONValue]?
        public var limit: Int?

        public init(action: String, application: String? = nil, executionId: String? = nil, pipelineName: String? = nil,
                    parameters: [String: JSONValue]? = nil, limit: Int? = nil) {
            self.action = action
            self.application = application
            self.executionId = executionId
            self.pipelineName = pipelineName
            self.parameters = parameters
            self.limit = limit
        }
    }

    public enum Action: String, Sendable, CaseIterable {
        case recentPipelines = "recent_pipelines"
        case pipelineDetail = "pipeline_detail"
        case applicationHealth = "application_health"
        case listPipelineConfigs = "list_pipeline_configs"
        case executionLogs = "execution_logs"
        case triggerPipeline = "trigger_pipeline"
        /// Lookout's addition: propose the application's rollback (pipeline, or rollbackServerGroup).
        case rollback
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        case notFound(String)
        case gateNotConnected
        case gate(GateError)

        public var description: String {
            switch self {
            case .invalid(let why): return why
            case .notFound(let what): return what
            case .gateNotConnected: return "Spinnaker Gate is not connected; connect it at /api/v1/connectors/spinnaker (admin)."
            case .gate(let error): return error.description
            }
        }
    }

    /// Who is asking, and through which door (api, chat, mcp).
    public struct Caller: Sendable {
        public var principal: Principal
        public var via: String

        public init(principal: Principal, via: String) {
            self.principal = principal
            self.via = via
        }
    }

    let executions: ExecutionStore
    let actions: PendingActionStore
    let gate: @Sendable (String) async throws -> GateClient?
    let actionTTLMs: Int64

    public init(executions: ExecutionStore, actions: PendingActionStore, actionTTLMs: Int64 = 300_000,
                gate: @escaping @Sendable (String) async throws -> GateClient?) {
        self.executions = executions
        self.actions = actions
        self.gate = gate
        self.actionTTLMs = actionTTLMs
    }

    /// The tool's arguments as JSON Schema (for MCP and LLM tool calling).
    public static let inputSchema: JSONValue = [
        "type": "object",
        "properties": [
            "action": ["type": "string", "enum": .array(Action.allCases.map { .string($0.rawValue) }),
                       "description": "recent_pipelines, pipeline_detail, application_health, list_pipeline_configs, execution_logs, trigger_pipeline (needs a person's confirmation), rollback (proposes the rollback; needs confirmation)"],
            "application": ["type": "string", "description": "Spinnaker application name"],
            "executionId": ["type": "string", "description": "Execution id (pipeline_detail, execution_logs)"],
            "pipelineName": ["type": "string", "description": "Pipeline name or id (trigger_pipeline)"],
            "parameters": ["type": "object", "description": "Pipeline parameters (trigger_pipeline)"],
            "limit": ["type": "integer", "minimum": 1, "maximum": 100, "description": "How many executions (recent_pipelines; default 25)"],
        ],
        "required": ["action"],
    ]

    public static let description = """
        Spinnaker deployments: recent executions, one execution's stages and failures, application health, pipeline \
        configurations, failure logs, and pipeline triggers or rollbacks (which only create a pending action that a person \
        must confirm in Lookout).
        """

    public func run(_ request: Request, caller: Caller) async throws(Failure) -> JSONValue {
        guard let action = Action(rawValue: request.action) else {
            throw .invalid("Unknown action '\(request.action)'; use one of \(Action.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let org = caller.principal.organisationId
        do {
            switch action {
            case .recentPipelines:
                return try await recentPipelines(org: org, application: request.application?.nilIfBlank, limit: clamp(request.limit))
            case .pipelineDetail:
                return try await pipelineDetail(org: org, executionId: try required(request.executionId, "executionId"))
            case .applicationHealth:
                let application = try required(request.application, "application")
                let client = try await requireGate(org)
                let health = ApplicationHealth(application: application, serverGroups: try await client.serverGroups(application: application))
                return ["action": "application_health", "application": .string(application), "verdict": .string(health.verdict.rawValue),
                        "summary": .string(health.summary), "health": try jsonValue(health)]
            case .listPipelineConfigs:
                let application = try required(request.application, "application")
                let client = try await requireGate(org)
                let configs = try await client.pipelineConfigs(application: application)
                return ["action": "list_pipeline_configs", "application": .string(application), "pipelines": .array(configs.map(Self.describeConfig))]
            case .executionLogs:
                return try await executionLogs(org: org, executionId: try required(request.executionId, "executionId"))
            case .triggerPipeline:
                return try await proposeTrigger(request, caller: caller)
            case .rollback:
                return try await proposeRollback(application: try required(request.application, "application"), caller: caller)
            }
        } catch let failure as Failure {
            throw failure
        } catch let error as GateError {
            throw .gate(error)
        } catch {
            throw .invalid("The tool failed: \(error)")
        }
    }

    func clamp(_ limit: Int?) -> Int { min(max(limit ?? 25, 1), 100) }

    func required(_ value: String?, _ name: String) throws(Failure) -> String {
        guard let value = value?.nilIfBlank else { throw .invalid("'\(name)' is required for this action.") }
        return value
    }

    func requireGate(_ org: String) async throws -> GateClient {
        guard let client = try await gate(org) else { throw Failure.gateNotConnected }
        return client
    }

    // MARK: - recent_pipelines

    /// Newest executions: what webhooks stored, merged with Gate (all applications, queried
    /// concurrently, not a sample of the first few). Gate's view wins for runs both know.
    func recentPipelines(org: String, application: String?, limit: Int) async throws -> JSONValue {
        var byId: [String: JSONValue] = [:]
        let stored = try await executions.list(organisationId: org, application: application, status: nil, limit: limit, cursor: nil)
        for record in stored.executions { byId[record.executionId] = Self.row(record) }
        var sources = ["webhook"]
        var notes: [JSONValue] = []
        if let client = try await gate(org) {
            sources.append("gate")
            let applications: [String]
            if let application {
                applications = [application]
            } else {
                applications = (try await client.applications()).compactMap { $0["name"]?.nonEmptyString }
            }
            let results = await withTaskGroup(of: (String, Result<[JSONValue], GateError>).self) { group in
                var iterator = applications.makeIterator()
                var collected: [(String, Result<[JSONValue], GateError>)] = []
                func add(_ app: String) {
                    group.addTask {
                        do throws(GateError) { return (app, .success(try await client.executions(application: app, limit: limit))) }
                        catch { return (app, .failure(error)) }
                    }
                }
                for _ in 0..<8 { if let app = iterator.next() { add(app) } }
                while let result = await group.next() {
                    collected.append(result)
                    if let app = iterator.next() { add(app) }
                }
                return collected
            }
            for (app, result) in results {
                switch result {
                case .success(let list):
                    for execution in list { if let id = execution["id"]?.stringValue { byId[id] = Self.row(ExecutionSnapshot(json: execution)) } }
                case .failure(let error):
                    notes.append(.string("\(app): \(error.description)"))
                }
            }
        } else {
            notes.append("Gate is not connected: only executions received by webhook are listed.")
        }
        let sorted = byId.values.sorted { ($0["startTime"]?.int64Value ?? $0["buildTime"]?.int64Value ?? 0) > ($1["startTime"]?.int64Value ?? $1["buildTime"]?.int64Value ?? 0) }
        return ["action": "recent_pipelines", "sources": .array(sources.map(JSONValue.string)), "count": .number(Double(min(sorted.count, limit))),
                "executions": .array(Array(sorted.prefix(limit))), "notes": .array(notes)]
    }

    static func row(_ record: ExecutionRecord) -> JSONValue {
        row(id: record.executionId, status: record.status, application: record.application, pipelineName: record.pipelineName,
            triggerType: record.triggerType, triggerUser: record.triggerUser, buildTime: record.buildTime, startTime: record.startTime,
            endTime: record.endTime, durationMs: record.durationMs, failedStage: record.snapshot?.failedStages.first?.name)
    }

    static func row(_ execution: ExecutionSnapshot) -> JSONValue {
        row(id: execution.id, status: execution.status, application: execution.application, pipelineName: execution.name,
            triggerType: execution.trigger.type, triggerUser: execution.trigger.user, buildTime: execution.buildTime,
            startTime: execution.startTime, endTime: execution.endTime, durationMs: execution.durationMs,
            failedStage: execution.failedStages.first?.name)
    }

    /// One line of `recent_pipelines`, the same whether the run came from the webhook or from Gate.
    static func row(id: String, status: ExecutionStatus, application: String?, pipelineName: String?, triggerType: String?,
                    triggerUser: String?, buildTime: Int64?, startTime: Int64?, endTime: Int64?, durationMs: Int64?,
                    failedStage: String?) -> JSONValue {
        var row: [String: JSONValue] = ["executionId": .string(id), "status": .string(status.rawValue)]
        row["application"] = application.map(JSONValue.string)
        row["pipelineName"] = pipelineName.map(JSONValue.string)
        row["triggerType"] = triggerType.map(JSONValue.string)
        row["triggerUser"] = triggerUser.map(JSONValue.string)
        row["buildTime"] = buildTime.map { .number(Double($0)) }
        row["startTime"] = startTime.map { .number(Double($0)) }
        row["endTime"] = endTime.map { .number(Double($0)) }
        row["durationMs"] = durationMs.map { .number(Double($0)) }
        row["failedStage"] = failedStage.map(JSONValue.string)
        return .object(row)
    }

    // MARK: - pipeline_detail

    func fullExecution(org: String, executionId: String) async throws -> (JSONValue, String)? {
        if let client = try await gate(org) {
            do {
                return (try await client.execution(id: executionId), "gate")
            } catch GateError.notFound {
                // Fall back to what the webhook stored.
            }
        }
        guard let body = try await executions.snapshotBody(organisationId: org, executionId: executionId),
              let json = EchoEventDecoder.fullExecution(fromBody: Data(body.utf8)) else { return nil }
        return (json, "webhook")
    }

    func pipelineDetail(org: String, executionId: String) async throws -> JSONValue {
        guard let (json, source) = try await fullExecution(org: org, executionId: executionId) else {
            throw Failure.notFound("No execution '\(executionId)' in Gate or in the events received.")
        }
        let execution = ExecutionSnapshot(json: json)
        let stages: [JSONValue] = execution.stages.filter { $0.syntheticStageOwner == nil }.map { stage in
            var value: [String: JSONValue] = ["id": .string(stage.id), "name": .string(stage.name), "type": .string(stage.type),
                                              "status": .string(stage.status.rawValue)]
            value["startTime"] = stage.startTime.map { .number(Double($0)) }
            value["durationMs"] = stage.durationMs.map { .number(Double($0)) }
            if let failure = stage.failure { value["failure"] = .string(failure.messages.first ?? failure.exceptionType ?? "failed") }
            return .object(value)
        }
        var trigger: [String: JSONValue] = ["parameters": .object(execution.trigger.parameters)]
        trigger["type"] = execution.trigger.type.map(JSONValue.string)
        trigger["user"] = execution.trigger.user.map(JSONValue.string)
        if let parent = execution.trigger.parentPipelineName {
            trigger["parentPipeline"] = ["name": .string(parent), "executionId": execution.trigger.parentExecutionId.map(JSONValue.string) ?? .null,
                                         "application": execution.trigger.parentPipelineApplication.map(JSONValue.string) ?? .null]
        }
        if let build = execution.trigger.build {
            trigger["build"] = ["job": build.job.map(JSONValue.string) ?? .null, "number": build.number.map(JSONValue.string) ?? .null,
                                "url": build.url.map(JSONValue.string) ?? .null]
        }
        trigger["artifacts"] = .array(execution.trigger.artifacts.map { .string($0.reference ?? $0.name ?? "?") })
        var result: [String: JSONValue] = ["action": "pipeline_detail", "source": .string(source), "executionId": .string(execution.id),
                                           "status": .string(execution.status.rawValue), "trigger": .object(trigger), "stages": .array(stages)]
        result["application"] = execution.application.map(JSONValue.string)
        result["pipelineName"] = execution.name.map(JSONValue.string)
        result["durationMs"] = execution.durationMs.map { .number(Double($0)) }
        if execution.canceled { result["canceledBy"] = execution.canceledBy.map(JSONValue.string) ?? "unknown" }
        return .object(result)
    }

    // MARK: - list_pipeline_configs

    static func describeConfig(_ config: JSONValue) -> JSONValue {
        let parameters: [JSONValue] = (config["parameterConfig"]?.arrayValue ?? []).map { p in
            ["name": p["name"] ?? .null, "required": .bool(p["required"]?.boolValue ?? false), "default": p["default"] ?? .null,
             "description": p["description"] ?? .null]
        }
        let triggers: [JSONValue] = (config["triggers"]?.arrayValue ?? []).map { t in
            ["type": t["type"] ?? .null, "enabled": t["enabled"] ?? .null, "job": t["job"] ?? .null, "cronExpression": t["cronExpression"] ?? .null]
        }
        return ["name": config["name"] ?? .null, "id": config["id"] ?? .null,
                "stageTypes": .array((config["stages"]?.arrayValue ?? []).compactMap { $0["type"] }),
                "triggers": .array(triggers), "parameters": .array(parameters),
                "isRollback": .bool(RollbackPlanner.isRollbackPipeline(config))]
    }

    // MARK: - execution_logs

    /// For each failed stage: exception type, errors, kato task messages, task exception details; Gate's
    /// failed-stages view where the Gate version has it; child pipelines walked (three levels).
    func executionLogs(org: String, executionId: String) async throws -> JSONValue {
        guard let (json, source) = try await fullExecution(org: org, executionId: executionId) else {
            throw Failure.notFound("No execution '\(executionId)' in Gate or in the events received.")
        }
        let client = try await gate(org)
        var stages: [JSONValue] = []
        try await collectFailures(json, client: client, depth: 0, into: &stages)
        var result: [String: JSONValue] = ["action": "execution_logs", "executionId": .string(executionId), "source": .string(source),
                                           "failedStages": .array(stages)]
        if let client {
            do {
                result["gateFailedStages"] = .array(try await client.get(["executions", "failedStages"], query: [("executionId", executionId)]).arrayValue ?? [])
            } catch GateError.notFound {
                result["gateFailedStages"] = "not available in this Gate version"
            } catch {
                result["gateFailedStages"] = .string("unavailable: \(error.description)")
            }
        }
        return .object(result)
    }

    func collectFailures(_ execution: JSONValue, client: GateClient?, depth: Int, into stages: inout [JSONValue]) async throws {
        for stage in execution["stages"]?.arrayValue ?? [] {
            let status = stage["status"]?.stringValue ?? ""
            guard ["TERMINAL", "STOPPED", "CANCELED", "FAILED_CONTINUE"].contains(status) else { continue }
            let context = stage["context"] ?? .null
            let exception = context["exception"]
            let kato: [JSONValue] = (context["kato.tasks"]?.arrayValue ?? []).compactMap { task in
                guard task["status"]?["failed"]?.boolValue == true else { return nil }
                return task["exception"]?["message"] ?? task["history"]?.arrayValue?.last?["status"]
            }
            let taskDetails: [JSONValue] = (stage["tasks"]?.arrayValue ?? []).compactMap { task in
                guard let details = task["taskExceptionDetails"]?["exception"], details.objectValue != nil else { return nil }
                return ["task": task["name"] ?? .null, "exceptionType": details["exceptionType"] ?? .null,
                        "errors": details["details"]?["errors"] ?? details["details"]?["error"] ?? .null]
            }
            var entry: [String: JSONValue] = [
                "execution": execution["id"] ?? .null, "pipeline": execution["name"] ?? .null, "stage": stage["name"] ?? .null,
                "type": stage["type"] ?? .null, "status": .string(status), "exceptionType": exception?["exceptionType"] ?? .null,
                "errors": exception?["details"]?["errors"] ?? exception?["details"]?["error"].map { .array([$0]) } ?? .array([]),
                "katoTasks": .array(kato), "taskExceptions": .array(taskDetails),
            ]
            if let message = context["failureMessage"] { entry["failureMessage"] = message }
            // A pipeline stage's child execution: walk into it.
            if stage["type"]?.stringValue == "pipeline", depth < 3, let client, let child = context["executionId"]?.nonEmptyString,
               let childExecution = try? await client.execution(id: child) {
                entry["childExecutionId"] = .string(child)
                stages.append(.object(entry))
                try await collectFailures(childExecution, client: client, depth: depth + 1, into: &stages)
                continue
            }
            stages.append(.object(entry))
        }
    }

    // MARK: - trigger_pipeline and rollback: pending actions only

    func proposeTrigger(_ request: Request, caller: Caller) async throws -> JSONValue {
        let application = try required(request.application, "application")
        let pipeline = try required(request.pipelineName, "pipelineName")
        var parameters = request.parameters ?? [:]
        var missing: [String] = []
        if let client = try await gate(caller.principal.organisationId) {
            let configs = try await client.pipelineConfigs(application: application)
            guard let config = configs.first(where: { $0["name"]?.stringValue == pipeline || $0["id"]?.stringValue == pipeline }) else {
                throw Failure.notFound("Application \(application) has no pipeline '\(pipeline)'.")
            }
            (parameters, missing) = RollbackPlanner.parameters(of: config, overrides: parameters)
        } else {
            throw Failure.gateNotConnected
        }
        guard missing.isEmpty else {
            throw Failure.invalid("Pipeline '\(pipeline)' needs the parameter(s) \(missing.joined(separator: ", ")).")
        }
        let shown = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!.stringValue ?? parameters[$0]!.serializedString())" }.joined(separator: ", ")
        let summary = "Run pipeline '\(pipeline)' of \(application)" + (shown.isEmpty ? "" : " with \(shown)")
        let action = try await actions.create(organisationId: caller.principal.organisationId, kind: .pipeline, application: application,
                                              pipelineName: pipeline, parameters: parameters, task: nil, summary: summary,
                                              requestedBy: caller.principal, via: caller.via, ttlMs: actionTTLMs)
        return Self.confirmationRequired(action)
    }

    func proposeRollback(application: String, caller: Caller) async throws -> JSONValue {
        let client = try await requireGate(caller.principal.organisationId)
        let configs = try await client.pipelineConfigs(application: application)
        let health = ApplicationHealth(application: application, serverGroups: try await client.serverGroups(application: application))
        guard let option = RollbackPlanner.plan(application: application, pipelineConfigs: configs, health: health) else {
            throw Failure.notFound("\(application) has no rollback pipeline and no earlier server group to roll back to.")
        }
        let action: PendingAction
        switch option.kind {
        case .pipeline:
            let config = configs.first { $0["name"]?.stringValue == option.pipelineName }
            let (parameters, missing) = RollbackPlanner.parameters(of: config ?? .null, overrides: ["reason": .string("rollback requested by \(caller.principal.email) via Lookout")])
            guard missing.isEmpty else { throw Failure.invalid("The rollback pipeline needs the parameter(s) \(missing.joined(separator: ", ")).") }
            action = try await actions.create(organisationId: caller.principal.organisationId, kind: .pipeline, application: application,
                                              pipelineName: option.pipelineName, parameters: parameters, task: nil,
                                              summary: "Roll back \(application): run its rollback pipeline '\(option.pipelineName ?? "?")' (\(option.reason))",
                                              requestedBy: caller.principal, via: caller.via, ttlMs: actionTTLMs)
        case .serverGroup:
            // Deck's "Rollback" server-group action: an ad-hoc rollbackServerGroup orchestration.
            let task: JSONValue = [
                "application": .string(application),
                "description": .string("Rollback Server Group: \(option.serverGroup ?? "?")"),
                "job": [[
                    "type": "rollbackServerGroup", "rollbackType": "EXPLICIT",
                    "rollbackContext": ["rollbackServerGroupName": .string(option.serverGroup ?? ""),
                                        "restoreServerGroupName": .string(option.restoreServerGroup ?? ""),
                                        "targetHealthyRollbackPercentage": 100, "delayBeforeDisableSeconds": 0],
                    "moniker": ["app": .string(application)], "region": .string(option.region ?? ""), "credentials": .string(option.account ?? ""),
                    "cloudProvider": .string(option.cloudProvider ?? ""), "reason": .string("rollback requested via Lookout"),
                    "user": .string(caller.principal.email),
                ]],
            ]
            action = try await actions.create(organisationId: caller.principal.organisationId, kind: .task, application: application,
                                              pipelineName: nil, parameters: [:], task: task,
                                              summary: "Roll back \(application): \(option.sentence)",
                                              requestedBy: caller.principal, via: caller.via, ttlMs: actionTTLMs)
        }
        return Self.confirmationRequired(action)
    }

    static func confirmationRequired(_ action: PendingAction) -> JSONValue {
        ["status": "confirmation_required",
         "action": ["id": .string(action.id), "summary": .string(action.summary), "expiresAt": .number(Double(action.expiresAt)),
                    "requestedBy": .string(action.requestedBy), "application": .string(action.application),
                    "pipelineName": action.pipelineName.map(JSONValue.string) ?? .null, "parameters": .object(action.parameters)],
         "confirm": .string("POST /api/v1/actions/\(action.id)/confirm (an operator or admin of this organisation)"),
         "cancel": .string("POST /api/v1/actions/\(action.id)/cancel")]
    }

    func jsonValue(_ value: some Encodable) throws -> JSONValue {
        try JSONValue.parse(try JSONEncoder().encode(value))
    }
}
