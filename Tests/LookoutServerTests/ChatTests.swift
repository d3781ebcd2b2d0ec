import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutCore
import LookoutServer
import LookoutTestSupport
import Spinnaker
import SpinnakerSimulator
import Testing

/// The chat answers PRODUCT.md's questions with the `spinnaker_rca` tool — without an LLM, and as a
/// tool-calling agent against a local OpenAI-compatible server.
@Suite struct ChatTests {
    @Test func theProductQuestionsWithoutAnLLM() async throws {
        try await withGateSimulator { port, simulator in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                let other = try await harness.tenant("globex")
                try await harness.test { (client) async throws -> Void in
                    try await client.connectSimulator(port: port, token: acme.admin)
                    func ask(_ question: String, conversation: String? = nil, token: String? = nil) async throws -> TestResponse {
                        var body: JSONValue = ["message": .string(question)]
                        if let conversation, case .object(var members) = body { members["conversationId"] = .string(conversation); body = .object(members) }
                        return try await client.send(.post, "/api/v1/chat", token: token ?? acme.operatorToken, json: body.serializedString())
                    }
                    #expect(try await ask("Show me recent Spinnaker deployments", token: acme.viewer).status == .forbidden)

                    let recent = try await ask("Show me recent Spinnaker deployments")
                    #expect(recent.status == .ok)
                    let conversation = try #require(recent.json?["conversationId"]?.stringValue)
                    #expect(recent.json?["reply"]?.stringValue?.hasPrefix("Recent deployments (from webhook and gate)") == true)
                    #expect(recent.json?["toolCalls"]?.arrayValue?.first?["action"] == "recent_pipelines")

                    let happened = try #require(try await ask("What happened with the api-gateway deployment?", conversation: conversation).json)
                    let text = happened["reply"]?.stringValue ?? ""
                    #expect(text.contains("TERMINAL") && text.contains("ImagePullBackOff") && text.contains("alice@example.com"), "\(text)")
                    #expect(happened["toolCalls"]?.arrayValue?.compactMap { $0["action"]?.stringValue } == ["recent_pipelines", "pipeline_detail", "execution_logs"])

                    let health = try #require(try await ask("Check application health for payments-api").json?["reply"]?.stringValue)
                    #expect(health.hasPrefix("payments-api is **healthy**"), "\(health)")
                    let unknown = try #require(try await ask("Check application health for payment-service").json?["reply"]?.stringValue)
                    #expect(unknown.contains("payment-service is **unknown**"), "\(unknown)")

                    let configs = try #require(try await ask("What pipelines are configured for payments-api?").json?["reply"]?.stringValue)
                    #expect(configs.contains("'Rollback production'") && configs.contains("a rollback pipeline") && configs.contains("tag (required)"))

                    let rollback = try #require(try await ask("Roll back the last api-gateway deployment").json)
                    #expect(rollback["pendingAction"]?["pipelineName"] == "Rollback production")
                    #expect(rollback["reply"]?.stringValue?.contains("It has not run") == true)
                    #expect(await simulator.catalog.recordedTriggerCount() == 0)
                    let actions = try await client.json("/api/v1/actions", token: acme.viewer)["actions"]?.arrayValue ?? []
                    #expect(actions.first?["requestedVia"] == "chat")

                    let help = try #require(try await ask("hello?").json?["reply"]?.stringValue)
                    #expect(help.contains("Show me recent Spinnaker deployments"))
                    // A conversation belongs to its user.
                    #expect(try await ask("and now?", conversation: conversation, token: acme.admin).status == .notFound)
                    #expect(try await ask("and now?", conversation: conversation, token: other.operatorToken).status == .notFound)
                    #expect(try await ask("Show me recent deployments", conversation: conversation).status == .ok)
                }
            }
        }
    }

    actor Script {
        var requests: [JSONValue] = []
        func record(_ request: JSONValue) -> Int {
            requests.append(request)
            return requests.count
        }
    }

    @Test func asAToolCallingAgent() async throws {
        let script = Script()
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = try JSONValue.parse(Data(try await request.body.collect(upTo: 1 << 22).readableBytesView))
            let turn = await script.record(body)
            let message: JSONValue = turn == 1
                ? ["role": "assistant", "content": nil, "tool_calls": [["id": "call_1", "type": "function",
                    "function": ["name": "spinnaker_rca", "arguments": #"{"action":"application_health","application":"search"}"#]]]]
                : ["role": "assistant", "content": "search is down: 0 of 2 instances up [tool application_health]."]
            let answer: JSONValue = ["id": "c", "object": "chat.completion", "choices": [["index": 0, "message": message, "finish_reason": "stop"]]]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try answer.serialized())))
        }
        let llmPort = try Components.freePort()
        var logger = Logger(label: "fake-llm")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: llmPort)), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            try await Components.waitForPort(llmPort)
            try await withGateSimulator { port, _ in
                try await TestHarness.run({
                    $0.llmBaseURL = "http://127.0.0.1:\(llmPort)/v1"
                    $0.llmModel = "tiny-agent"
                }) { harness in
                    let acme = try await harness.tenant("acme")
                    try await harness.test { (client) async throws -> Void in
                        try await client.connectSimulator(port: port, token: acme.admin)
                        let answer = try #require(try await client.send(.post, "/api/v1/chat", token: acme.operatorToken,
                                                                        json: #"{"message":"Is search healthy?"}"#).json)
                        #expect(answer["reply"] == "search is down: 0 of 2 instances up [tool application_health].")
                        #expect(answer["engine"] == "llm:tiny-agent")
                        #expect(answer["toolCalls"]?.arrayValue?.first?["action"] == "application_health")
                        #expect(answer["toolCalls"]?.arrayValue?.first?["ok"] == .bool(true))
                    }
                }
            }
            group.cancelAll()
        }
        let requests = await script.requests
        #expect(requests.count == 2)
        #expect(requests.first?["tools"]?.arrayValue?.first?["function"]?["name"] == "spinnaker_rca")
        let toolMessage = requests.last?["messages"]?.arrayValue?.last
        #expect(toolMessage?["role"] == "tool" && toolMessage?["tool_call_id"] == "call_1")
        #expect(toolMessage?["content"]?.stringValue?.contains(#""verdict":"down""#) == true, "the model sees the tool's real result")
    }
}
