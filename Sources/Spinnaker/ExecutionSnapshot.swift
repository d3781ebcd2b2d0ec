import Foundation

/// The parts of an Orca `PipelineExecution` that a timeline, an incident and an RCA need, read from
/// the open-ended JSON. Unknown or missing fields are tolerated: Orca's schema differs between
/// versions (the 2017 fixture has `parentPipeline*` trigger keys; modern ones have ULIDs and
/// `spelEvaluator`).
public struct ExecutionSnapshot: Sendable, Codable, Equatable {
    public var id: String
    /// `PIPELINE` or `ORCHESTRATION`.
    public var type: String
    public var application: String?
    public var name: String?
    public var status: ExecutionStatus
    public var buildTime: Int64?
    public var startTime: Int64?
    public var endTime: Int64?
    public var canceled: Bool
    public var canceledBy: String?
    public var cancellationReason: String?
    public var pipelineConfigId: String?
    public var authenticatedUser: String?
    public var trigger: TriggerSummary
    public var stages: [StageSnapshot]

    public init(json: JSONValue) {
        id = json["id"]?.nonEmptyString ?? ""
        type = json["type"]?.nonEmptyString?.uppercased() ?? "PIPELINE"
        application = json["application"]?.nonEmptyString
        name = json["name"]?.nonEmptyString ?? json["description"]?.nonEmptyString
        status = json["status"]?.stringValue.flatMap(ExecutionStatus.init(orca:)) ?? .notStarted
        buildTime = json["buildTime"]?.int64Value
        startTime = json["startTime"]?.int64Value
        endTime = json["endTime"]?.int64Value
        canceled = json["canceled"]?.boolValue ?? false
        canceledBy = json["canceledBy"]?.nonEmptyString
        cancellationReason = json["cancellationReason"]?.nonEmptyString
        pipelineConfigId = json["pipelineConfigId"]?.nonEmptyString
        authenticatedUser = json["authentication"]?["user"]?.nonEmptyString
        trigger = TriggerSummary(json: json["trigger"] ?? .null)
        stages = (json["stages"]?.arrayValue ?? []).map(StageSnapshot.init(json:))
    }

    /// Duration in milliseconds, once both ends are known.
    public var durationMs: Int64? {
        guard let start = startTime ?? buildTime, let end = endTime, end >= start else { return nil }
        return end - start
    }

    /// How much of the run this snapshot has seen: stages and tasks finished, and the latest time
    /// any of them started or ended. A later snapshot of the same run never has less.
    public var progressMark: ProgressMark {
        var finished = 0
        var latest = max(startTime ?? 0, endTime ?? 0)
        for stage in stages {
            if stage.status.isComplete { finished += 1 }
            latest = max(latest, stage.startTime ?? 0, stage.endTime ?? 0)
            for task in stage.tasks {
                if task.status.isComplete { finished += 1 }
                latest = max(latest, task.startTime ?? 0, task.endTime ?? 0)
            }
        }
        return ProgressMark(status: status.progress, finishedSteps: finished, latestActivity: latest)
    }

    /// Everything this run deployed to (clusters, server groups, manifests), for service matching.
    public var targets: [String] {
        var all: [String] = []
        for stage in stages { for target in stage.targets where !all.contains(target) { all.append(target) } }
        return all
    }

    /// Whether the run deploys something (a deploy-type stage), as opposed to e.g. a reindex job.
    public var deploys: Bool {
        stages.contains { StageSnapshot.deployTypes.contains($0.type) } || stages.isEmpty
    }

    /// Stages that failed, in execution order, with what went wrong.
    public var failedStages: [StageSnapshot] {
        stages.filter { $0.failure != nil || ($0.status.isFailure && $0.status != .stopped) || $0.status == .canceled }
            .sorted { ($0.startTime ?? .max) < ($1.startTime ?? .max) }
    }
}

/// Orders snapshots of one execution by how far along they are.
public struct ProgressMark: Sendable, Codable, Comparable, Equatable {
    /// 0 not started, 1 running, 2 complete.
    public var status: Int
    public var finishedSteps: Int
    public var latestActivity: Int64

    public init(status: Int, finishedSteps: Int, latestActivity: Int64) {
        self.status = status
        self.finishedSteps = finishedSteps
        self.latestActivity = latestActivity
    }

    public static func < (a: ProgressMark, b: ProgressMark) -> Bool {
        (a.status, a.finishedSteps, a.latestActivity) < (b.status, b.finishedSteps, b.latestActivity)
    }
}

public struct StageSnapshot: Sendable, Codable, Equatable {
    public var id: String
    public var refId: String?
    public var type: String
    public var name: String
    public var status: ExecutionStatus
    public var startTime: Int64?
    public var endTime: Int64?
    public var parentStageId: String?
    /// `STAGE_BEFORE` / `STAGE_AFTER` for synthetic stages.
    public var syntheticStageOwner: String?
    public var requisiteStageRefIds: [String]
    public var tasks: [TaskSnapshot]
    public var failure: StageFailure?
    /// What the stage deploys to: cluster, server group and manifest names (for service matching).
    public var targets: [String]
    /// The account (`account` or `credentials`) the stage works in.
    public var account: String?
    /// `judgmentStatus` of a manual judgment (`continue` / `stop`).
    public var judgmentStatus: String?

