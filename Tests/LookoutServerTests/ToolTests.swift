import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutCore
import LookoutServer
import LookoutStore
import LookoutTestSupport
import SQLKit
import Spinnaker
import SpinnakerSimulator
import Testing

extension TestClientProtocol {
    func tool(_ body: String, token: String) async throws -> TestResponse {
        try await send(.post, "/api/v1/tools/spinnaker_rca", token: token, json: body)
    }

    func connectSimulator(port: Int, token: String) async throws {
        let response = try await send(.post, "/api/v1/connectors/spinnaker", token: token,
                                      json: #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","token":"t"}"#)
        #expect(response.status == .ok)
    }
}

/// Every `spinnaker_rca` read action against the Gate simulator.
@Suite struct SpinnakerToolTests {
    @Test func readActions() async throws {
        try await withGateSimulator { port, _ in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    #expect(try await client.tool(#"{"action":"application_health","application":"api-gateway"}"#, token: acme.viewer).status == .conflict,
                            "no Gate yet: a clear 409")
                    // A run only the webhook knows about.
                    let webhookOnly = EchoScenario.successfulDeploy(application: "payments-api", pipelineName: "Hotfix", pipelineConfigId: "cfg-hotfix",
                                                                    startTime: EpochMillis.now() - 1_000, tag: "9.9.9", build: 999)
                    _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:complete", execution: webhookOnly.json()), token: acme.webhookToken)
                    try await client.connectSimulator(port: port, token: acme.admin)

                    let recent = try #require(try await client.tool(#"{"action":"recent_pipelines","limit":1000}"#, token: acme.viewer).json)
                    let rows = recent["executions"]?.arrayValue ?? []
                    #expect(recent["sources"] == ["webhook", "gate"])
                    #expect(rows.count <= 100 && rows.count > 15, "every application's runs, limit clamped to 100")
                    #expect(Set(rows.compactMap { $0["application"]?.stringValue }) == ["payments-api", "api-gateway", "checkout", "search", "orders"])
                    #expect(rows.first?["executionId"] == .string(webhookOnly.id), "newest first, webhook runs merged in")
                    let starts = rows.compactMap { $0["startTime"]?.int64Value }
                    #expect(starts == starts.sorted(by: >))
                    let gateway = try #require(try await client.tool(#"{"action":"recent_pipelines","application":"api-gateway","limit":3}"#, token: acme.viewer).json)
                    #expect(gateway["executions"]?.arrayValue?.count == 3)
                    #expect(gateway["executions"]?.arrayValue?.allSatisfy { $0["application"] == "api-gateway" } == true)

                    let terminalId = try #require(rows.first { $0["application"] == "api-gateway" && $0["status"] == "TERMINAL" }?["executionId"]?.stringValue)
                    let detail = try #require(try await client.tool(#"{"action":"pipeline_detail","executionId":"\#(terminalId)"}"#, token: acme.viewer).json)
                    #expect(detail["source"] == "gate" && detail["status"] == "TERMINAL")
                    #expect(detail["trigger"]?["user"] == "alice@example.com" && detail["trigger"]?["parameters"]?["tag"] == "2.8.0")
                    #expect(detail["stages"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["Bake (Manifest)", "Deploy (Manifest)", "Smoke test"])
                    #expect(detail["stages"]?.arrayValue?[1]["failure"]?.stringValue?.contains("ImagePullBackOff") == true)
                    #expect(detail["stages"]?.arrayValue?[0]["durationMs"] != nil)

                    let health = try #require(try await client.tool(#"{"action":"application_health","application":"api-gateway"}"#, token: acme.viewer).json)
                    #expect(health["verdict"] == "degraded")
                    let clusters = health["health"]?["clusters"]?.arrayValue ?? []
                    #expect(clusters.contains { $0["account"] == "aws-prod" && $0["verdict"] == "healthy" })
                    #expect(clusters.contains { $0["account"] == "k8s-prod" && $0["instances"]?["down"] == 2 })
                    let search = try #require(try await client.tool(#"{"action":"application_health","application":"search"}"#, token: acme.viewer).json)
                    #expect(search["verdict"] == "down")

                    let configs = try #require(try await client.tool(#"{"action":"list_pipeline_configs","application":"payments-api"}"#, token: acme.viewer).json)
                    let pipelines = configs["pipelines"]?.arrayValue ?? []
                    #expect(pipelines.map { $0["name"]?.stringValue ?? "" } == ["Deploy to production", "Rollback production"])
                    #expect(pipelines[0]["parameters"]?.arrayValue?.first { $0["name"] == "tag" }?["required"] == .bool(true))
                    #expect(pipelines[0]["isRollback"] == .bool(false) && pipelines[1]["isRollback"] == .bool(true))
                    #expect(pipelines[0]["stageTypes"] == ["bakeManifest", "deployManifest", "webhook"])
                    #expect(pipelines[0]["triggers"]?.arrayValue?.first?["type"] == "jenkins")

                    let logs = try #require(try await client.tool(#"{"action":"execution_logs","executionId":"\#(terminalId)"}"#, token: acme.viewer).json)
                    let failed = try #require(logs["failedStages"]?.arrayValue?.first)
                    #expect(failed["stage"] == "Deploy (Manifest)")
                    #expect(failed["errors"]?.arrayValue?.first?.stringValue?.contains("did not stabilize") == true)
                    #expect(failed["katoTasks"]?.arrayValue?.first?.stringValue?.contains("manifest unknown") == true)
                    #expect(failed["taskExceptions"]?.arrayValue?.isEmpty == false)
                    #expect(logs["gateFailedStages"]?.arrayValue?.first?["stageName"] == "Deploy (Manifest)")

                    for bad in [#"{"action":"explode"}"#, #"{"action":"pipeline_detail"}"#, #"{"action":"application_health","application":" "}"#] {
                        #expect(try await client.tool(bad, token: acme.viewer).status == .unprocessableContent, "\(bad)")
                    }
                    #expect(try await client.tool(#"{"action":"pipeline_detail","executionId":"nope"}"#, token: acme.viewer).status == .notFound)
                }
            }
        }
    }

    /// The tool through the real mTLS front (nginx with `ssl_verify_client on`).
    @Test func healthThroughMutualTLS() async throws {
        let certificates: TestCertificates
        do { certificates = try TestCertificates.make() } catch {
            if Components.required { Issue.record("openssl is required") }
            return
        }
        try await withGateSimulator { simulatorPort, _ in
            let proxy: MutualTLSProxy
            do { proxy = try await MutualTLSProxy(upstreamPort: simulatorPort, certificates: certificates) } catch {
                if Components.required { Issue.record("nginx is required: \(error)") }
                return
            }
            defer { proxy.stop() }
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                let connect: JSONValue = ["gateUrl": .string("https://localhost:\(proxy.port)"), "authMethod": "x509",
                                          "certificatePem": .string(try certificates.pem("client.crt")), "privateKeyPem": .string(try certificates.pem("client.key")),
                                          "caBundlePem": .string(try certificates.pem("ca.crt"))]
                try await harness.test { (client) async throws -> Void in
                    #expect(try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin, json: connect.serializedString()).status == .ok)
                    let health = try #require(try await client.tool(#"{"action":"application_health","application":"checkout"}"#, token: acme.viewer).json)
                    #expect(health["verdict"] == "degraded", "1 of 3 checkout instances out of service")
                    #expect(health["health"]?["instances"]?["outOfService"] == 1)
                }
            }
        }
    }
}

