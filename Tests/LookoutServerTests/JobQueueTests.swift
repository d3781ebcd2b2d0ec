import Foundation
import LookoutCore
import LookoutServer
import LookoutStore
import Prometheus
import SQLKit
import Spinnaker
import Testing

/// The durable job queue on a real SQLite database.
@Suite struct JobQueueTests {
    struct Payload: Codable { var n: Int }

    @Test func enqueueIsIdempotentByKeyAndClaimIsExclusive() async throws {
        try await TestHarness.run { harness in
            let queue = harness.dependencies.jobs
            let added = try await harness.dependencies.database.transaction { db in
                [try await JobQueue.enqueue(kind: .executionCompleted, organisationId: "o", payload: Payload(n: 1), deduplicationKey: "k", in: db),
                 try await JobQueue.enqueue(kind: .executionCompleted, organisationId: "o", payload: Payload(n: 2), deduplicationKey: "k", in: db)]
            }
            #expect(added == [true, false])
            let first = try #require(try await queue.claim(owner: "w1"))
            #expect(try await queue.claim(owner: "w2") == nil, "a leased job is not handed out twice")
            #expect(first.attempts == 1)
            try await harness.dependencies.database.transaction { db in try await JobQueue.complete(first, in: db) }
            #expect(try await queue.countsByState() == ["done": 1])
        }
    }

    @Test func anExpiredLeaseIsTakenOverAndTheOldOwnerCannotComplete() async throws {
        try await TestHarness.run { harness in
            let queue = harness.dependencies.jobs
            try await harness.dependencies.database.transaction { db in
                try await JobQueue.enqueue(kind: .executionCompleted, organisationId: "o", payload: Payload(n: 1), deduplicationKey: nil, in: db)
            }
            let now = EpochMillis.now()
            let dying = try #require(try await queue.claim(owner: "dying", now: now))
            #expect(try await queue.claim(owner: "w2", now: now + 1_000) == nil)
            let takeover = try #require(try await queue.claim(owner: "w2", now: now + queue.leaseMs + 1))
            #expect(takeover.id == dying.id && takeover.attempts == 2)
            await #expect(throws: JobError.self) {
                try await harness.dependencies.database.transaction { db in try await JobQueue.complete(dying, in: db) }
            }
            try await harness.dependencies.database.transaction { db in try await JobQueue.complete(takeover, in: db) }
            #expect(try await queue.countsByState() == ["done": 1])
        }
    }

    @Test func failuresAreRetriedWithBackoffThenKeptAsDeadLetters() async throws {
        try await TestHarness.run { harness in
            let queue = harness.dependencies.jobs
            try await harness.dependencies.database.transaction { db in
                try await JobQueue.enqueue(kind: .executionCompleted, organisationId: "o", payload: Payload(n: 1), deduplicationKey: nil,
                                           maxAttempts: 2, in: db)
            }
            var now = EpochMillis.now()
            let first = try #require(try await queue.claim(owner: "w", now: now))
            guard case .retry(let at) = try await queue.fail(first, error: "boom 1", now: now) else {
                Issue.record("expected a retry"); return
            }
            #expect(at == now + 2_000)
            #expect(try await queue.claim(owner: "w", now: now + 1_000) == nil, "not before the backoff")
            now = at
            let second = try #require(try await queue.claim(owner: "w", now: now))
            #expect(try await queue.fail(second, error: "boom 2", now: now) == .deadLetter)
            #expect(try await queue.countsByState() == ["dead": 1])
            let lastError = try await harness.dependencies.database.read { db in
                try await db.raw("SELECT last_error FROM jobs").first()?.decode(column: "last_error", as: String.self)
            }
            #expect(lastError == "boom 2")
            #expect(try await queue.claim(owner: "w", now: now + 10_000_000) == nil, "a dead letter is never run again")
        }
    }

    /// A job for an execution that is not there fails (and is retried), it does not vanish.
    @Test func theWorkerRecordsAFailedJob() async throws {
        try await TestHarness.run { harness in
            try await harness.dependencies.database.transaction { db in
                try await JobQueue.enqueue(kind: .executionCompleted, organisationId: "o",
                                           payload: ExecutionCompletedJob(executionId: "missing", status: .terminal), deduplicationKey: nil, in: db)
            }
            let worker = JobWorker(queue: harness.dependencies.jobs, metrics: harness.dependencies.metrics, logger: harness.dependencies.logger)
            #expect(await worker.runOne())
            #expect(try await harness.dependencies.jobs.countsByState() == ["queued": 1])
            #expect(harness.dependencies.metrics.registry.emitToString().contains(#"lookout_jobs_total{kind="execution.completed",outcome="retry"} 1"#))
        }
    }
}
