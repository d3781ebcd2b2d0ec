import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutCore
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import SpinnakerSimulator
import SQLKit
import Testing

/// RCA reports from the real TERMINAL execution and from simulator scenarios.
@Suite struct RCATests {
    /// The real TERMINAL fixture (SYNTHETIC event), after an earlier successful run of the same pipeline
    /// config with other parameters: the automatic report names the stage, its error, the trigger and
    /// what changed.
    @Test func automaticReportFromTheRealTerminalExecution() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let terminal = try Fixtures.terminalExecution()
            guard case .object(var earlier) = SyntheticEcho.execution(terminal, id: "earlier-good-run", status: "SUCCEEDED", stageStatus: { _, _ in "SUCCEEDED" }),
                  case .object(var trigger) = terminal["trigger"] else { return }
            trigger["parameters"] = ["ami_us_east_1": "ami-0123456789abcdef0", "cluster": "tracks-prod"]
            earlier["trigger"] = .object(trigger)
            earlier["buildTime"] = .number(1_510_000_000_000)
            earlier["startTime"] = .number(1_510_000_001_000)
            earlier["endTime"] = .number(1_510_000_100_000)
            let earlierRun = JSONValue.object(earlier)
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:complete", execution: earlierRun),
                                                   token: acme.webhookToken).status == .accepted)
                #expect(try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: terminal), token: acme.webhookToken).status == .accepted)
                let incident = try #require(try await client.waitForIncidents(1, token: acme.viewer).first)
                let id = try #require(incident["id"]?.stringValue)
                let rca = try #require(try await eventually {
                    let response = try await client.get("/api/v1/incidents/\(id)/rca", token: acme.viewer)
                    return response.status == .ok ? response.json : nil
                })
                let report = try #require(rca["report"])
                #expect(rca["trigger"] == "auto")
                #expect(report["failingStages"]?.arrayValue?.first?["name"] == "Deploy in us-east-1")
                #expect(report["failingStages"]?.arrayValue?.first?["messages"]?.arrayValue?.first?.stringValue?.contains("No _valueDeserializer assigned") == true)
                #expect(report["trigger"]?["type"] == "pipeline")
                #expect(report["trigger"]?["parentPipelineName"] == "PROD Deployment")
                #expect(report["comparedWithExecutionId"] == "earlier-good-run")
                let changes = report["changes"]?.arrayValue ?? []
                #expect(changes.contains { $0["kind"] == "parameter" && $0["name"] == "ami_us_east_1" }, "\(changes)")
                #expect(report["healthNote"]?.stringValue?.contains("not connected") == true)
                #expect((report["probableCause"]?["confidence"]?.int64Value ?? -1) >= 0)
                let markdown = rca["markdown"]?.stringValue ?? ""
                for fact in ["Deploy in us-east-1", "No _valueDeserializer assigned", "parent pipeline 'PROD Deployment'", "ami_us_east_1", "## Next steps"] {
                    #expect(markdown.contains(fact), "markdown lacks \(fact)")
                }
                // Only one automatic report per incident.
                try await Task.sleep(for: .milliseconds(600))
                let count = try await harness.dependencies.database.read { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM rca_reports").first()?.decode(column: "n", as: Int.self) ?? 0
                }
                #expect(count == 1)
                // On demand: a new report, the latest one served.
                let again = try await client.send(.post, "/api/v1/incidents/\(id)/rca", token: acme.operatorToken)
                #expect(again.status == .created && again.json?["trigger"] == "manual")
                #expect(try await client.json("/api/v1/incidents/\(id)/rca", token: acme.viewer)["trigger"] == "manual")
                #expect(try await client.send(.post, "/api/v1/incidents/\(id)/rca", token: acme.viewer).status == .forbidden)
            }
        }
    }

    @Test func automaticRCAFollowsItsSetting() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.send(.put, "/api/v1/settings", token: acme.admin, json: #"{"autoRca":false}"#).status == .ok)
                _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: try Fixtures.terminalExecution()), token: acme.webhookToken)
                let id = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                try await Task.sleep(for: .milliseconds(800))
                #expect(try await client.get("/api/v1/incidents/\(id)/rca", token: acme.viewer).status == .notFound,
                        "the incident is opened, but no automatic RCA runs")
            }
        }
    }

    /// A simulator run with Gate connected: health, the rollback pipeline and what changed since the
    /// last successful run (found in Gate's history).
    @Test func reportWithGateHealthRollbackAndChanges() async throws {
        try await withGateSimulator { port, _ in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                let run = EchoScenario.terminal.execution(startTime: EpochMillis.now() - 10 * 60_000)
                try await harness.test { (client) async throws -> Void in
                    #expect(try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin,
                                                  json: #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","token":"t"}"#).status == .ok)
                    for event in EchoScenario.events(for: run) { _ = try await client.postEvent(event, token: acme.webhookToken) }
                    let id = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                    let response = try await client.send(.post, "/api/v1/incidents/\(id)/rca", token: acme.operatorToken)
                    #expect(response.status == .created)
                    let report = try #require(response.json?["report"])
                    #expect(report["category"]?["name"] == "image pull")
                    #expect(report["health"]?["verdict"] == "degraded")
                    #expect(report["health"]?["clusters"]?.arrayValue?.contains { $0["name"] == "deployment api-gateway" && $0["verdict"] == "degraded" } == true)
                    let rollback = report["nextSteps"]?.arrayValue?.compactMap { $0["rollback"] }.first
                    #expect(rollback?["pipelineName"] == "Rollback production" && rollback?["kind"] == "pipeline")
                    #expect(report["changes"]?.arrayValue?.contains { $0["name"] == "tag" && $0["after"] == "2.8.0" } == true)
                    #expect((report["probableCause"]?["text"]?.stringValue ?? "").contains("ImagePullBackOff"))
                }
            }
        }
    }
}

