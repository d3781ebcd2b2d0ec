/// The life of one background job, as a state machine that the SQL job queue follows step by step:
/// queued → leased (by one worker, until a deadline) → done, or back to queued with a backoff, or
/// dead (kept as a dead letter) after the last attempt. A lease that runs out makes the job
/// claimable again, so a worker that dies loses its jobs to another one.
public struct JobLease: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case queued(runAt: Int64)
        case leased(owner: String, until: Int64)
        case done
        case dead(lastError: String)
    }

    public enum Action: Sendable, Equatable {
        case run
        case retry(at: Int64)
        case deadLetter
        case ignore
    }

    public private(set) var state: State
    public private(set) var attempts: Int
    public let maxAttempts: Int

    public init(state: State = .queued(runAt: 0), attempts: Int = 0, maxAttempts: Int = 5) {
        self.state = state
        self.attempts = attempts
        self.maxAttempts = maxAttempts
    }

    /// Backoff before attempt `n + 1`: 2 s, 4 s, 8 s … at most 5 minutes.
    public static func backoffMs(afterAttempt n: Int) -> Int64 {
        let exponent = min(max(n - 1, 0), 16)
        return min(2_000 * (Int64(1) << exponent), 300_000)
    }

    public func isClaimable(now: Int64) -> Bool {
        switch state {
        case .queued(let runAt): return runAt <= now
        case .leased(_, let until): return until <= now
        case .done, .dead: return false
        }
    }

    /// A worker asks for the job. It gets it when it is due or its previous lease ran out.
    public mutating func claim(owner: String, now: Int64, leaseMs: Int64) -> Action {
        guard isClaimable(now: now) else { return .ignore }
        attempts += 1
        state = .leased(owner: owner, until: now + leaseMs)
        return .run
    }

    /// The job's handler finished. Only the current lease holder can complete it.
    public mutating func succeed(owner: String) -> Action {
        guard case .leased(let holder, _) = state, holder == owner else { return .ignore }
        state = .done
        return .ignore
    }

    /// The job's handler threw. Retry with backoff, or keep it as a dead letter after the last attempt.
    public mutating func fail(owner: String, error: String, now: Int64) -> Action {
        guard case .leased(let holder, _) = state, holder == owner else { return .ignore }
        if attempts >= maxAttempts {
            state = .dead(lastError: error)
            return .deadLetter
        }
        let runAt = now + Self.backoffMs(afterAttempt: attempts)
        state = .queued(runAt: runAt)
        return .retry(at: runAt)
    }
}
