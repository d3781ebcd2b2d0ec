public import Foundation
public import Spinnaker

/// Builds Orca executions with the field set of the real expanded execution fixture
/// (`gate-pipelines-id-k8s-SUCCEEDED.json`): `type, id, application, name, buildTime, canceled, stages,
/// startTime, endTime, status, authentication, origin, trigger, pipelineConfigId, …`, with stages whose
/// `context.exception`, `kato.tasks` and task `taskExceptionDetails` have Orca's shapes.
public struct SimulatedStage: Sendable {
    public var type: String
    public var name: String
    public var status: ExecutionStatus
    public var failure: String?
    /// Clouddriver task message for kato-based stages.
    public var katoFailure: String?
    public var context: [String: JSONValue]

    public init(type: String, name: String, status: ExecutionStatus = .succeeded, failure: String? = nil,
                katoFailure: String? = nil, context: [String: JSONValue] = [:]) {
        self.type = type
        self.name = name
        self.status = status
        self.failure = failure
        self.katoFailure = katoFailure
        self.context = context
    }
}

public struct SimulatedExecution: Sendable {
    public var id: String
    public var application: String
    public var pipelineName: String
    public var pipelineConfigId: String
    public var status: ExecutionStatus
    public var stages: [SimulatedStage]
    public var startTime: Int64
    public var stageDurationMs: Int64 = 40_000
    public var trigger: JSONValue
    public var canceledBy: String?
    public var cancellationReason: String?

    public init(id: String = SimulatedExecution.newId(), application: String, pipelineName: String, pipelineConfigId: String,
                status: ExecutionStatus, stages: [SimulatedStage], startTime: Int64, trigger: JSONValue,
                canceledBy: String? = nil, cancellationReason: String? = nil) {
        self.id = id
        self.application = application
        self.pipelineName = pipelineName
        self.pipelineConfigId = pipelineConfigId
        self.status = status
        self.stages = stages
        self.startTime = startTime
        self.trigger = trigger
        self.canceledBy = canceledBy
        self.cancellationReason = cancellationReason
    }

