import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutServer
import LookoutSecrets
import LookoutStore
import LookoutTestSupport
import Spinnaker
import SpinnakerSimulator
import Testing

/// The Gate connector against the Gate simulator (Basic auth) over real HTTP.
@Suite struct GateConnectorTests {
    @Test func connectStatusCheckAndDisconnect() async throws {
        try await withGateSimulator(username: "deployer", password: "gate-password-123") { port, _ in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    let body = #"{"gateUrl":"http://127.0.0.1:\#(port)/","authMethod":"basic","username":"deployer","password":"gate-password-123"}"#
                    #expect(try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.operatorToken, json: body).status == .forbidden)
                    let connected = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin, json: body)
                    #expect(connected.status == .ok)
                    let gate = try #require(connected.json?["gate"])
                    #expect(connected.json?["connected"] == .bool(true))
                    #expect(gate["url"] == .string("http://127.0.0.1:\(port)"))
                    #expect(gate["accounts"]?.arrayValue?.count == 4)
                    #expect(gate["cloudProviders"] == ["aws", "kubernetes"])
                    #expect(gate["applicationCount"] == 5)
                    #expect(gate["secretBackend"] == "local")
                    #expect(connected.json?["webhook"]?["url"]?.stringValue?.contains(acme.webhookToken) == true)

                    let stored = try await client.json("/api/v1/connectors/spinnaker", token: acme.viewer)
                    #expect(stored["gate"]?["lastValidationOk"] == .bool(true))
                    let firstCheck = stored["gate"]?["lastValidatedAt"]?.int64Value ?? 0
                    try await Task.sleep(for: .milliseconds(20))
                    let checked = try await client.json("/api/v1/connectors/spinnaker?check=true", token: acme.viewer)
                    #expect((checked["gate"]?["lastValidatedAt"]?.int64Value ?? 0) > firstCheck)

                    let wrong = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin,
                        json: #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","username":"deployer","password":"nope-nope"}"#)
                    #expect(wrong.status == .badGateway)
                    #expect(wrong.json?["error"]?["message"]?.stringValue == "Invalid or expired credentials: Gate answered 401.")
                    // A failed reconnect leaves the working connection in place.
                    #expect(try await client.json("/api/v1/connectors/spinnaker", token: acme.viewer)["connected"] == .bool(true))

                    _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:starting", execution: try Fixtures.succeededExecution()),
                                                   token: acme.webhookToken)
                    let deleted = try await client.send(.delete, "/api/v1/connectors/spinnaker", token: acme.admin)
                    #expect(deleted.status == .ok && deleted.json?["connected"] == .bool(false))
                    #expect(try await client.send(.delete, "/api/v1/connectors/spinnaker", token: acme.admin).status == .notFound)
                    #expect(try await client.json("/api/v1/deployments", token: acme.viewer)["deployments"]?.arrayValue?.count == 1,
                            "received events stay after disconnect")
                }
                #expect(try await harness.dependencies.secrets.get(organisationId: acme.organisation.id, name: "spinnaker-gate") == nil)
            }
        }
    }

    @Test func badRequestsAreRefusedBeforeCallingGate() async throws {
        try await TestHarness.run({ $0.gateAllowedHosts = ["gate.example.com", "*.spinnaker.internal"] }) { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                let cases: [(String, String)] = [
                    (#"{"gateUrl":"ftp://gate.example.com","authMethod":"basic","token":"t"}"#, "only http and https"),
                    (#"{"gateUrl":"http://169.254.169.254","authMethod":"basic","token":"t"}"#, "not in LOOKOUT_GATE_ALLOWED_HOSTS"),
                    (#"{"gateUrl":"http://evil.example.org","authMethod":"basic","token":"t"}"#, "not in LOOKOUT_GATE_ALLOWED_HOSTS"),
                    (#"{"gateUrl":"http://gate.example.com","authMethod":"oauth","token":"t"}"#, "authMethod"),
                    (#"{"gateUrl":"http://gate.example.com","authMethod":"basic"}"#, "needs a password or a token"),
                    (#"{"gateUrl":"http://gate.example.com","authMethod":"x509"}"#, "certificatePem"),
                    (#"{"gateUrl":"http://gate.example.com","authMethod":"x509","certificatePem":"junk","privateKeyPem":"junk"}"#, "not usable PEM"),
                    (#"{"authMethod":"basic"}"#, "gateUrl"),
                ]
                for (body, expected) in cases {
                    let response = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin, json: body)
                    #expect(response.status == .unprocessableContent, "\(body)")
                    #expect(response.json?["error"]?["message"]?.stringValue?.contains(expected) == true, "\(body) → \(response.json?.serializedString() ?? "")")
                }
            }
        }
        // Without an allow-list, metadata addresses are still refused, by name or by resolution.
        let policy = GateURLPolicy()
        #expect(throws: GateError.self) { try policy.check("http://metadata.google.internal") }
        #expect(throws: GateError.self) { try policy.check("http://[fe80::1]:8084") }
        #expect(throws: GateError.self) { try policy.check("http://user:pw@gate.example.com") }
        #expect(try policy.check("https://gate.example.com:8085/").absoluteString == "https://gate.example.com:8085")
    }

    @Test func typedCallsAgainstTheSimulator() async throws {
        try await withGateSimulator { port, simulator in
            let client = try GateClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, credentials: GateCredentials(method: .basic, token: "t"))
            defer { Task { await client.shutdown() } }
            #expect(try await client.applications().count == 5)
            let executions = try await client.executions(application: "api-gateway", limit: 3)
            #expect(executions.count == 3)
            let terminal = try await client.executions(application: "api-gateway", limit: 10, statuses: [.terminal])
            #expect(!terminal.isEmpty && terminal.allSatisfy { $0["status"] == "TERMINAL" })
            #expect(executions.first?["stages"]?.arrayValue?.first?["context"] == [:], "expand=false clears stage context")
            let id = try #require(terminal.first?["id"]?.stringValue)
            let full = try await client.execution(id: id)
            #expect(ExecutionSnapshot(json: full).failedStages.first?.failure?.messages.first?.contains("ImagePullBackOff") == true)
            let configs = try await client.pipelineConfigs(application: "payments-api")
            #expect(configs.compactMap { $0["name"]?.stringValue } == ["Deploy to production", "Rollback production"])
            let groups = try await client.serverGroups(application: "api-gateway")
            #expect(groups.contains { $0["instanceCounts"]?["down"] == 2 })
            #expect(try await client.clusters(application: "api-gateway")["k8s-prod"]?.arrayValue == ["deployment api-gateway"])
            let ref = try await client.triggerPipeline(application: "payments-api", pipeline: "Rollback production", trigger: ["parameters": ["reason": "test"]])
            #expect(ref.hasPrefix("/pipelines/"))
            await #expect(throws: GateError.httpStatus(400, "POST /pipelines")) {
                _ = try await client.triggerPipeline(application: "payments-api", pipeline: "Deploy to production", trigger: [:])
            }
            let task = try await client.submitTask(["application": "checkout", "description": "Rollback Server Group: checkout-prod-v017",
                                                    "job": [["type": "rollbackServerGroup"]]])
            #expect(try await client.task(id: String(task.dropFirst("/tasks/".count)))["status"] == "RUNNING")
            try await client.cancelExecution(id: String(ref.dropFirst("/pipelines/".count)), reason: "test over")
            // An application name with '/' and '?' stays one path segment (Gate answers [] for an unknown one).
            #expect(try await client.executions(application: "no/such?app").isEmpty)
            #expect(client.url(["applications", "a/b?c#d", ".."]) == "http://127.0.0.1:\(port)/applications/a%2Fb%3Fc%23d/%2E%2E")
            let recorded = await simulator.catalog.recordedTriggerCount()
            #expect(recorded == 2)
        }
        // Nothing listening: a clear "unable to reach".
        let port = try Components.freePort()
        let client = try GateClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, credentials: GateCredentials(method: .basic, token: "t"))
        do {
            let answer = try await client.credentialsList()
            Issue.record("expected a failure, got \(answer) from port \(port)")
        } catch {
            #expect(error == GateError.unreachable("connection refused"))
        }
        await client.shutdown()
    }
}

@Suite struct GateReconnectTests {
    /// Reconnecting replaces the stored secret and the cached client at once.
    @Test func reconnectingReplacesSecretAndClient() async throws {
        try await withGateSimulator(username: "first", password: "first-password") { firstPort, _ in
            try await withGateSimulator(username: "second", password: "second-password") { secondPort, _ in
                try await TestHarness.run { harness in
                    let acme = try await harness.tenant("acme")
                    let connector = harness.dependencies.spinnaker
                    func connect(_ port: Int, _ user: String, _ password: String) async throws -> Bool {
                        let request = try JSONDecoder().decode(SpinnakerConnector.ConnectRequest.self, from: Data(
                            #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","username":"\#(user)","password":"\#(password)"}"#.utf8))
                        do {
                            _ = try await connector.connect(organisationId: acme.organisation.id, request: request)
                            return true
                        } catch {
                            return false
                        }
                    }
                    #expect(try await connect(firstPort, "first", "first-password"))
                    let first = try #require(try await connector.client(organisationId: acme.organisation.id))
                    #expect(first.baseURL.port == firstPort)
                    #expect(try await connect(secondPort, "second", "second-password"))
                    let second = try #require(try await connector.client(organisationId: acme.organisation.id))
                    #expect(second.baseURL.port == secondPort)
                    #expect(try await second.applications().count == 5, "the new client carries the new credentials")
                    let stored = try #require(try await harness.dependencies.secrets.get(organisationId: acme.organisation.id, name: "spinnaker-gate"))
                    #expect(stored.contains("second-password") && !stored.contains("first-password"))
                    // Another process (here: a second connector on the same database) sees the new connection too.
                    let other = SpinnakerConnector(connections: SpinnakerConnectionStore(database: harness.dependencies.database),
                                                   secrets: harness.dependencies.secrets, policy: GateURLPolicy(), logger: harness.dependencies.logger)
                    #expect(try await other.client(organisationId: acme.organisation.id)?.baseURL.port == secondPort)
                    await other.shutdown()
                }
            }
        }
    }
}