    public init(json: JSONValue) {
        id = json["id"]?.nonEmptyString ?? ""
        refId = json["refId"]?.nonEmptyString
        type = json["type"]?.nonEmptyString ?? "unknown"
        name = json["name"]?.nonEmptyString ?? type
        status = json["status"]?.stringValue.flatMap(ExecutionStatus.init(orca:)) ?? .notStarted
        startTime = json["startTime"]?.int64Value
        endTime = json["endTime"]?.int64Value
        parentStageId = json["parentStageId"]?.nonEmptyString
        syntheticStageOwner = json["syntheticStageOwner"]?.nonEmptyString
        requisiteStageRefIds = (json["requisiteStageRefIds"]?.arrayValue ?? []).compactMap(\.stringValue)
        tasks = (json["tasks"]?.arrayValue ?? []).map(TaskSnapshot.init(json:))
        failure = StageFailure.extract(from: json)
        let context = json["context"] ?? .null
        account = context["account"]?.nonEmptyString ?? context["credentials"]?.nonEmptyString
        judgmentStatus = context["judgmentStatus"]?.nonEmptyString
        targets = Self.targets(in: context)
    }

    /// Names a stage deploys to. Kubernetes manifest names come as "deployment api-gateway": the kind is dropped.
    static func targets(in context: JSONValue) -> [String] {
        var names: [String] = []
        func add(_ value: String?) {
            guard var name = value?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return }
            if let space = name.lastIndex(of: " ") { name = String(name[name.index(after: space)...]) }
            if !names.contains(name) { names.append(name) }
        }
        add(context["manifestName"]?.stringValue)
        add(context["cluster"]?.stringValue)
        add(context["serverGroupName"]?.stringValue)
        add(context["moniker"]?["cluster"]?.stringValue)
        for (_, groups) in context["deploy.server.groups"]?.objectValue ?? [:] {
            for group in groups.arrayValue ?? [] { add(group.stringValue) }
        }
        for cluster in context["clusters"]?.arrayValue ?? [] {
            let parts = [cluster["application"], cluster["stack"], cluster["freeFormDetails"]].compactMap { $0?.nonEmptyString }
            if !parts.isEmpty { add(parts.joined(separator: "-")) }
        }
        return names
    }

    public var durationMs: Int64? {
        guard let start = startTime, let end = endTime, end >= start else { return nil }
        return end - start
    }

    static let deployTypes: Set<String> = ["deployManifest", "createServerGroup", "deploy", "cloneServerGroup", "rollingRestartManifest",
                                          "patchManifest", "rollbackCluster", "rollbackServerGroup", "scaleManifest", "resizeServerGroup",
                                          "enableServerGroup", "deployCloudFormation", "deployService", "cfDeployService"]
}

public struct TaskSnapshot: Sendable, Codable, Equatable {
    public var name: String
    public var status: ExecutionStatus
    public var startTime: Int64?
    public var endTime: Int64?

    public init(json: JSONValue) {
        name = json["name"]?.nonEmptyString ?? "task"
        status = json["status"]?.stringValue.flatMap(ExecutionStatus.init(orca:)) ?? .notStarted
        startTime = json["startTime"]?.int64Value
        endTime = json["endTime"]?.int64Value
    }
}

/// Who or what started the run.
public struct TriggerSummary: Sendable, Codable, Equatable {
    public var type: String?
    public var user: String?
    public var parameters: [String: JSONValue]
    public var parentExecutionId: String?
    public var parentPipelineName: String?
    public var parentPipelineApplication: String?
    public var parentPipelineStageId: String?
    public var build: BuildSummary?
    public var artifacts: [ArtifactSummary]
    public var correlationId: String?

    public init(json: JSONValue) {
        type = json["type"]?.nonEmptyString
        user = json["user"]?.nonEmptyString
        parameters = json["parameters"]?.objectValue ?? [:]
        let parent = json["parentExecution"]
        parentExecutionId = parent?["id"]?.nonEmptyString ?? json["parentPipelineId"]?.nonEmptyString
        parentPipelineName = parent?["name"]?.nonEmptyString ?? json["parentPipelineName"]?.nonEmptyString
        parentPipelineApplication = parent?["application"]?.nonEmptyString
            ?? json["parentPipelineApplication"]?.nonEmptyString
        parentPipelineStageId = json["parentPipelineStageId"]?.nonEmptyString
        build = BuildSummary(trigger: json)
        artifacts = (json["artifacts"]?.arrayValue ?? []).prefix(50).map(ArtifactSummary.init(json:))
        correlationId = json["correlationId"]?.nonEmptyString
    }
}

/// A CI build behind the trigger (Jenkins, Concourse, …).
public struct BuildSummary: Sendable, Codable, Equatable {
    public var job: String?
    public var number: String?
    public var url: String?
    public var result: String?
    public var master: String?

    init?(trigger: JSONValue) {
        let info = trigger["buildInfo"]
        job = info?["name"]?.nonEmptyString ?? trigger["job"]?.nonEmptyString
        number = info?["number"]?.nonEmptyString ?? trigger["buildNumber"]?.nonEmptyString
        url = info?["url"]?.nonEmptyString
        result = info?["result"]?.nonEmptyString
        master = trigger["master"]?.nonEmptyString
        if job == nil && number == nil && url == nil { return nil }
    }
}

public struct ArtifactSummary: Sendable, Codable, Equatable {
    public var type: String?
    public var name: String?
    public var reference: String?
    public var version: String?

    init(json: JSONValue) {
        type = json["type"]?.nonEmptyString
        name = json["name"]?.nonEmptyString
        reference = json["reference"]?.nonEmptyString
        version = json["version"]?.nonEmptyString
    }
}
