public import Spinnaker

/// What is stored about an execution that decides how the next event changes it.
public struct ExecutionState: Sendable, Equatable {
    public var status: ExecutionStatus
    public var mark: ProgressMark

    public init(status: ExecutionStatus, mark: ProgressMark) {
        self.status = status
        self.mark = mark
    }
}

/// The execution status state machine. Echo delivers events once, possibly duplicated and out of
/// order, and stage/task events carry the pipeline's status as it was when they were sent (RUNNING).
/// The rules:
/// - a completed status never goes back to an unfinished one;
/// - an unfinished status only moves forward (NOT_STARTED → RUNNING → complete);
/// - a completed execution changes only to a later completion (a restarted stage that ends again);
/// - the stored snapshot (stages, trigger, failures, times) is replaced only by one that has seen
///   more of the run (`ProgressMark`), so late events never erase newer details.
public enum ExecutionTimeline {
    public struct Update: Sendable, Equatable {
        public var state: ExecutionState
        /// Replace the stored execution snapshot with the event's.
        public var replaceSnapshot: Bool
        /// The execution reached a completed status with this event (first time or a later ending).
        public var completed: Bool
        /// Nothing about the execution row changes (the event is still recorded).
        public var isNoChange: Bool { !replaceSnapshot && !completed && !statusChanged }
        public var statusChanged: Bool
    }

    /// The status an event speaks for when it carries no snapshot.
    public static func incomingStatus(of event: OrcaEvent) -> ExecutionStatus {
        if let execution = event.execution { return execution.status }
        guard event.scope.isExecutionLevel else { return .running }
        switch event.phase {
        case .starting: return .running
        case .complete: return .succeeded
        case .failed: return .terminal
        case .skipped: return .skipped
        }
    }

    public static func incomingMark(of event: OrcaEvent) -> ProgressMark {
        if let execution = event.execution { return execution.progressMark }
        return ProgressMark(status: incomingStatus(of: event).progress, finishedSteps: 0, latestActivity: event.createdAt ?? 0)
    }

    public static func apply(_ event: OrcaEvent, to current: ExecutionState?) -> Update {
        let status = incomingStatus(of: event)
        let mark = incomingMark(of: event)
        let hasSnapshot = event.execution != nil
        guard let current else {
            return Update(state: ExecutionState(status: status, mark: mark), replaceSnapshot: true,
                          completed: status.isComplete, statusChanged: true)
        }
        if current.status.isComplete {
            // Only a later ending replaces an ending.
            guard status.isComplete, mark > current.mark else {
                return Update(state: current, replaceSnapshot: false, completed: false, statusChanged: false)
            }
            return Update(state: ExecutionState(status: status, mark: mark), replaceSnapshot: hasSnapshot,
                          completed: status != current.status, statusChanged: status != current.status)
        }
        let newStatus = status.progress >= current.status.progress ? status : current.status
        let newer = mark > current.mark
        let newMark = newer ? mark : current.mark
        return Update(
            state: ExecutionState(status: newStatus, mark: newMark),
            replaceSnapshot: newer && hasSnapshot,
            completed: newStatus.isComplete,
            statusChanged: newStatus != current.status
        )
    }
}