/// The optional LLM narrative against a small local server that speaks OpenAI chat completions.
@Suite struct RCANarrativeTests {
    actor Recorder {
        var bodies: [String] = []
        func add(_ body: String) { bodies.append(body) }
    }

    func withFakeLLM(status: HTTPResponse.Status, _ body: (Int, Recorder) async throws -> Void) async throws {
        let recorder = Recorder()
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 22)
            await recorder.add(String(buffer: bytes))
            guard status == .ok else { return Response(status: status) }
            let answer = #"{"id":"c1","object":"chat.completion","model":"tiny","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"The deploy failed pulling ghcr.io/acme/api-gateway:2.8.0 [stage Deploy (Manifest)]."}}]}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        let port = try Components.freePort()
        var logger = Logger(label: "fake-llm")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            try await Components.waitForPort(port)
            do { try await body(port, recorder) } catch { group.cancelAll(); throw error }
            group.cancelAll()
        }
    }

    @Test func narrativeIsAddedAndCitesTheEvidence() async throws {
        try await withFakeLLM(status: .ok) { port, recorder in
            try await TestHarness.run({
                $0.llmBaseURL = "http://127.0.0.1:\(port)"
                $0.llmModel = "tiny"
                $0.llmAPIKey = "sk-test-key-never-logged"
            }) { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    for event in EchoScenario.events(for: EchoScenario.terminal.execution(startTime: EpochMillis.now())) {
                        _ = try await client.postEvent(event, token: acme.webhookToken)
                    }
                    let id = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                    let response = try await client.send(.post, "/api/v1/incidents/\(id)/rca", token: acme.operatorToken)
                    let report = try #require(response.json?["report"])
                    #expect(report["narrative"]?.stringValue?.contains("[stage Deploy (Manifest)]") == true)
                    #expect(report["narrativeModel"] == "tiny")
                    #expect(report["failingStages"]?.arrayValue?.isEmpty == false, "the deterministic report is kept")
                    #expect(response.json?["markdown"]?.stringValue?.contains("## Narrative (tiny)") == true)
                    #expect(!String(buffer: response.body).contains("sk-test-key-never-logged"))
                }
                let sent = await recorder.bodies.last ?? ""
                #expect(sent.contains("Deploy (Manifest)") && sent.contains("ImagePullBackOff"), "the model is given the evidence")
                #expect(sent.contains(#""model":"tiny""#))
            }
        }
    }

    @Test func anLLMFailureKeepsTheDeterministicReport() async throws {
        try await withFakeLLM(status: .internalServerError) { port, _ in
            try await TestHarness.run({
                $0.llmBaseURL = "http://127.0.0.1:\(port)"
                $0.llmModel = "tiny"
            }) { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: try Fixtures.terminalExecution()), token: acme.webhookToken)
                    let id = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                    let response = try await client.send(.post, "/api/v1/incidents/\(id)/rca", token: acme.operatorToken)
                    #expect(response.status == .created)
                    #expect(response.json?["report"]?["narrative"] == nil)
                    #expect(response.json?["report"]?["narrativeError"] == "the LLM service answered HTTP 500")
                    #expect(response.json?["report"]?["failingStages"]?.arrayValue?.first?["name"] == "Deploy in us-east-1")
                }
            }
        }
    }
}

@Suite struct DORATests {
    @Test func frequencyFailureRateAndTimeToRestore() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let hour: Int64 = 3_600_000
            let base = EpochMillis.now() - 48 * hour
            try await harness.test { (client) async throws -> Void in
                // Four good deploys, one TERMINAL restored by the next good run 30 minutes later.
                var runs: [SimulatedExecution] = []
                for index in 0..<4 {
                    runs.append(EchoScenario.successfulDeploy(application: "payments-api", pipelineName: "Deploy to production",
                                                              pipelineConfigId: "cfg-pay", startTime: base + Int64(index) * 6 * hour, tag: "1.\(index)", build: index))
                }
                var failed = EchoScenario.terminal.execution(startTime: base + 30 * hour)
                failed.application = "payments-api"
                failed.pipelineConfigId = "cfg-pay"
                runs.append(failed)
                let failedEnd = failed.json()["endTime"]!.int64Value!
                runs.append(EchoScenario.successfulDeploy(application: "payments-api", pipelineName: "Deploy to production", pipelineConfigId: "cfg-pay",
                                                          startTime: failedEnd + 30 * 60_000 - 121_000, tag: "1.9", build: 9))
                for run in runs {
                    let status = try await client.postEvent(SyntheticEcho.raw(type: run.status.isSuccessful ? "orca:pipeline:complete" : "orca:pipeline:failed",
                                                                              execution: run.json()), token: acme.webhookToken).status
                    #expect(status == .accepted)
                }
                let dora = try await client.json("/api/v1/metrics/dora?application=payments-api&days=7", token: acme.viewer)
                #expect(dora["deployments"] == 6)
                #expect(dora["failedDeployments"] == 1)
                #expect(dora["changeFailureRate"]?.stringValue == "0.167")
                #expect(dora["timeToRestore"]?["medianMinutes"] == 30)
                #expect(dora["deploymentsPerDay"]?.stringValue == "0.86")
                #expect(try await client.get("/api/v1/metrics/dora?days=0", token: acme.viewer).status == .badRequest)
            }
        }
    }
}