/// `trigger_pipeline` and rollbacks run only after a person confirms, exactly once.
@Suite struct PendingActionTests {
    @Test func aTriggerRunsOnlyAfterConfirmationAndOnlyOnce() async throws {
        try await withGateSimulator { port, simulator in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                let globex = try await harness.tenant("globex")
                try await harness.test { (client) async throws -> Void in
                    try await client.connectSimulator(port: port, token: acme.admin)
                    let proposed = try await client.tool(#"{"action":"trigger_pipeline","application":"payments-api","pipelineName":"Deploy to production","parameters":{"tag":"1.5.0"}}"#,
                                                         token: acme.viewer)
                    #expect(proposed.status == .ok && proposed.json?["status"] == "confirmation_required")
                    let action = try #require(proposed.json?["action"])
                    let id = try #require(action["id"]?.stringValue)
                    #expect(action["summary"] == "Run pipeline 'Deploy to production' of payments-api with namespace=prod, tag=1.5.0")
                    #expect(action["requestedBy"] == "viewer@acme.example.com")
                    #expect((action["expiresAt"]?.int64Value ?? 0) > EpochMillis.now() + 250_000)
                    #expect(await simulator.catalog.recordedTriggerCount() == 0, "nothing runs on the first call")

                    // Missing required parameter: refused before any action exists.
                    #expect(try await client.tool(#"{"action":"trigger_pipeline","application":"payments-api","pipelineName":"Deploy to production"}"#,
                                                  token: acme.viewer).status == .unprocessableContent)

                    #expect(try await client.send(.post, "/api/v1/actions/\(id)/confirm", token: acme.viewer).status == .forbidden)
                    #expect(try await client.send(.post, "/api/v1/actions/\(id)/confirm", token: globex.admin).status == .notFound,
                            "another organisation cannot see or confirm it")
                    #expect(await simulator.catalog.recordedTriggerCount() == 0)

