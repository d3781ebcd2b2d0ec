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
import Testing

/// Polls `probe` until it returns a value or the timeout passes.
func eventually<T: Sendable>(timeout: Duration = .seconds(10), _ probe: () async throws -> T?) async throws -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: .milliseconds(100))
    }
    return nil
}

extension TestClientProtocol {
    func postJSON(_ uri: String, _ body: String, contentType: String = "application/json") async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
    }

    func incidentDetail(_ id: String, token: String) async throws -> JSONValue {
        try await json("/api/v1/incidents/\(id)", token: token)
    }
}

@Suite struct AlertIngestionTests {
    @Test func realAlertmanagerBodyIsStoredDeduplicatedAndResolved() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let firing = String(decoding: try Fixtures.data("alertmanager/webhook-firing.json"), as: UTF8.self)
            let resolved = firing.replacingOccurrences(of: #""status":"firing""#, with: #""status":"resolved""#)
                .replacingOccurrences(of: "0001-01-01T00:00:00Z", with: "2026-11-27T02:20:00Z")
            try await harness.test { (client) async throws -> Void in
                let first = try await client.postJSON("/alerts/alertmanager/\(acme.webhookToken)", firing)
                #expect(first.status == .accepted && first.json?["new"] == 1)
                let again = try await client.postJSON("/alerts/alertmanager/\(acme.webhookToken)", firing)
                #expect(again.status == .accepted && again.json?["new"] == 0, "same fingerprint and start: deduplicated")
                let alerts = try await client.json("/api/v1/alerts", token: acme.viewer)["alerts"]?.arrayValue ?? []
                #expect(alerts.count == 1)
                #expect(alerts.first?["name"] == "SecretRotationFailed" && alerts.first?["service"] == "swift-svc")
                #expect(alerts.first?["status"] == "firing" && alerts.first?["endsAt"] == nil, "Go's zero endsAt means not set")
                #expect(alerts.first?["startsAt"]?.int64Value == 1_795_745_100_000)

                let incidents = try #require(try await eventually {
                    let list = try await client.json("/api/v1/incidents", token: acme.viewer)["incidents"]?.arrayValue ?? []
                    return list.isEmpty ? nil : list
                })
                #expect(incidents.first?["source"] == "alert" && incidents.first?["severity"] == "critical")
                #expect(incidents.first?["title"] == "SecretRotationFailed on swift-svc")

