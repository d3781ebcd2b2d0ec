import Foundation

/// What an Echo `rest` notification carries, whatever envelope it came in.
public enum EchoEvent: Sendable {
    /// An Orca lifecycle event for a pipeline or orchestration, one of its stages or one of its tasks.
    case orca(OrcaEvent)
    /// Any other Echo event (igor `build`, `git`, `docker`, webhooks …): kept, never an execution.
    case other(ForeignEvent)

    public var eventId: String? {
        switch self {
        case .orca(let e): return e.eventId
        case .other(let e): return e.eventId
        }
    }
}

/// The level an Orca event speaks of.
public enum OrcaEventScope: String, Sendable, Codable {
    case pipeline, orchestration, stage, task

    public var isExecutionLevel: Bool { self == .pipeline || self == .orchestration }
}

/// `starting`, `complete`, `failed` or `skipped`, the last word of `details.type`.
public enum OrcaEventPhase: String, Sendable, Codable {
    case starting, complete, failed, skipped
}

/// One Orca event, normalised. `execution` is the execution as it was when Orca sent the event.
public struct OrcaEvent: Sendable {
    public var eventId: String?
    /// `details.type`, as sent, e.g. `orca:stage:failed`.
    public var type: String
    public var scope: OrcaEventScope
    public var phase: OrcaEventPhase
    public var application: String?
    /// `details.created` in epoch milliseconds (Echo's receipt time).
    public var createdAt: Int64?
    public var executionId: String
    public var stageId: String?
    public var stageName: String?
    /// `<stageType>.<taskName>` for task events.
    public var taskName: String?
    /// The execution snapshot, when the event carried one (task events may not). Only the fields the
    /// timeline needs are read; the raw event is stored whole for later analysis.
    public var execution: ExecutionSnapshot?

    /// The status this event reports for its own subject: the execution for execution-level events,
    /// the stage or task otherwise. Read from the snapshot when present, else from the phase.
    public var subjectStatus: ExecutionStatus {
        if let execution {
            switch scope {
            case .pipeline, .orchestration:
                return execution.status
            case .stage:
                if let stageId, let stage = execution.stages.first(where: { $0.id == stageId }) { return stage.status }
            case .task:
                break
            }
        }
        switch phase {
        case .starting: return .running
        case .complete: return .succeeded
        case .failed: return .terminal
        case .skipped: return .skipped
        }
    }

    /// The key that makes two deliveries of the same happening equal even with different Echo
    /// `eventId`s: execution, type, stage, task and status.
    public var deduplicationKey: String {
        [executionId, type, stageId ?? "", taskName ?? "", subjectStatus.rawValue].joined(separator: "|")
    }
}

/// A non-Orca Echo event.
public struct ForeignEvent: Sendable {
    public var eventId: String?
    public var source: String?
    public var type: String?
    public var application: String?
    public var createdAt: Int64?
    /// The whole event as received (details and content).
    public var body: JSONValue
}
