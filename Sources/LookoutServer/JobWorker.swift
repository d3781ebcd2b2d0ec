import Foundation
public import Logging
public import LookoutStore
public import ServiceLifecycle
import Synchronization
public import SQLKit
import LookoutCore

/// Runs background jobs from the database queue. Each job's effects and its completion commit in one
/// transaction; a failure goes back to the queue with backoff, and the last one becomes a dead letter.
public struct JobWorker: Service {
    let queue: JobQueue
    let metrics: LookoutMetrics
    let logger: Logger
    let owner: String
    let idleDelay: Duration
    /// Kinds whose work happens outside the database (Gate, LLM): `prepare` runs first, and the
    /// returned closure writes the result in the transaction that completes the job.
    let external: [JobKind: @Sendable (ClaimedJob) async throws -> @Sendable (any SQLDatabase) async throws -> String]

    public init(queue: JobQueue, metrics: LookoutMetrics, logger: Logger, idleDelay: Duration = .milliseconds(200),
                external: [JobKind: @Sendable (ClaimedJob) async throws -> @Sendable (any SQLDatabase) async throws -> String] = [:]) {
        self.external = external
        self.queue = queue
        self.metrics = metrics
        self.logger = logger
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        self.idleDelay = idleDelay
    }

    public func run() async throws {
        let stopping = Atomic<Bool>(false)
        await withGracefulShutdownHandler {
            logger.info("job worker started", metadata: ["owner": "\(owner)"])
            while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                let didWork = await runOne()
                if !didWork { try? await Task.sleep(for: idleDelay) }
            }
            logger.info("job worker stopped")
        } onGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
        }
    }

    /// Runs `work` while renewing the job's lease every third of its length, so slow work (Gate, an
    /// LLM) keeps the job; a worker that dies stops renewing and loses it.
    func withLeaseHeartbeat<T: Sendable>(_ job: ClaimedJob, _ work: @Sendable () async throws -> T) async throws -> T {
        let queue = self.queue
        let logger = self.logger
        let interval = Duration.milliseconds(max(queue.leaseMs / 3, 200))
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                if (try? await queue.renew(job)) == false {
                    logger.warning("job lease lost while working", metadata: ["job": "\(job.id)"])
                    return
                }
            }
        }
        defer { heartbeat.cancel() }
        return try await work()
    }

    /// Claims and runs one due job. Returns false when there was none.
    @discardableResult
    public func runOne() async -> Bool {
        let job: ClaimedJob
        do {
            guard try await queue.hasDueJobs(), let claimed = try await queue.claim(owner: owner) else { return false }
            job = claimed
        } catch {
            logger.error("claiming a job failed", metadata: ["error": "\(error)"])
            return false
        }
        do {
            let apply = try await withLeaseHeartbeat(job) { try await external[job.kind]?(job) }
            let result = try await queue.database.transaction { db in
                let result: String
                if let apply { result = try await apply(db) } else { result = try await JobHandlers.run(job, in: db) }
                try await JobQueue.complete(job, in: db)
                return result
            }
            metrics.jobFinished(kind: job.kind.rawValue, outcome: "done")
            logger.info("job done", metadata: ["job": "\(job.id)", "kind": "\(job.kind.rawValue)", "result": "\(result)"])
        } catch {
            do {
                let action = try await queue.fail(job, error: "\(error)")
                metrics.jobFinished(kind: job.kind.rawValue, outcome: action == .deadLetter ? "dead" : "retry")
                logger.warning("job failed", metadata: ["job": "\(job.id)", "attempt": "\(job.attempts)", "error": "\(error)"])
            } catch {
                logger.error("recording a job failure failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }
        return true
    }
}
