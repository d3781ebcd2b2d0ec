import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutCore
import LookoutServer
import LookoutStore
import LookoutTestSupport
import SQLKit
import Spinnaker
import Testing

/// The Echo webhook end to end: HTTP → decode → SQLite → job → incident → API. Events are SYNTHETIC
/// (real fixture executions in Echo's envelope).
@Suite struct WebhookIngestionTests {
    /// A successful run as Echo sends it: pipeline:starting, stage events with the growing execution,
    /// pipeline:complete.
    @Test func successfulRunBuildsTheTimelineAndOpensNoIncident() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let base = try Fixtures.succeededExecution()
            try await harness.test { (client) async throws -> Void in
                let stages = base["stages"]?.arrayValue ?? []
                var events: [JSONValue] = [SyntheticEcho.raw(type: "orca:pipeline:starting",
                    execution: SyntheticEcho.execution(base, id: "01RUN", status: "RUNNING") { _, _ in "NOT_STARTED" })]
                for index in stages.indices {
                    let execution = SyntheticEcho.execution(base, id: "01RUN", status: "RUNNING") { i, _ in i <= index ? "SUCCEEDED" : "NOT_STARTED" }
                    events.append(SyntheticEcho.raw(type: "orca:stage:complete", execution: execution, stage: stages[index]))
                }
                events.append(SyntheticEcho.raw(type: "orca:pipeline:complete", execution: SyntheticEcho.execution(base, id: "01RUN", status: "SUCCEEDED")))
                for event in events {
                    let response = try await client.postEvent(event, token: tenant.webhookToken)
                    #expect(response.status == .accepted)
                    #expect(response.json?["received"] == .bool(true))
                }
                let detail = try await client.json("/api/v1/deployments/01RUN", token: tenant.viewer)
                #expect(detail["deployment"]?["status"] == "SUCCEEDED")
                #expect(detail["deployment"]?["application"] == "kubernetesapp")
                #expect(detail["deployment"]?["pipelineName"] == "bake_and_deploy_manifest")
                #expect(detail["deployment"]?["eventCount"]?.int64Value == Int64(events.count))
                #expect(detail["deployment"]?["durationMs"]?.int64Value == base["endTime"]!.int64Value! - base["startTime"]!.int64Value!)
                #expect(detail["trigger"]?["type"] == "manual")
                #expect(detail["trigger"]?["user"] == "anonymous")
                let stageNames = detail["stages"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(stageNames == ["Delete (Manifest)", "Bake (Manifest)", "Deploy (Manifest)", "Rollout Restart (Manifest)", "Scale (Manifest)"])
                #expect(detail["stages"]?.arrayValue?.allSatisfy { $0["status"] == "SUCCEEDED" && $0["startTime"] != nil } == true)
                #expect(detail["events"]?.arrayValue?.count == events.count)
                try await Task.sleep(for: .milliseconds(600))
                #expect(try await client.waitForIncidents(1, token: tenant.viewer, timeout: .milliseconds(300)).isEmpty)
            }
        }
    }

    /// The real TERMINAL execution: several failure events, exactly one critical incident that names
    /// the failing stage and its error.
    @Test func terminalRunOpensExactlyOneIncident() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let execution = try Fixtures.terminalExecution()
            let deploy = try #require(execution["stages"]?.arrayValue?.first { $0["name"] == "Deploy in us-east-1" })
            try await harness.test { (client) async throws -> Void in
                let events = [
                    SyntheticEcho.raw(type: "orca:stage:failed", execution: SyntheticEcho.execution(execution, id: execution["id"]!.stringValue!, status: "RUNNING"), stage: deploy),
                    SyntheticEcho.raw(type: "orca:pipeline:failed", execution: execution),
                    SyntheticEcho.raw(type: "orca:pipeline:failed", execution: execution),  // resent with a new eventId
                    SyntheticEcho.raw(type: "orca:task:failed", execution: nil, executionId: execution["id"]!.stringValue!, stage: deploy,
                                      taskName: "createServerGroup.createServerGroup"),  // late task event after the end
                ]
                for event in events {
                    #expect(try await client.postEvent(event, token: tenant.webhookToken).status == .accepted)
                }
                let incidents = try await client.waitForIncidents(1, token: tenant.viewer)
                try await Task.sleep(for: .milliseconds(700))  // give a wrongly queued second job time to show up
                let again = try await client.json("/api/v1/incidents", token: tenant.viewer)["incidents"]?.arrayValue ?? []
                #expect(incidents.count == 1 && again.count == 1)
                let incident = try #require(again.first)
                #expect(incident["severity"] == "critical")
                #expect(incident["status"] == "open")
                #expect(incident["executionId"] == execution["id"])
                #expect(incident["summary"]?.stringValue?.contains("Deploy in us-east-1") == true)
                #expect(incident["summary"]?.stringValue?.contains("No _valueDeserializer assigned") == true)
                let detail = try await client.json("/api/v1/deployments/\(execution["id"]!.stringValue!)", token: tenant.viewer)
                #expect(detail["deployment"]?["status"] == "TERMINAL", "the late task event must not regress the status")
                #expect(detail["canceledBy"] == "parent pipeline")
                #expect(detail["trigger"]?["parentPipelineName"] == "PROD Deployment")
                let failure = try #require(detail["failures"]?.arrayValue?.first { $0["stageName"] == "Deploy in us-east-1" })
                #expect(failure["exceptionType"] == "IllegalArgumentException")
                // The resent pipeline:failed is the same happening (execution/type/status) and is not stored twice.
                #expect(detail["events"]?.arrayValue?.map { $0["type"]?.stringValue ?? "" }
                    == ["orca:stage:failed", "orca:pipeline:failed", "orca:task:failed"])
            }
        }
    }

    @Test func canceledAndStoppedFollowTheSettingsAndFailedContinueOpensNone() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let base = try Fixtures.succeededExecution()
            try await harness.test { (client) async throws -> Void in
                // Only TERMINAL and STOPPED open incidents from now on.
                let put = try await client.execute(uri: "/api/v1/settings", method: .put,
                    headers: [.authorization: "Bearer \(tenant.admin)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"createIncidentFor":["TERMINAL","STOPPED"]}"#))
                #expect(put.status == .ok)
                for (id, status) in [("01CANCELED", "CANCELED"), ("01FAILCONT", "FAILED_CONTINUE"), ("01STOPPED", "STOPPED")] {
                    let event = SyntheticEcho.raw(type: status == "STOPPED" ? "orca:pipeline:complete" : "orca:pipeline:failed",
                                                  execution: SyntheticEcho.execution(base, id: id, status: status))
                    #expect(try await client.postEvent(event, token: tenant.webhookToken).status == .accepted)
                }
                let incidents = try await client.waitForIncidents(1, token: tenant.viewer)
                try await Task.sleep(for: .milliseconds(700))
                let all = try await client.json("/api/v1/incidents", token: tenant.viewer)["incidents"]?.arrayValue ?? []
                #expect(incidents.count == 1 && all.count == 1)
                #expect(all.first?["executionId"] == "01STOPPED")
                #expect(all.first?["severity"] == "medium")
            }
        }
    }

    @Test func duplicatesAreStoredOnce() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let event = SyntheticEcho.raw(type: "orca:pipeline:starting", execution: try Fixtures.succeededExecution(), eventId: "same-event")
            try await harness.test { (client) async throws -> Void in
                let first = try await client.postEvent(event, token: tenant.webhookToken)
                let second = try await client.postEvent(event, token: tenant.webhookToken)
                #expect(first.json?["duplicate"] == .bool(false))
                #expect(second.status == .accepted && second.json?["duplicate"] == .bool(true))
                // Same execution/type/stage/status under another eventId is the same happening.
                guard case .object(var members) = event else { return }
                members["eventId"] = "another-id"
                let third = try await client.postEvent(.object(members), token: tenant.webhookToken)
                #expect(third.json?["duplicate"] == .bool(true))
            }
            let counts = try await harness.dependencies.executions.counts(organisationId: tenant.organisation.id)
            #expect(counts.executions == 1 && counts.events == 1)
        }
    }

    /// Echo resends the whole execution on every stage and task event; storage per execution must not
    /// grow with the number of events (one snapshot, one small row per event).
    @Test func storagePerExecutionDoesNotGrowWithEvents() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let base = try Fixtures.succeededExecution()
            let stage = try #require(base["stages"]?.arrayValue?.first)
            let bodySize = try await harness.test { client -> Int in
                var bodySize = 0
                for index in 0..<60 {
                    let execution = SyntheticEcho.execution(base, id: "01BIG", status: "RUNNING")
                    let event = SyntheticEcho.raw(type: "orca:task:complete", execution: execution, stage: stage, taskName: "deleteManifest.task\(index)")
                    bodySize = SyntheticEcho.body(event).count
                    let status = try await client.postEvent(event, token: tenant.webhookToken).status
                    #expect(status == .accepted)
                }
                return bodySize
            }
            let stored = try await harness.dependencies.database.read { db in
                try await db.raw("""
                    SELECT SUM(LENGTH(snapshot_body)) + SUM(LENGTH(summary)) AS n FROM executions
                    """).first()?.decode(column: "n", as: Int.self) ?? 0
            }
            let perEvent = try await harness.dependencies.database.read { db in
                try await db.raw("SELECT MAX(LENGTH(dedup_key) + LENGTH(event_type) + COALESCE(LENGTH(stage_name), 0)) AS n FROM execution_events")
                    .first()?.decode(column: "n", as: Int.self) ?? 0
            }
            #expect(bodySize > 50_000)
            #expect(stored < bodySize * 2, "one snapshot per execution, not one per event (stored \(stored) bytes)")
            #expect(perEvent < 300)
            let counts = try await harness.dependencies.executions.counts(organisationId: tenant.organisation.id)
            #expect(counts.executions == 1 && counts.events == 60)
        }
    }

    @Test func everyEchoShapeIsAccepted() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let base = try Fixtures.succeededExecution()
            try await harness.test { (client) async throws -> Void in
                let raw = SyntheticEcho.raw(type: "orca:pipeline:complete", execution: SyntheticEcho.execution(base, id: "01RAW", status: "SUCCEEDED"))
                let wrapped = SyntheticEcho.wrapped(SyntheticEcho.raw(type: "orca:pipeline:complete",
                                                                      execution: SyntheticEcho.execution(base, id: "01WRAP", status: "SUCCEEDED")))
                let flat = SyntheticEcho.flattened(SyntheticEcho.raw(type: "orca:pipeline:complete",
                                                                     execution: SyntheticEcho.execution(base, id: "01FLATTEN", status: "SUCCEEDED")))
                let legacy: JSONValue = ["application": "payments", "pipeline": "deploy", "execution_id": "01LEGACY", "status": "SUCCEEDED",
                                         "event_type": "orca:pipeline:complete"]
                let build: JSONValue = ["details": ["source": "igor", "type": "build"], "content": ["project": ["name": "ci"]], "eventId": "b1"]
                for event in [raw, wrapped, flat, legacy] {
                    let response = try await client.postEvent(event, token: tenant.webhookToken)
                    #expect(response.status == .accepted && response.json?["kind"] == "orca")
                }
                let other = try await client.postEvent(build, token: tenant.webhookToken)
                #expect(other.status == .accepted && other.json?["kind"] == "other")
                let list = try await client.json("/api/v1/deployments", token: tenant.viewer)
                let ids = Set(list["deployments"]?.arrayValue?.compactMap { $0["executionId"]?.stringValue } ?? [])
                #expect(ids == ["01RAW", "01WRAP", "01FLATTEN", "01LEGACY"], "the igor build must not become an execution")
            }
            let counts = try await harness.dependencies.executions.counts(organisationId: tenant.organisation.id)
            #expect(counts.otherEvents == 1)
        }
    }

    @Test func tokenInAnAuthorizationHeader() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            let body = ByteBuffer(bytes: SyntheticEcho.body(SyntheticEcho.raw(type: "orca:pipeline:starting", execution: try Fixtures.succeededExecution())))
            try await harness.test { (client) async throws -> Void in
                let ok = try await client.execute(uri: "/spinnaker/webhook", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(tenant.webhookToken)"], body: body)
                #expect(ok.status == .accepted)
                let missing = try await client.execute(uri: "/spinnaker/webhook", method: .post, headers: [.contentType: "application/json"], body: body)
                #expect(missing.status == .unauthorized)
                let wrong = try await client.execute(uri: "/spinnaker/webhook", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer whk_wrong"], body: body)
                #expect(wrong.status == .unauthorized)
            }
            #expect(try await harness.dependencies.executions.counts(organisationId: tenant.organisation.id).events == 1)
        }
    }
}