    /// A ULID-shaped id (26 characters of Crockford base32), as modern Orca uses.
    public static func newId(time: Date = Date()) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var ms = UInt64(time.timeIntervalSince1970 * 1000)
        var timePart: [Character] = []
        for _ in 0..<10 {
            timePart.insert(alphabet[Int(ms % 32)], at: 0)
            ms /= 32
        }
        let random = (0..<16).map { _ in alphabet[Int.random(in: 0..<32)] }
        return String(timePart + random)
    }

    /// The execution as Orca would send it when `completedStages` stages have finished and the next
    /// one is running (`nil`: the whole run is over).
    public func json(progress completedStages: Int? = nil) -> JSONValue {
        let finished = completedStages == nil
        var stageValues: [JSONValue] = []
        for (index, stage) in stages.enumerated() {
            let stageStart = startTime + Int64(index) * stageDurationMs + 500
            let status: ExecutionStatus
            if let done = completedStages {
                status = index < done ? stage.status : (index == done ? .running : .notStarted)
            } else {
                status = stage.status
            }
            stageValues.append(stageJSON(stage, index: index, status: status, start: stageStart))
        }
        let over = finished
        let endTime: JSONValue = over ? .number(Double(startTime + Int64(stages.count) * stageDurationMs + 1_000)) : .null
        var execution: [String: JSONValue] = [
            "type": "PIPELINE",
            "id": .string(id),
            "application": .string(application),
            "name": .string(pipelineName),
            "buildTime": .number(Double(startTime - 200)),
            "canceled": .bool(status == .canceled),
            "limitConcurrent": true,
            "maxConcurrentExecutions": 0,
            "keepWaitingPipelines": false,
            "stages": .array(stageValues),
            "startTime": .number(Double(startTime)),
            "endTime": endTime,
            "status": .string(over ? status.rawValue : ExecutionStatus.running.rawValue),
            "authentication": ["user": trigger["user"] ?? "anonymous", "allowedAccounts": ["k8s-prod", "aws-prod"]],
            "origin": "api",
            "trigger": trigger,
            "pipelineConfigId": .string(pipelineConfigId),
            "notifications": [],
            "initialConfig": [:],
            "systemNotifications": [],
            "spelEvaluator": "v4",
            "templateVariables": [:],
        ]
        if over, let canceledBy { execution["canceledBy"] = .string(canceledBy) }
        if over, let cancellationReason { execution["cancellationReason"] = .string(cancellationReason) }
        return .object(execution)
    }

    func stageJSON(_ stage: SimulatedStage, index: Int, status: ExecutionStatus, start: Int64) -> JSONValue {
        let started = status != .notStarted
        let ended = status.isComplete
        var context = stage.context
        var tasks: [JSONValue] = []
        let taskNames = Self.taskNames(for: stage.type)
        for (t, name) in taskNames.enumerated() {
            var taskStatus: ExecutionStatus = .notStarted
            if ended {
                taskStatus = t < taskNames.count - 1 || stage.status == .succeeded ? .succeeded : stage.status
            } else if started {
                taskStatus = t == 0 ? .running : .notStarted
            }
            var task: [String: JSONValue] = [
                "id": .string(String(t + 1)),
                "implementingClass": .string("com.netflix.spinnaker.orca.\(name)Task"),
                "name": .string(name),
                "startTime": taskStatus == .notStarted ? .null : .number(Double(start + Int64(t) * 5_000)),
                "endTime": taskStatus.isComplete ? .number(Double(start + Int64(t + 1) * 5_000)) : .null,
                "status": .string(taskStatus.rawValue),
                "stageStart": .bool(t == 0),
                "stageEnd": .bool(t == taskNames.count - 1),
                "loopStart": false,
                "loopEnd": false,
            ]
            if ended, taskStatus == stage.status, !stage.status.isSuccessful, let failure = stage.failure {
                task["taskExceptionDetails"] = ["exception": [
                    "timestamp": .number(Double(start + 30_000)), "exceptionType": "IllegalStateException", "operation": .string(name),
                    "details": ["errors": [.string(failure)]], "shouldRetry": false,
                ]]
            }
            tasks.append(.object(task))
        }
        if ended, !stage.status.isSuccessful || stage.status == .stopped, let failure = stage.failure {
            context["exception"] = [
                "timestamp": .number(Double(start + 30_000)),
                "exceptionType": stage.status == .canceled ? "CanceledException" : "TimeoutException",
                "operation": .string(taskNames.last ?? stage.type),
                "details": ["error": .string(failure), "errors": [.string(failure)]],
                "shouldRetry": false,
            ]
        }
        if ended, let kato = stage.katoFailure {
            context["kato.tasks"] = [[
                "id": "d1f9c6b2-5a8e-4f3b-9c1e-7b2a9e0f4d11",
                "status": ["completed": true, "failed": true, "retryable": false],
                "history": [["phase": "ORCHESTRATION", "status": "Initializing Orchestration Task"],
                            ["phase": "DEPLOY", "status": .string(kato)]],
                "resultObjects": [],
                "exception": ["message": .string(kato), "operation": "deployManifest"],
            ]]
        }
        return .object([
            "id": .string("\(id)-stage-\(index + 1)"),
            "refId": .string(String(index + 1)),
            "type": .string(stage.type),
            "name": .string(stage.name),
            "startTime": started ? .number(Double(start)) : .null,
            "endTime": ended ? .number(Double(start + stageDurationMs - 1_000)) : .null,
            "status": .string(status.rawValue),
            "context": .object(context),
            "outputs": [:],
            "tasks": .array(tasks),
            "requisiteStageRefIds": index == 0 ? [] : [.string(String(index))],
            "lastModified": .null,
        ])
    }

    static func taskNames(for type: String) -> [String] {
        switch type {
        case "bakeManifest": return ["createBake", "bindProducedArtifacts"]
        case "deployManifest": return ["deployManifest", "monitorDeploy", "waitForManifestToStabilize"]
        case "manualJudgment": return ["waitForJudgment"]
        case "webhook": return ["createWebhook", "monitorWebhook"]
        case "checkPreconditions": return ["checkPreconditions"]
        case "rollbackCluster", "rollbackServerGroup": return ["determineRollbackCandidates", "rollbackServerGroup"]
        default: return [type]
        }
    }
}