                    async let first = client.send(.post, "/api/v1/actions/\(id)/confirm", token: acme.operatorToken)
                    async let second = client.send(.post, "/api/v1/actions/\(id)/confirm", token: acme.admin)
                    let answers = try await [first, second]
                    #expect(answers.filter { $0.status == .ok }.count == 1, "exactly one confirmation wins")
                    #expect(answers.filter { $0.status == .conflict }.count == 1)
                    let executed = try #require(answers.first { $0.status == .ok }?.json)
                    #expect(executed["status"] == "executed" && executed["resultRef"]?.stringValue?.hasPrefix("/pipelines/") == true)
                    let triggers = await simulator.catalog.recordedTriggerBodies()
                    #expect(triggers.count == 1)
                    #expect(triggers.first?["body"]?["parameters"]?["tag"] == "1.5.0")
                    #expect(triggers.first?["body"]?["user"]?.stringValue?.hasSuffix("@acme.example.com") == true)

                    let audit = try #require(try await client.json("/api/v1/audit", token: acme.admin)["entries"]?.arrayValue)
                    let actions = audit.compactMap { $0["action"]?.stringValue }
                    for expected in ["action.requested", "action.refused", "action.confirmed", "action.executed"] {
                        #expect(actions.contains(expected), "audit lacks \(expected)")
                    }
                    #expect(try await client.get("/api/v1/audit", token: acme.operatorToken).status == .forbidden)
                    #expect(try await client.json("/api/v1/audit", token: globex.admin)["entries"]?.arrayValue?.isEmpty == true)
                }
            }
        }
    }

    @Test func expiredAndCanceledActionsNeverRun() async throws {
        try await withGateSimulator { port, simulator in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    try await client.connectSimulator(port: port, token: acme.admin)
                    let body = #"{"action":"trigger_pipeline","application":"payments-api","pipelineName":"Rollback production"}"#
                    let expiring = try #require(try await client.tool(body, token: acme.operatorToken).json?["action"]?["id"]?.stringValue)
                    let canceling = try #require(try await client.tool(body, token: acme.operatorToken).json?["action"]?["id"]?.stringValue)
                    try await harness.dependencies.database.transaction { db in
                        try await db.raw("UPDATE pending_actions SET expires_at = \(bind: EpochMillis.now() - 1) WHERE id = \(bind: expiring)").run()
                    }
                    let late = try await client.send(.post, "/api/v1/actions/\(expiring)/confirm", token: acme.operatorToken)
                    #expect(late.status == .conflict && late.errorCode == "expired")
                    #expect(try await client.send(.post, "/api/v1/actions/\(canceling)/cancel", token: acme.operatorToken).json?["status"] == "canceled")
                    #expect(try await client.send(.post, "/api/v1/actions/\(canceling)/confirm", token: acme.admin).errorCode == "already_canceled")
                    #expect(await simulator.catalog.recordedTriggerCount() == 0)
                    let list = try await client.json("/api/v1/actions", token: acme.viewer)["actions"]?.arrayValue ?? []
                    #expect(Set(list.compactMap { $0["status"]?.stringValue }) == ["expired", "canceled"])
                    let audit = try await client.json("/api/v1/audit", token: acme.admin)["entries"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
                    #expect(audit.contains("action.expired") && audit.contains("action.canceled") && audit.contains("action.refused"))
                }
            }
        }
    }

    /// "Roll back the last deployment of X": its rollback pipeline, or Spinnaker's rollbackServerGroup
    /// task when it has none — both as pending actions.
    @Test func rollbackProposals() async throws {
        try await withGateSimulator { port, simulator in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    try await client.connectSimulator(port: port, token: acme.admin)
                    let pipeline = try #require(try await client.tool(#"{"action":"rollback","application":"api-gateway"}"#, token: acme.operatorToken).json)
                    #expect(pipeline["status"] == "confirmation_required")
                    #expect(pipeline["action"]?["pipelineName"] == "Rollback production")
                    let task = try #require(try await client.tool(#"{"action":"rollback","application":"checkout"}"#, token: acme.operatorToken).json)
                    #expect(task["action"]?["summary"]?.stringValue?.contains("checkout-prod-v017 to checkout-prod-v016") == true)
                    let id = try #require(task["action"]?["id"]?.stringValue)
                    let done = try await client.send(.post, "/api/v1/actions/\(id)/confirm", token: acme.operatorToken)
                    #expect(done.status == .ok && done.json?["resultRef"]?.stringValue?.hasPrefix("/tasks/") == true)
                    let recorded = await simulator.catalog.recordedTriggerBodies()
                    let job = recorded.first?["body"]?["job"]?.arrayValue?.first
                    #expect(recorded.count == 1 && job?["type"] == "rollbackServerGroup")
                    #expect(job?["rollbackContext"]?["rollbackServerGroupName"] == "checkout-prod-v017")
                    #expect(job?["rollbackContext"]?["restoreServerGroupName"] == "checkout-prod-v016")
                }
            }
        }
    }

    /// A background RCA suggests the rollback but never creates (or confirms) an action.
    @Test func backgroundRCANeverCreatesAnAction() async throws {
        try await withGateSimulator { port, simulator in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    try await client.connectSimulator(port: port, token: acme.admin)
                    for event in EchoScenario.events(for: EchoScenario.terminal.execution(startTime: EpochMillis.now() - 60_000)) {
                        _ = try await client.postEvent(event, token: acme.webhookToken)
                    }
                    let id = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                    let rca = try #require(try await eventually {
                        let response = try await client.get("/api/v1/incidents/\(id)/rca", token: acme.viewer)
                        return response.status == .ok ? response.json : nil
                    })
                    #expect(rca["report"]?["nextSteps"]?.arrayValue?.contains { $0["rollback"] != nil } == true, "the rollback is suggested")
                    #expect(try await client.json("/api/v1/actions", token: acme.viewer)["actions"]?.arrayValue?.isEmpty == true)
                    #expect(await simulator.catalog.recordedTriggerCount() == 0)
                }
            }
        }
    }
}