                #expect(try await client.postJSON("/alerts/alertmanager/\(acme.webhookToken)", resolved).status == .accepted)
                #expect(try await client.json("/api/v1/alerts?status=resolved", token: acme.viewer)["alerts"]?.arrayValue?.count == 1)
                // A late firing notification does not undo the resolution.
                _ = try await client.postJSON("/alerts/alertmanager/\(acme.webhookToken)", firing)
                #expect(try await client.json("/api/v1/alerts", token: acme.viewer)["alerts"]?.arrayValue?.first?["status"] == "resolved")
            }
        }
    }

    @Test func firingAlertsOfOneServiceJoinOneIncident() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                for (title, service) in [("HighErrorRate", "payments-api"), ("HighLatency", "payments-api"), ("IndexStale", "search")] {
                    let body = #"{"title":"\#(title)","service":"\#(service)","severity":"warning","labels":{"team":"core"}}"#
                    let response = try await client.execute(uri: "/alerts/generic", method: .post,
                        headers: [.contentType: "application/json", .authorization: "Bearer \(acme.webhookToken)"], body: ByteBuffer(string: body))
                    #expect(response.status == .accepted)
                    // Let the worker (polling every 200 ms) group each alert before the next arrives.
                    try await Task.sleep(for: .milliseconds(400))
                }
                let incidents = try #require(try await eventually {
                    let list = try await client.json("/api/v1/incidents", token: acme.viewer)["incidents"]?.arrayValue ?? []
                    return list.count >= 2 ? list : nil
                })
                try await Task.sleep(for: .milliseconds(500))
                let all = try await client.json("/api/v1/incidents", token: acme.viewer)["incidents"]?.arrayValue ?? []
                #expect(incidents.count == 2 && all.count == 2)
                let payments = try #require(all.first { $0["service"] == "payments-api" })
                let detail = try await client.incidentDetail(payments["id"]!.stringValue!, token: acme.viewer)
                #expect(detail["alerts"]?.arrayValue?.compactMap { $0["name"]?.stringValue }.sorted() == ["HighErrorRate", "HighLatency"])
                #expect(payments["severity"] == "medium")
            }
        }
    }

    @Test func badAlertInputIsRefusedAndStoresNothing() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                let url = "/alerts/alertmanager/\(acme.webhookToken)"
                let cases: [(String, String, String, HTTPResponse.Status, String)] = [
                    (url, "application/json", "{nope", .badRequest, "invalid_json"),
                    (url, "application/json", "[1]", .unprocessableContent, "not_an_object"),
                    (url, "application/json", #"{"status":"firing"}"#, .unprocessableContent, "invalid_alert"),
                    (url, "application/json", #"{"alerts":[{"labels":{"alertname":"X"},"startsAt":"yesterday"}]}"#, .unprocessableContent, "invalid_alert"),
                    (url, "application/json", #"{"alerts":[{"labels":{},"startsAt":"2026-11-27T02:05:00Z"}]}"#, .unprocessableContent, "invalid_alert"),
                    ("/alerts/generic/\(acme.webhookToken)", "application/json", #"{"service":"x"}"#, .unprocessableContent, "invalid_alert"),
                    ("/alerts/generic/\(acme.webhookToken)", "application/json", #"{"title":"x","status":"maybe"}"#, .unprocessableContent, "invalid_alert"),
                    (url, "text/plain", #"{"alerts":[]}"#, .unsupportedMediaType, "unsupported_media_type"),
                    ("/alerts/generic/whk_nobody", "application/json", #"{"title":"x"}"#, .notFound, "unknown_webhook_token"),
                    ("/alerts/generic", "application/json", #"{"title":"x"}"#, .unauthorized, "unauthorized"),
                ]
                for (uri, type, body, status, code) in cases {
                    let response = try await client.postJSON(uri, body, contentType: type)
                    #expect(response.status == status && response.errorCode == code, "\(body) → \(response.status) \(response.errorCode ?? "")")
                }
                #expect(try await client.json("/api/v1/alerts", token: acme.viewer)["alerts"]?.arrayValue?.isEmpty == true)
            }
        }
    }
}

@Suite struct CorrelationFlowTests {
    /// A deployment that fails while an alert incident of its service is open is attached to it.
    @Test func aFailedDeploymentIsAttachedToTheOpenIncidentOfItsService() async throws {
        try await TestHarness.run { harness in
            let acme = try await harness.tenant("acme")
            let now = EpochMillis.now()
            try await harness.test { (client) async throws -> Void in
                let alert = #"{"title":"HighErrorRate","service":"api-gateway","severity":"critical","startsAt":\#(now - 60_000)}"#
                #expect(try await client.postJSON("/alerts/generic/\(acme.webhookToken)", alert).status == .accepted)
                let incident = try #require(try await eventually {
                    try await client.json("/api/v1/incidents", token: acme.viewer)["incidents"]?.arrayValue?.first
                })
                let id = try #require(incident["id"]?.stringValue)
                #expect(try await client.incidentDetail(id, token: acme.viewer)["suspects"]?.arrayValue?.isEmpty == true)

                var run = EchoScenario.terminal.execution(startTime: now - 5 * 60_000)
                run.stageDurationMs = 2 * 60_000
                for event in EchoScenario.events(for: run) {
                    #expect(try await client.postEvent(event, token: acme.webhookToken).status == .accepted)
                }
                let suspects = try #require(try await eventually {
                    let list = try await client.incidentDetail(id, token: acme.viewer)["suspects"]?.arrayValue ?? []
                    return list.isEmpty ? nil : list
                })
                #expect(suspects.first?["executionId"] == .string(run.id))
                let reasons = suspects.first?["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(reasons.contains("application api-gateway = alert label service"))
                #expect(reasons.contains("pipeline failed at stage Deploy (Manifest)"))
                // The failure also opened its own pipeline incident.
                let all = try #require(try await eventually {
                    let list = try await client.json("/api/v1/incidents", token: acme.viewer)["incidents"]?.arrayValue ?? []
                    return list.count == 2 ? list : nil
                })
                #expect(all.contains { $0["source"] == "pipeline" && $0["executionId"] == .string(run.id) })
            }
        }
    }
}
