import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import Testing

@Suite struct OrganisationAndAccessTests {
    /// A second organisation's tokens see none of the first one's data, and its webhook token stores
    /// into its own organisation only.
    @Test func organisationsAreIsolated() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let globex = try await harness.tenant("globex")
            let execution = try Fixtures.terminalExecution()
            let executionId = execution["id"]!.stringValue!
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: execution), token: acme.webhookToken).status == .accepted)
                let acmeIncidents = try await client.waitForIncidents(1, token: acme.viewer)
                let incidentId = try #require(acmeIncidents.first?["id"]?.stringValue)

                #expect(try await client.json("/api/v1/deployments", token: globex.admin)["deployments"]?.arrayValue?.isEmpty == true)
                #expect(try await client.get("/api/v1/deployments/\(executionId)", token: globex.admin).status == .notFound)
                #expect(try await client.json("/api/v1/incidents", token: globex.admin)["incidents"]?.arrayValue?.isEmpty == true)
                #expect(try await client.get("/api/v1/incidents/\(incidentId)", token: globex.admin).status == .notFound)
                let patch = try await client.execute(uri: "/api/v1/incidents/\(incidentId)", method: .patch,
                    headers: [.authorization: "Bearer \(globex.admin)", .contentType: "application/json"], body: ByteBuffer(string: #"{"status":"resolved"}"#))
                #expect(patch.status == .notFound)
                // globex's failed PATCH changed nothing in acme's incident.
                #expect(try await client.json("/api/v1/incidents/\(incidentId)", token: acme.viewer)["incident"]?["status"] == "open")

                // The same execution id sent to globex is globex's own execution.
                #expect(try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:starting",
                    execution: SyntheticEcho.execution(execution, id: executionId, status: "RUNNING")), token: globex.webhookToken).status == .accepted)
                let globexDetail = try await client.json("/api/v1/deployments/\(executionId)", token: globex.viewer)
                #expect(globexDetail["deployment"]?["status"] == "RUNNING")
                let acmeDetail = try await client.json("/api/v1/deployments/\(executionId)", token: acme.viewer)
                #expect(acmeDetail["deployment"]?["status"] == "TERMINAL")
                // Webhook URLs differ and each admin sees only their own.
                let acmeURL = try await client.json("/api/v1/connectors/spinnaker", token: acme.admin)["webhook"]?["url"]?.stringValue
                #expect(acmeURL == "https://lookout.example.com/spinnaker/webhook/\(acme.webhookToken)")
                #expect(acmeURL?.contains(globex.webhookToken) == false)
            }
        }
    }

    @Test func rolesAndAuthentication() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.execute(uri: "/api/v1/deployments", method: .get).status == .unauthorized)
                #expect(try await client.get("/api/v1/deployments", token: "lko_not-a-token").status == .unauthorized)
                #expect(try await client.get("/api/v1/deployments", token: acme.viewer).status == .ok)
                // Viewers cannot change settings or rotate the webhook token; they do not see the token.
                let put = try await client.execute(uri: "/api/v1/settings", method: .put,
                    headers: [.authorization: "Bearer \(acme.viewer)", .contentType: "application/json"], body: ByteBuffer(string: #"{"autoRca":false}"#))
                #expect(put.status == .forbidden && put.errorCode == "forbidden")
                let rotate = try await client.execute(uri: "/api/v1/connectors/spinnaker/rotate-webhook-token", method: .post,
                                                      headers: [.authorization: "Bearer \(acme.operatorToken)"])
                #expect(rotate.status == .forbidden)
                let viewerView = try await client.json("/api/v1/connectors/spinnaker", token: acme.viewer)
                #expect(viewerView["webhook"]?["tokenShown"] == .bool(false))
                #expect(viewerView.serializedString().contains(acme.webhookToken) == false)
            }
        }
    }

    @Test func rotatingTheWebhookTokenRetiresTheOldOne() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let event = SyntheticEcho.raw(type: "orca:pipeline:starting", execution: try Fixtures.succeededExecution())
            try await harness.test { (client) async throws -> Void in
                let rotated = try await client.execute(uri: "/api/v1/connectors/spinnaker/rotate-webhook-token", method: .post,
                                                       headers: [.authorization: "Bearer \(acme.admin)"])
                #expect(rotated.status == .ok)
                let url = try #require(rotated.json?["webhook"]?["url"]?.stringValue)
                let newToken = String(url.split(separator: "/").last!)
                #expect(newToken != acme.webhookToken && newToken.hasPrefix("whk_") && newToken.count >= 47)
                #expect(rotated.json?["webhook"]?["echoLocalYml"]?.stringValue?.contains("wrap: false") == true)
                #expect(rotated.json?["webhook"]?["kubectlPatch"]?.stringValue?.contains("spinnakerservice") == true)
                #expect(try await client.postEvent(event, token: acme.webhookToken).status == .notFound)
                #expect(try await client.postEvent(event, token: newToken).status == .accepted)
            }
        }
    }

    @Test func spinnakerRoutesAnswer404WhenDisabled() async throws {
        try await TestHarness.run({ $0.enableSpinnaker = false }) { harness in
            let acme = try await harness.tenant("acme")
            let event = SyntheticEcho.raw(type: "orca:pipeline:starting", execution: try Fixtures.succeededExecution())
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.postEvent(event, token: acme.webhookToken).status == .notFound)
                #expect(try await client.get("/api/v1/deployments", token: acme.admin).status == .notFound)
                #expect(try await client.get("/api/v1/connectors/spinnaker", token: acme.admin).status == .notFound)
                #expect(try await client.get("/api/v1/incidents", token: acme.admin).status == .ok)
            }
            #expect(try await harness.dependencies.executions.counts(organisationId: acme.organisation.id).events == 0)
        }
    }
}