/// MCP over HTTP (`POST /mcp`): initialize, list and call tools; no way to confirm.
@Suite struct MCPHTTPTests {
    @Test func toolsOverHTTP() async throws {
        try await withGateSimulator { port, simulator in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    try await client.connectSimulator(port: port, token: acme.admin)
                    func rpc(_ body: String, token: String? = nil) async throws -> TestResponse {
                        try await client.send(.post, "/mcp", token: token ?? acme.viewer, json: body)
                    }
                    #expect(try await client.execute(uri: "/mcp", method: .post, headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(string: "{}")).status == .unauthorized)
                    let initialize = try #require(try await rpc(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#).json)
                    #expect(initialize["result"]?["protocolVersion"] == "2025-06-18")
                    #expect(try await rpc(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).status == .accepted)
                    let tools = try #require(try await rpc(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#).json?["result"]?["tools"]?.arrayValue)
                    #expect(tools.compactMap { $0["name"]?.stringValue } == ["spinnaker_rca", "list_incidents", "get_incident", "get_rca_report"])
                    #expect(!tools.contains { ($0["name"]?.stringValue ?? "").contains("confirm") })
                    let call = try #require(try await rpc(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"spinnaker_rca","arguments":{"action":"application_health","application":"search"}}}"#).json)
                    #expect(call["result"]?["isError"] == .bool(false))
                    #expect(call["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.contains(#""verdict" : "down""#) == true)
                    let trigger = try #require(try await rpc(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"spinnaker_rca","arguments":{"action":"rollback","application":"payments-api"}}}"#, token: acme.operatorToken).json)
                    let text = trigger["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
                    #expect(text.contains("confirmation_required") && text.contains("/api/v1/actions/"))
                    #expect(await simulator.catalog.recordedTriggerCount() == 0)
                    let unknown = try #require(try await rpc(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"confirm_action","arguments":{}}}"#).json)
                    #expect(unknown["result"]?["isError"] == .bool(true))
                    let list = try await client.json("/api/v1/actions", token: acme.viewer)["actions"]?.arrayValue ?? []
                    #expect(list.first?["requestedVia"] == "mcp" && list.first?["status"] == "pending")
                }
            }
        }
    }
}
