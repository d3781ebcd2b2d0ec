public import SQLKit
import Foundation
public import LookoutCore
public import Spinnaker
import Logging

/// The kinds of background work.
public enum JobKind: String, Sendable, Codable {
    /// An execution reached a completed status: open an incident if the settings say so.
    case executionCompleted = "execution.completed"
    /// A new alert: join or open an incident, then rank suspect deployments.
    case alertReceived = "alert.received"
    /// Write an RCA report for an incident (needs Gate and maybe an LLM, so it runs outside the
    /// transaction; only its result is written in one).
    case rcaGenerate = "rca.generate"
}

public struct RCAGenerateJob: Sendable, Codable, Equatable {
    public var incidentId: String
    /// `auto` or `manual`.
    public var trigger: String

    public init(incidentId: String, trigger: String) {
        self.incidentId = incidentId
        self.trigger = trigger
    }
}

public struct ExecutionCompletedJob: Sendable, Codable, Equatable {
    public var executionId: String
    public var status: ExecutionStatus

    public init(executionId: String, status: ExecutionStatus) {
        self.executionId = executionId
        self.status = status
    }
}

/// A job handed to one worker under a lease.
public struct ClaimedJob: Sendable {
    public var id: Int64
    public var organisationId: String
    public var kind: JobKind
    public var payload: String
    public var attempts: Int
    public var maxAttempts: Int
    public var owner: String

    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeJSON(type, from: payload)
    }
}

/// A durable job queue in the database. Jobs are enqueued in the same transaction as the event that
/// causes them, claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), retried with backoff,
/// and kept as dead letters after the last attempt. The transitions follow `JobLease`.
public struct JobQueue: Sendable {
    public let database: Database
    public var leaseMs: Int64

    public init(database: Database, leaseMs: Int64 = 60_000) {
        self.database = database
        self.leaseMs = leaseMs
    }

    /// Adds a job unless one with the same deduplication key exists. Returns whether it was added.
    @discardableResult
    public static func enqueue(kind: JobKind, organisationId: String, payload: some Encodable, deduplicationKey: String?,
                               maxAttempts: Int = 5, runAt: Int64? = nil, in db: any SQLDatabase) async throws -> Bool {
        let now = nowMillis()
        let text = try encodeJSON(payload)
        let row = try await db.raw("""
            INSERT INTO jobs (org_id, kind, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, updated_at)
            VALUES (\(bind: organisationId), \(bind: kind.rawValue), \(bind: text), \(bind: deduplicationKey), 'queued', 0,
                    \(bind: maxAttempts), \(bind: runAt ?? now), \(bind: now), \(bind: now))
            ON CONFLICT DO NOTHING
            RETURNING id
            """).first()
        return row != nil
    }

    /// Whether any job is due; a cheap read so idle workers do not take the write lock.
    public func hasDueJobs(now: Int64 = EpochMillis.now()) async throws -> Bool {
        try await database.read { db in
            try await db.raw("""
                SELECT id FROM jobs
                WHERE (state = 'queued' AND run_at <= \(bind: now)) OR (state = 'leased' AND lease_until <= \(bind: now))
                LIMIT 1
                """).first() != nil
        }
    }

    /// Claims the oldest due job (queued and due, or leased by a worker whose lease ran out).
    public func claim(owner: String, now: Int64 = EpochMillis.now()) async throws -> ClaimedJob? {
        let dialect = database.dialect
        let leaseMs = self.leaseMs
        return try await database.transaction { db in
            let row = try await db.raw("""
                UPDATE jobs SET state = 'leased', lease_owner = \(bind: owner), lease_until = \(bind: now + leaseMs),
                    attempts = attempts + 1, updated_at = \(bind: now)
                WHERE id = (
                    SELECT id FROM jobs
                    WHERE (state = 'queued' AND run_at <= \(bind: now)) OR (state = 'leased' AND lease_until <= \(bind: now))
                    ORDER BY run_at, id LIMIT 1 \(unsafeRaw: dialect.skipLockedClause)
                )
                RETURNING id, org_id, kind, payload, attempts, max_attempts
                """).first()
            guard let row else { return nil }
            let kindText = try row.decode(column: "kind", as: String.self)
            guard let kind = JobKind(rawValue: kindText) else {
                throw StoreError.invalid("unknown job kind \(kindText)")
            }
            return ClaimedJob(
                id: try row.decode(column: "id", as: Int64.self),
                organisationId: try row.decode(column: "org_id", as: String.self),
                kind: kind,
                payload: try row.decode(column: "payload", as: String.self),
                attempts: try row.decode(column: "attempts", as: Int.self),
                maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                owner: owner
            )
        }
    }

    /// Extends the lease of a job still held by its worker (a heartbeat during long work). Returns
    /// false when the lease was lost to another worker.
    public func renew(_ job: ClaimedJob, now: Int64 = EpochMillis.now()) async throws -> Bool {
        let leaseMs = self.leaseMs
        return try await database.transaction { db in
            try await db.raw("""
                UPDATE jobs SET lease_until = \(bind: now + leaseMs), updated_at = \(bind: now)
                WHERE id = \(bind: job.id) AND state = 'leased' AND lease_owner = \(bind: job.owner)
                RETURNING id
                """).first() != nil
        }
    }

    /// Marks the job done inside the caller's transaction (the one holding the job's effects), so
    /// effects and completion commit together. Throws `leaseLost` if another worker took it over.
    public static func complete(_ job: ClaimedJob, in db: any SQLDatabase) async throws {
        let row = try await db.raw("""
            UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = \(bind: nowMillis())
            WHERE id = \(bind: job.id) AND state = 'leased' AND lease_owner = \(bind: job.owner)
            RETURNING id
            """).first()
        if row == nil { throw JobError.leaseLost(job.id) }
    }

    /// Records a failed attempt: back to the queue after a backoff, or a dead letter after the last attempt.
    @discardableResult
    public func fail(_ job: ClaimedJob, error: String, now: Int64 = EpochMillis.now()) async throws -> JobLease.Action {
        var lease = JobLease(state: .leased(owner: job.owner, until: now + 1), attempts: job.attempts, maxAttempts: job.maxAttempts)
        let action = lease.fail(owner: job.owner, error: error, now: now)
        let message = String(error.prefix(2000))
        try await database.transaction { db in
            switch action {
            case .retry(let at):
                try await db.raw("""
                    UPDATE jobs SET state = 'queued', run_at = \(bind: at), lease_owner = NULL, lease_until = NULL,
                        last_error = \(bind: message), updated_at = \(bind: now)
                    WHERE id = \(bind: job.id) AND lease_owner = \(bind: job.owner)
                    """).run()
            case .deadLetter:
                try await db.raw("""
                    UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL,
                        last_error = \(bind: message), updated_at = \(bind: now)
                    WHERE id = \(bind: job.id) AND lease_owner = \(bind: job.owner)
                    """).run()
            case .run, .ignore:
                break
            }
        }
        return action
    }

    /// Counts by state, for `/metrics`.
    public func countsByState() async throws -> [String: Int] {
        try await database.read { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() {
                counts[try row.decode(column: "state", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }
}

public enum JobError: Error, CustomStringConvertible {
    case leaseLost(Int64)

    public var description: String {
        switch self {
        case .leaseLost(let id): return "job \(id): lease lost to another worker"
        }
    }
}
