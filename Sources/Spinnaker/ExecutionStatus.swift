/// Orca's `ExecutionStatus` (orca-api `ExecutionStatus.java`), with the same predicates.
public enum ExecutionStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case notStarted = "NOT_STARTED"
    case running = "RUNNING"
    case paused = "PAUSED"
    case suspended = "SUSPENDED"
    case succeeded = "SUCCEEDED"
    case failedContinue = "FAILED_CONTINUE"
    case terminal = "TERMINAL"
    case canceled = "CANCELED"
    case redirect = "REDIRECT"
    case stopped = "STOPPED"
    case skipped = "SKIPPED"
    case buffered = "BUFFERED"

    /// Parses Orca's spelling; Deck's legacy `COMPLETED` means SUCCEEDED.
    public init?(orca text: String) {
        let upper = text.uppercased()
        if upper == "COMPLETED" { self = .succeeded; return }
        self.init(rawValue: upper)
    }

    /// CANCELED, SUCCEEDED, STOPPED, SKIPPED, TERMINAL, FAILED_CONTINUE.
    public var isComplete: Bool {
        switch self {
        case .canceled, .succeeded, .stopped, .skipped, .terminal, .failedContinue: return true
        default: return false
        }
    }

    /// SUCCEEDED, STOPPED, SKIPPED.
    public var isSuccessful: Bool {
        switch self {
        case .succeeded, .stopped, .skipped: return true
        default: return false
        }
    }

    /// TERMINAL, STOPPED, FAILED_CONTINUE.
    public var isFailure: Bool {
        switch self {
        case .terminal, .stopped, .failedContinue: return true
        default: return false
        }
    }

    /// How far along an execution with this status is: not started, under way, or finished.
    public var progress: Int {
        if isComplete { return 2 }
        switch self {
        case .notStarted, .buffered: return 0
        default: return 1
        }
    }
}
