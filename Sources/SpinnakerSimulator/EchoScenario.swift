import Foundation
public import Spinnaker

/// The event sequences the Echo emitter plays. Each is one pipeline run, sent the way Echo's `rest`
/// listener sends Orca events (raw shape, `wrap: false`): pipeline:starting, then per stage
/// stage:starting, task:starting/complete|failed, stage:complete|failed, and pipeline:complete|failed,
/// each carrying the full execution as it was at that moment.
public enum EchoScenario: String, Sendable, CaseIterable {
    /// payments-api deploys to production; everything succeeds.
    case success
    /// api-gateway's deploy times out: ImagePullBackOff, execution TERMINAL.
    case terminal
    /// checkout's manual judgment is canceled by a person: execution CANCELED.
    case canceled
    /// search's precondition check stops the run: execution STOPPED.
    case stopped
    /// orders' smoke-test webhook fails with continuePipeline: FAILED_CONTINUE.
    case failedContinue = "failed-continue"

    public func execution(startTime: Int64, id: String = SimulatedExecution.newId()) -> SimulatedExecution {
        let manual: (String, [String: JSONValue]) -> JSONValue = { user, parameters in
            ["type": "manual", "user": .string(user), "parameters": .object(parameters), "artifacts": [], "notifications": [],
             "rebake": false, "dryRun": false, "strategy": false, "resolvedExpectedArtifacts": [], "expectedArtifacts": []]
        }
        switch self {
        case .success:
            return Self.successfulDeploy(id: id, application: "payments-api", pipelineName: "Deploy to production",
                                         pipelineConfigId: "cfg-payments-deploy", startTime: startTime, tag: "1.4.2", build: 418)
        case .terminal:
            let message = "Deployment 'api-gateway' in namespace 'prod' did not stabilize within 600 s: 2 of 3 replicas unavailable (ImagePullBackOff: ghcr.io/acme/api-gateway:2.8.0 not found)"
            return SimulatedExecution(
                id: id, application: "api-gateway", pipelineName: "Deploy to production", pipelineConfigId: "cfg-gateway-deploy",
                status: .terminal,
                stages: [SimulatedStage(type: "bakeManifest", name: "Bake (Manifest)"),
                         SimulatedStage(type: "deployManifest", name: "Deploy (Manifest)", status: .terminal, failure: message,
                                        katoFailure: "Failed to pull image ghcr.io/acme/api-gateway:2.8.0: manifest unknown",
                                        context: ["account": "k8s-prod", "cloudProvider": "kubernetes", "manifestName": "deployment api-gateway"]),
                         SimulatedStage(type: "webhook", name: "Smoke test", status: .notStarted)],
                startTime: startTime,
                trigger: manual("alice@example.com", ["tag": "2.8.0", "namespace": "prod"]))
        case .canceled:
            return SimulatedExecution(
                id: id, application: "checkout", pipelineName: "Promote to production", pipelineConfigId: "cfg-checkout-promote",
                status: .canceled,
                stages: [SimulatedStage(type: "deployManifest", name: "Deploy to staging"),
                         SimulatedStage(type: "manualJudgment", name: "Approve production", status: .canceled),
                         SimulatedStage(type: "deployManifest", name: "Deploy to production", status: .notStarted)],
                startTime: startTime,
                trigger: manual("bob@example.com", ["tag": "3.1.0"]),
                canceledBy: "bob@example.com", cancellationReason: "Release postponed: payment provider maintenance window")
        case .stopped:
            return SimulatedExecution(
                id: id, application: "search", pipelineName: "Nightly reindex", pipelineConfigId: "cfg-search-reindex",
                status: .stopped,
                stages: [SimulatedStage(type: "checkPreconditions", name: "Check cluster capacity", status: .stopped,
                                        failure: "Precondition failed: expression ${ #stage('Capacity')['context']['freeNodes'] > 2 } evaluated to false"),
                         SimulatedStage(type: "runJob", name: "Reindex", status: .notStarted)],
                startTime: startTime,
                trigger: ["type": "cron", "user": "[anonymous]", "cronExpression": "0 0 2 * * ?", "parameters": [:]])
        case .failedContinue:
            return SimulatedExecution(
                id: id, application: "orders", pipelineName: "Deploy to staging", pipelineConfigId: "cfg-orders-staging",
                status: .failedContinue,
                stages: [SimulatedStage(type: "deployManifest", name: "Deploy (Manifest)"),
                         SimulatedStage(type: "webhook", name: "Smoke test", status: .failedContinue,
                                        failure: "Webhook returned HTTP 503 from https://orders.staging.example.com/health",
                                        context: ["continuePipeline": true, "failPipeline": false])],
                startTime: startTime,
                trigger: manual("carol@example.com", ["tag": "0.9.7"]))
        }
    }

