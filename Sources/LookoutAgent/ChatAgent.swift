import Foundation
import LookoutCore
public import Spinnaker

/// The chat: questions in plain words answered with the `spinnaker_rca` tool. Without an LLM, the
/// `IntentParser` picks the action and the answer is written from the tool's result; with an
/// OpenAI-compatible LLM, the model calls the same tool (at most four rounds). A trigger or rollback in
/// the chat only ever yields a pending action for a person to confirm.
public struct ChatAgent: Sendable {
    public struct ToolCall: Sendable, Codable, Equatable {
        public var action: String
        public var arguments: JSONValue
        public var ok: Bool
    }

    public struct Reply: Sendable {
        public var text: String
        public var toolCalls: [ToolCall]
        public var pendingAction: JSONValue?
        public var engine: String
    }

    let tool: SpinnakerRCATool
    let llm: ChatCompletionsClient?
    let knownApplications: @Sendable (String) async -> [String]

    public init(tool: SpinnakerRCATool, llm: ChatCompletionsClient?, knownApplications: @escaping @Sendable (String) async -> [String]) {
        self.tool = tool
        self.llm = llm
        self.knownApplications = knownApplications
    }

    static let systemPrompt = """
        You are Lookout, an assistant for engineers on call for Spinnaker deployments. Answer with facts from the \
        spinnaker_rca tool only; say when you do not know. To run or roll back a pipeline, call trigger_pipeline or \
        rollback: that only prepares an action that a person confirms in Lookout — say so, and never claim it ran.
        """

    public func respond(to message: String, history: [(role: String, content: String)], caller: SpinnakerRCATool.Caller) async -> Reply {
        if let llm {
            do {
                return try await agent(message, history: history, caller: caller, llm: llm)
            } catch {
                var reply = await deterministic(message, caller: caller)
                reply.text = "(The LLM is unavailable: \(error). Answering without it.)\n\n" + reply.text
                return reply
            }
        }
        return await deterministic(message, caller: caller)
    }

    // MARK: - Without an LLM

    func deterministic(_ message: String, caller: SpinnakerRCATool.Caller) async -> Reply {
        let known = await knownApplications(caller.principal.organisationId)
        var calls: [ToolCall] = []
        func run(_ request: SpinnakerRCATool.Request) async -> Result<JSONValue, SpinnakerRCATool.Failure> {
            var arguments: [String: JSONValue] = ["action": .string(request.action)]
            if let application = request.application { arguments["application"] = .string(application) }
            if let executionId = request.executionId { arguments["executionId"] = .string(executionId) }
            if let pipelineName = request.pipelineName { arguments["pipelineName"] = .string(pipelineName) }
            do {
                let result = try await tool.run(request, caller: caller)
                calls.append(ToolCall(action: request.action, arguments: .object(arguments), ok: true))
                return .success(result)
            } catch {
                calls.append(ToolCall(action: request.action, arguments: .object(arguments), ok: false))
                return .failure(error)
            }
        }
        var pending: JSONValue?
        let text: String
        switch IntentParser.parse(message, knownApplications: known) {
        case .recentPipelines(let application):
            switch await run(.init(action: "recent_pipelines", application: application, limit: 10)) {
            case .success(let result): text = ChatRenderer.recent(result, application: application)
            case .failure(let error): text = "I could not list deployments: \(error)"
            }
        case .whatHappened(let application):
            text = await whatHappened(application, run: run)
        case .health(let application):
            switch await run(.init(action: "application_health", application: application)) {
            case .success(let result): text = ChatRenderer.health(result)
            case .failure(let error): text = "I could not check the health of \(application): \(error)"
            }
        case .pipelineConfigs(let application):
            switch await run(.init(action: "list_pipeline_configs", application: application)) {
            case .success(let result): text = ChatRenderer.configs(result)
            case .failure(let error): text = "I could not list the pipelines of \(application): \(error)"
            }
        case .executionLogs(let executionId):
            switch await run(.init(action: "execution_logs", executionId: executionId)) {
            case .success(let result): text = ChatRenderer.logs(result)
            case .failure(let error): text = "I could not read the failures of \(executionId): \(error)"
            }
        case .rollback(let application):
            switch await run(.init(action: "rollback", application: application)) {
            case .success(let result):
                pending = result["action"]
                text = ChatRenderer.pending(result)
            case .failure(let error): text = "I could not prepare a rollback of \(application): \(error)"
            }
        case .trigger(let application, let pipeline, let parameters):
            switch await run(.init(action: "trigger_pipeline", application: application, pipelineName: pipeline,
                                   parameters: parameters.mapValues(JSONValue.string))) {
            case .success(let result):
                pending = result["action"]
                text = ChatRenderer.pending(result)
            case .failure(let error): text = "I could not prepare that run: \(error)"
            }
        case .help:
            text = """
                I can answer questions about Spinnaker, for example:
                - Show me recent Spinnaker deployments
                - What happened with the api-gateway deployment?
                - Check application health for payment-service
                - What pipelines are configured for my-app?
                - Roll back the last api-gateway deployment (I prepare it; a person confirms)
                """
        }
        return Reply(text: text, toolCalls: calls, pendingAction: pending, engine: "intents")
    }

