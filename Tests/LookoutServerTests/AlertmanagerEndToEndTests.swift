import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import LookoutCore
import LookoutServer
import LookoutTestSupport
import Spinnaker
import SpinnakerSimulator
import Testing

/// A real Prometheus Alertmanager posts to a live Lookout after a deployment of the same service:
/// the incident lists that deployment as the top suspect.
@Suite struct AlertmanagerEndToEndTests {
    @Test func alertmanagerAlertFindsTheDeploymentThatCausedIt() async throws {
        guard let binary = Components.which("prometheus-alertmanager") ?? Components.which("alertmanager") else {
            if Components.required { Issue.record("prometheus-alertmanager is required") } else { print("skipped: no alertmanager") }
            return
        }
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let now = EpochMillis.now()
            try await buildApplication(harness.dependencies).test(.live) { client in
                let lookoutPort = try #require(client.port)
                // payments-api deployed 6 minutes ago; search deployed more recently (a distractor).
                let payments = EchoScenario.successfulDeploy(application: "payments-api", pipelineName: "Deploy to production",
                                                             pipelineConfigId: "cfg-pay", startTime: now - 9 * 60_000, tag: "1.4.3", build: 419)
                var search = EchoScenario.successfulDeploy(application: "search", pipelineName: "Deploy", pipelineConfigId: "cfg-search",
                                                           startTime: now - 4 * 60_000, tag: "2.0.0", build: 77)
                search.stageDurationMs = 30_000
                for run in [payments, search] {
                    let status = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:complete", execution: run.json()), token: acme.webhookToken).status
                    #expect(status == .accepted)
                }

                let amPort = try Components.freePort()
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-am-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: directory) }
                let config = """
                    route: {receiver: lookout, group_by: ['alertname'], group_wait: 1s, group_interval: 5s, repeat_interval: 1h}
                    receivers: [{name: lookout, webhook_configs: [{url: 'http://127.0.0.1:\(lookoutPort)/alerts/alertmanager/\(acme.webhookToken)', send_resolved: true}]}]
                    """
                try config.write(to: directory.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["--config.file=\(directory.path)/am.yml", "--storage.path=\(directory.path)/data",
                                     "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
                                     "--web.external-url=http://127.0.0.1:\(amPort)"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                defer { process.terminate(); process.waitUntilExit() }
                try await Components.waitForPort(amPort)

                // Fire an alert at Alertmanager's API, as Prometheus would.
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(amPort)/api/v2/alerts")!)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(#"[{"labels":{"alertname":"HighErrorRate","service":"payments-api","severity":"critical"},"annotations":{"summary":"5xx above 5%"}}]"#.utf8)
                let (_, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 200)

                let incident = try #require(try await eventually(timeout: .seconds(20)) {
                    let list = try await client.json("/api/v1/incidents", token: acme.viewer)["incidents"]?.arrayValue ?? []
                    return list.first { $0["source"] == "alert" }
                })
                #expect(incident["title"] == "HighErrorRate on payments-api")
                let suspects = try #require(try await eventually {
                    let list = try await client.json("/api/v1/incidents/\(incident["id"]!.stringValue!)", token: acme.viewer)["suspects"]?.arrayValue ?? []
                    return list.isEmpty ? nil : list
                })
                #expect(suspects.first?["executionId"] == .string(payments.id))
                #expect(suspects.first?["reasons"]?.arrayValue?.contains("application payments-api = alert label service") == true)
                #expect(!suspects.contains { $0["application"] == "search" })
            }
        }
    }
}