    /// A successful CI-triggered deploy of `application` with image tag `tag`: bake, deploy, smoke test.
    public static func successfulDeploy(id: String = SimulatedExecution.newId(), application: String, pipelineName: String,
                                        pipelineConfigId: String, startTime: Int64, tag: String, build: Int) -> SimulatedExecution {
        let image = "ghcr.io/acme/\(application)"
        return SimulatedExecution(
            id: id, application: application, pipelineName: pipelineName, pipelineConfigId: pipelineConfigId, status: .succeeded,
            stages: [SimulatedStage(type: "bakeManifest", name: "Bake (Manifest)"),
                     SimulatedStage(type: "deployManifest", name: "Deploy (Manifest)",
                                    context: ["account": "k8s-prod", "cloudProvider": "kubernetes", "manifestName": .string("deployment \(application)")]),
                     SimulatedStage(type: "webhook", name: "Smoke test")],
            startTime: startTime,
            trigger: ["type": "jenkins", "user": "ci-bot", "master": "jenkins-prod", "job": .string("\(application)-build"), "buildNumber": .number(Double(build)),
                      "buildInfo": ["name": .string("\(application)-build"), "number": .number(Double(build)),
                                    "url": .string("https://jenkins.example.com/job/\(application)-build/\(build)/"), "result": "SUCCESS"],
                      "parameters": ["tag": .string(tag), "namespace": "prod"],
                      "artifacts": [["type": "docker/image", "name": .string(image), "reference": .string("\(image):\(tag)"), "version": .string(tag)]]])
    }

    /// The Echo events of one run, in order. `created` is Echo's receipt time (epoch ms as a string).
    public static func events(for run: SimulatedExecution) -> [JSONValue] {
        var events: [JSONValue] = []
        var clock = run.startTime
        func event(_ type: String, _ execution: JSONValue, stageIndex: Int? = nil, task: String? = nil) -> JSONValue {
            clock += 1_000
            var content: [String: JSONValue] = ["execution": execution, "executionId": .string(run.id)]
            if let stageIndex, let stage = execution["stages"]?.arrayValue?[stageIndex] {
                content["stageId"] = stage["id"]
                content["name"] = stage["name"]
                content["context"] = stage["context"]
                content["startTime"] = stage["startTime"]
                content["endTime"] = stage["endTime"]
                content["standalone"] = false
                content["canceled"] = .bool(stage["status"]?.stringValue == "CANCELED")
                content["isSynthetic"] = false
            }
            if let task { content["taskName"] = .string(task) }
            return [
                "details": ["source": "orca", "type": .string(type), "created": .string(String(clock)),
                            "application": .string(run.application), "requestHeaders": [:]],
                "content": .object(content),
                "eventId": .string(UUID().uuidString.lowercased()),
            ]
        }
        events.append(event("orca:pipeline:starting", run.json(progress: 0)))
        for (index, stage) in run.stages.enumerated() where stage.status != .notStarted {
            events.append(event("orca:stage:starting", run.json(progress: index), stageIndex: index))
            let after = run.json(progress: index + 1)
            let tasks = SimulatedExecution.taskNames(for: stage.type)
            for (t, name) in tasks.enumerated() {
                let failed = t == tasks.count - 1 && !stage.status.isSuccessful
                events.append(event("orca:task:starting", run.json(progress: index), stageIndex: index, task: "\(stage.type).\(name)"))
                events.append(event(failed ? "orca:task:failed" : "orca:task:complete", t == tasks.count - 1 ? after : run.json(progress: index),
                                    stageIndex: index, task: "\(stage.type).\(name)"))
            }
            let stageType = stage.status == .succeeded ? "orca:stage:complete" : (stage.status == .skipped ? "orca:stage:skipped" : "orca:stage:failed")
            events.append(event(stageType, after, stageIndex: index))
        }
        let final = run.json()
        events.append(event(run.status.isSuccessful ? "orca:pipeline:complete" : "orca:pipeline:failed", final))
        return events
    }
}