    func whatHappened(_ application: String, run: (SpinnakerRCATool.Request) async -> Result<JSONValue, SpinnakerRCATool.Failure>) async -> String {
        guard case .success(let recent) = await run(.init(action: "recent_pipelines", application: application, limit: 5)) else {
            return "I could not find deployments of \(application)."
        }
        guard let latest = recent["executions"]?.arrayValue?.first, let id = latest["executionId"]?.stringValue else {
            return "I know of no deployment of \(application)."
        }
        guard case .success(let detail) = await run(.init(action: "pipeline_detail", executionId: id)) else {
            return ChatRenderer.recent(recent, application: application)
        }
        var text = ChatRenderer.detail(detail)
        if ["TERMINAL", "CANCELED", "STOPPED", "FAILED_CONTINUE"].contains(detail["status"]?.stringValue ?? ""),
           case .success(let logs) = await run(.init(action: "execution_logs", executionId: id)) {
            text += "\n\n" + ChatRenderer.logs(logs)
        }
        return text
    }

    // MARK: - With an LLM

    func agent(_ message: String, history: [(role: String, content: String)], caller: SpinnakerRCATool.Caller,
               llm: ChatCompletionsClient) async throws -> Reply {
        var messages: [JSONValue] = [["role": "system", "content": .string(Self.systemPrompt)]]
        for turn in history.suffix(10) { messages.append(["role": .string(turn.role), "content": .string(turn.content)]) }
        messages.append(["role": "user", "content": .string(message)])
        let tools: [JSONValue] = [["type": "function", "function": ["name": "spinnaker_rca", "description": .string(SpinnakerRCATool.description),
                                                                    "parameters": SpinnakerRCATool.inputSchema]]]
        var calls: [ToolCall] = []
        var pending: JSONValue?
        for _ in 0..<4 {
            let answer = try await llm.complete(messages: messages, tools: tools)
            let toolCalls = answer["tool_calls"]?.arrayValue ?? []
            if toolCalls.isEmpty {
                return Reply(text: answer["content"]?.stringValue ?? "", toolCalls: calls, pendingAction: pending, engine: "llm:\(llm.model)")
            }
            messages.append(answer)
            for call in toolCalls {
                let id = call["id"]?.stringValue ?? UUID().uuidString
                let argumentsText = call["function"]?["arguments"]?.stringValue ?? "{}"
                let arguments = (try? JSONValue.parse(Data(argumentsText.utf8))) ?? [:]
                var content: String
                if call["function"]?["name"]?.stringValue != "spinnaker_rca" {
                    content = "Unknown tool."
                    calls.append(ToolCall(action: "unknown", arguments: arguments, ok: false))
                } else if let request = try? JSONDecoder().decode(SpinnakerRCATool.Request.self, from: try arguments.serialized()) {
                    do {
                        let result = try await tool.run(request, caller: caller)
                        if result["status"]?.stringValue == "confirmation_required" { pending = result["action"] }
                        content = result.serializedString()
                        calls.append(ToolCall(action: request.action, arguments: arguments, ok: true))
                    } catch {
                        content = "Error: \(error)"
                        calls.append(ToolCall(action: request.action, arguments: arguments, ok: false))
                    }
                } else {
                    content = "Error: the arguments must have an 'action'."
                    calls.append(ToolCall(action: "invalid", arguments: arguments, ok: false))
                }
                if content.count > 12_000 { content = String(content.prefix(12_000)) + "…(truncated)" }
                messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(content)])
            }
        }
        return Reply(text: "I could not finish within four tool calls.", toolCalls: calls, pendingAction: pending, engine: "llm:\(llm.model)")
    }
}
