public import Spinnaker

/// An alert as reports and APIs show it.
public struct AlertSummary: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var service: String?
    public var severity: String?
    public var status: String
    public var startsAt: Int64
    public var endsAt: Int64?
    public var summary: String?
    public var labels: [String: String]

    public init(id: String, name: String, service: String?, severity: String?, status: String, startsAt: Int64, endsAt: Int64?,
                summary: String?, labels: [String: String]) {
        self.id = id
        self.name = name
        self.service = service
        self.severity = severity
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.summary = summary
        self.labels = labels
    }
}

/// A way back to the last good state: the application's rollback pipeline, or Spinnaker's own
/// `rollbackServerGroup` task when it has none.
public struct RollbackOption: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case pipeline, serverGroup }

    public var kind: Kind
    public var application: String
    public var pipelineName: String?
    public var pipelineId: String?
    public var parameters: [String: JSONValue]
    public var serverGroup: String?
    public var restoreServerGroup: String?
    public var account: String?
    public var region: String?
    public var cloudProvider: String?
    public var reason: String

    public init(kind: Kind, application: String, pipelineName: String? = nil, pipelineId: String? = nil, parameters: [String: JSONValue] = [:],
                serverGroup: String? = nil, restoreServerGroup: String? = nil, account: String? = nil, region: String? = nil,
                cloudProvider: String? = nil, reason: String) {
        self.kind = kind
        self.application = application
        self.pipelineName = pipelineName
        self.pipelineId = pipelineId
        self.parameters = parameters
        self.serverGroup = serverGroup
        self.restoreServerGroup = restoreServerGroup
        self.account = account
        self.region = region
        self.cloudProvider = cloudProvider
        self.reason = reason
    }

    public var sentence: String {
        switch kind {
        case .pipeline: return "run the rollback pipeline '\(pipelineName ?? "?")' of \(application)"
        case .serverGroup:
            return "roll back server group \(serverGroup ?? "?") to \(restoreServerGroup ?? "the previous one") in \(account ?? "?")/\(region ?? "?") (Spinnaker rollbackServerGroup)"
        }
    }
}

/// Everything the RCA engine reads. Gathered by the caller (database, Gate); the engine is pure.
public struct RCAEvidence: Sendable {
    public var incident: Incident
    /// The failing run (pipeline incidents) or the top suspect's run (alert incidents).
    public var execution: ExecutionSnapshot?
    public var executionJSON: JSONValue?
    /// The last successful run of the same pipeline before it, for "what changed".
    public var previousSuccess: (id: String, json: JSONValue)?
    public var health: ApplicationHealth?
    /// Why health is missing, when it is.
    public var healthNote: String?
    public var alerts: [AlertSummary]
    public var suspects: [SuspectDeployment]
    public var rollback: RollbackOption?
    public var generatedAt: Int64
    public var correlationWindowMinutes: Int

    public init(incident: Incident, execution: ExecutionSnapshot?, executionJSON: JSONValue?, previousSuccess: (id: String, json: JSONValue)?,
                health: ApplicationHealth?, healthNote: String?, alerts: [AlertSummary], suspects: [SuspectDeployment],
                rollback: RollbackOption?, generatedAt: Int64, correlationWindowMinutes: Int) {
        self.incident = incident
        self.execution = execution
        self.executionJSON = executionJSON
        self.previousSuccess = previousSuccess
        self.health = health
        self.healthNote = healthNote
        self.alerts = alerts
        self.suspects = suspects
        self.rollback = rollback
        self.generatedAt = generatedAt
        self.correlationWindowMinutes = correlationWindowMinutes
    }
}

public struct RCAReport: Sendable, Codable, Equatable {
    public struct FailingStage: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        public var type: String
        public var status: String
        public var exceptionType: String?
        public var messages: [String]
        public var sources: [String]
        public var durationMs: Int64?
    }

    public struct ProbableCause: Sendable, Codable, Equatable {
        public var text: String
        public var confidence: Double
    }

    public struct NextStep: Sendable, Codable, Equatable {
        public var text: String
        /// A rollback a person can ask Lookout to run (after confirming).
        public var rollback: RollbackOption?
    }

    public var incidentId: String
    public var generatedAt: Int64
    public var engine: String
    public var title: String
    public var executionId: String?
    public var application: String?
    public var pipelineName: String?
    public var status: String?
    public var failingStages: [FailingStage]
    public var category: FailureCategory?
    public var trigger: TriggerSummary?
    public var changes: [ExecutionChange]
    public var comparedWithExecutionId: String?
    public var changesNote: String
    public var health: ApplicationHealth?
    public var healthNote: String?
    public var alerts: [AlertSummary]
    public var suspects: [SuspectDeployment]
    public var probableCause: ProbableCause
    public var nextSteps: [NextStep]
    /// The LLM's narrative, when an LLM is configured and answered; it only restates this evidence.
    public var narrative: String?
    public var narrativeModel: String?
    public var narrativeError: String?
}