@Suite struct DeploymentAndIncidentAPITests {
    @Test func newestFirstWithCursorPaginationAndFilters() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let base = try Fixtures.succeededExecution()
            try await harness.test { (client) async throws -> Void in
                for index in 0..<7 {
                    guard case .object(var members) = SyntheticEcho.execution(base, id: "01E\(index)", status: index == 3 ? "TERMINAL" : "SUCCEEDED") else { return }
                    members["buildTime"] = .number(Double(1_700_000_000_000 + index * 1000))
                    members["application"] = index % 2 == 0 ? "payments" : "search"
                    let status = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:complete", execution: .object(members)), token: acme.webhookToken).status
                    #expect(status == .accepted)
                }
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await client.json("/api/v1/deployments?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: acme.viewer)
                    seen += page["deployments"]?.arrayValue?.compactMap { $0["executionId"]?.stringValue } ?? []
                    cursor = page["nextCursor"]?.stringValue
                } while cursor != nil
                #expect(seen == ["01E6", "01E5", "01E4", "01E3", "01E2", "01E1", "01E0"])
                // Cursors are URL-safe as they come (no '+', '/' or '=' that a query string would mangle).
                let first = try await client.json("/api/v1/deployments?limit=1", token: acme.viewer)["nextCursor"]?.stringValue ?? "+"
                #expect(!first.contains("+") && !first.contains("/") && !first.contains("="))
                let payments = try await client.json("/api/v1/deployments?application=payments", token: acme.viewer)
                #expect(payments["deployments"]?.arrayValue?.compactMap { $0["executionId"]?.stringValue } == ["01E6", "01E4", "01E2", "01E0"])
                let terminal = try await client.json("/api/v1/deployments?status=TERMINAL", token: acme.viewer)
                #expect(terminal["deployments"]?.arrayValue?.compactMap { $0["executionId"]?.stringValue } == ["01E3"])
            }
        }
    }

    @Test func resolveAndReopenAnIncident() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: try Fixtures.terminalExecution()), token: acme.webhookToken)
                let id = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                let detail = try await client.json("/api/v1/incidents/\(id)", token: acme.viewer)
                #expect(detail["deployment"]?["status"] == "TERMINAL")
                func patch(_ status: String, _ token: String) async throws -> TestResponse {
                    try await client.execute(uri: "/api/v1/incidents/\(id)", method: .patch,
                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: #"{"status":"\#(status)"}"#))
                }
                #expect(try await patch("resolved", acme.viewer).status == .forbidden)
                let resolved = try await patch("resolved", acme.operatorToken)
                #expect(resolved.status == .ok && resolved.json?["status"] == "resolved" && resolved.json?["resolvedAt"] != nil)
                #expect(try await client.json("/api/v1/incidents?status=open", token: acme.viewer)["incidents"]?.arrayValue?.isEmpty == true)
                let reopened = try await patch("open", acme.admin)
                #expect(reopened.json?["status"] == "open" && reopened.json?["resolvedAt"] == nil)
                #expect(try await patch("closed", acme.admin).status == .unprocessableContent)
            }
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok && ready.json?["checks"]?["migrations"]?.stringValue?.hasPrefix("ok") == true)
                _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: try Fixtures.terminalExecution()), token: acme.webhookToken)
                _ = try await client.postEvent(["nope": 1], token: acme.webhookToken)
                let incident = try #require(try await client.waitForIncidents(1, token: acme.viewer).first?["id"]?.stringValue)
                _ = try await eventually { try await client.get("/api/v1/incidents/\(incident)/rca", token: acme.viewer).status == .ok ? true : nil }
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains(#"lookout_events_received_total{type="orca:pipeline:failed",outcome="stored"} 1"#))
                #expect(metrics.contains(#"lookout_events_received_total{type="invalid",outcome="rejected"} 1"#))
                #expect(metrics.contains("lookout_ingest_duration_seconds_bucket"))
                #expect(metrics.contains(#"lookout_jobs_total{kind="execution.completed",outcome="done"} 1"#))
                // The failure's incident job and its automatic RCA job.
                #expect(metrics.contains(#"lookout_jobs_total{kind="rca.generate",outcome="done"} 1"#))
                #expect(metrics.contains(#"lookout_jobs{state="done"} 2"#))
            }
        }
    }
}
