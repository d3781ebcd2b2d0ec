import Foundation
import SQLKit
public import Spinnaker
import LookoutCore
public import Logging

/// One Echo event ready to be stored: decoded, with the text forms prepared by the request handler
/// (on whichever core it runs) so the single writer only runs SQL.
public struct IngestItem: Sendable {
    public var organisationId: String
    public var event: EchoEvent
    /// The request body, stored as the execution's latest snapshot when this event is the newest.
    public var body: String
    /// `ExecutionSnapshot` as JSON, for Orca events that carried an execution.
    public var summary: String?
    public var receivedAt: Int64

    /// Batches take row locks in this order.
    var lockOrder: String {
        switch event {
        case .orca(let orca): return "\(organisationId)|\(orca.executionId)"
        case .other: return "\(organisationId)|~other"
        }
    }

    public init(organisationId: String, event: EchoEvent, body: String, summary: String?, receivedAt: Int64) {
        self.organisationId = organisationId
        self.event = event
        self.body = body
        self.summary = summary
        self.receivedAt = receivedAt
    }
}

public struct IngestOutcome: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case stored, duplicate, other
    }

    public var kind: Kind
    public var executionId: String?
    public var status: ExecutionStatus?
}

/// Stores webhook events with group commit: requests that arrive while a transaction is being written
/// wait and go together into the next one, so each commit (and its fsync) serves many events. A
/// caller is answered only after the transaction holding its event has committed, which is what lets
/// the webhook answer 202 only for events that survive a crash.
public actor IngestWriter {
    private let database: Database
    private let logger: Logger
    private let maxBatch: Int
    private var pending: [(IngestItem, CheckedContinuation<IngestOutcome, any Error>)] = []
    /// Transactions under way. SQLite has one writer, so one; PostgreSQL takes several at once.
    private var inFlight = 0
    private let maxInFlight: Int
    public init(database: Database, logger: Logger, maxBatch: Int = 128) {
        self.database = database
        self.logger = logger
        self.maxBatch = maxBatch
        self.maxInFlight = database.dialect == .postgres ? 4 : 1
    }

    public func ingest(_ item: IngestItem) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((item, continuation))
            startFlushes()
        }
    }

    /// Starts transactions while there is room: requests that arrive meanwhile wait and go together
    /// into the next one.
    private func startFlushes() {
        while inFlight < maxInFlight && !pending.isEmpty {
            // Rows are locked in execution-id order in every batch, so concurrent batches cannot deadlock.
            let batch = pending.prefix(maxBatch).enumerated()
                .sorted { ($0.element.0.lockOrder, $0.offset) < ($1.element.0.lockOrder, $1.offset) }.map(\.element)
            pending.removeFirst(min(maxBatch, pending.count))
            inFlight += 1
            Task {
                await self.flush(batch)
            }
        }
    }

    private func flush(_ batch: [(IngestItem, CheckedContinuation<IngestOutcome, any Error>)]) async {
        let dialect = database.dialect
        let items = batch.map(\.0)
        do {
            let outcomes = try await database.transaction { db in
                var outcomes: [IngestOutcome] = []
                for item in items { outcomes.append(try await Self.store(item, dialect: dialect, in: db)) }
                return outcomes
            }
            for (entry, outcome) in zip(batch, outcomes) { entry.1.resume(returning: outcome) }
        } catch {
            // One bad event must not fail the others: store them one by one.
            logger.warning("batch of \(batch.count) events failed, retrying singly", metadata: ["error": "\(error)"])
            for (item, continuation) in batch {
                do {
                    let outcome = try await database.transaction { db in try await Self.store(item, dialect: dialect, in: db) }
                    continuation.resume(returning: outcome)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        inFlight -= 1
        startFlushes()
    }

    /// Stores one event inside the caller's transaction (the worker picks up any job it queues).
    static func store(_ item: IngestItem, dialect: SQLDialectKind, in db: any SQLDatabase) async throws -> IngestOutcome {
        switch item.event {
        case .other(let event):
            try await db.raw("""
                INSERT INTO other_events (org_id, event_id, source, event_type, application, created_at, received_at, body)
                VALUES (\(bind: item.organisationId), \(bind: event.eventId), \(bind: event.source), \(bind: event.type),
                        \(bind: event.application), \(bind: event.createdAt), \(bind: item.receivedAt), \(bind: item.body))
                ON CONFLICT DO NOTHING
                """).run()
            return IngestOutcome(kind: .other, executionId: nil, status: nil)
        case .orca(let event):
            return try await store(event, item: item, dialect: dialect, in: db)
        }
    }

    private static func store(_ event: OrcaEvent, item: IngestItem, dialect: SQLDialectKind,
                              in db: any SQLDatabase) async throws -> IngestOutcome {
        let org = item.organisationId
        let inserted = try await db.raw("""
            INSERT INTO execution_events (org_id, event_id, dedup_key, execution_id, event_type, stage_id, stage_name,
                                          task_name, status, created_at, received_at)
            VALUES (\(bind: org), \(bind: event.eventId), \(bind: event.deduplicationKey), \(bind: event.executionId),
                    \(bind: event.type), \(bind: event.stageId), \(bind: event.stageName), \(bind: event.taskName),
                    \(bind: event.subjectStatus.rawValue), \(bind: event.createdAt), \(bind: item.receivedAt))
            ON CONFLICT DO NOTHING
            RETURNING id
            """).first()
        guard inserted != nil else {
            return IngestOutcome(kind: .duplicate, executionId: event.executionId, status: nil)
        }

        var current = try await currentState(org: org, executionId: event.executionId, dialect: dialect, in: db)
        var isNew = false
        if current == nil {
            // Another replica may insert the same new execution at the same moment: whoever loses the
            // race reads the winner's row (locked) and continues as an update.
            isNew = try await insertExecution(event, item: item, in: db)
            if !isNew { current = try await currentState(org: org, executionId: event.executionId, dialect: dialect, in: db) }
        }
        let update = ExecutionTimeline.apply(event, to: current)
        let state = update.state
        let snapshot = event.execution

        if isNew {
            // Inserted above with this event's state.
        } else if update.replaceSnapshot, let snapshot {
            try await db.raw("""
                UPDATE executions SET
                    application = COALESCE(\(bind: snapshot.application), application),
                    pipeline_name = COALESCE(\(bind: snapshot.name), pipeline_name),
                    pipeline_config_id = COALESCE(\(bind: snapshot.pipelineConfigId), pipeline_config_id),
                    execution_type = \(bind: snapshot.type),
                    status = \(bind: state.status.rawValue),
                    trigger_type = COALESCE(\(bind: snapshot.trigger.type), trigger_type),
                    trigger_user = COALESCE(\(bind: snapshot.trigger.user), trigger_user),
                    build_time = COALESCE(\(bind: snapshot.buildTime), build_time),
                    start_time = COALESCE(\(bind: snapshot.startTime), start_time),
                    end_time = \(bind: snapshot.endTime),
                    duration_ms = \(bind: snapshot.durationMs),
                    mark_status = \(bind: state.mark.status), mark_steps = \(bind: state.mark.finishedSteps),
                    mark_activity = \(bind: state.mark.latestActivity),
                    summary = \(bind: item.summary), snapshot_body = \(bind: item.body),
                    last_event_at = \(bind: item.receivedAt), event_count = event_count + 1
                WHERE org_id = \(bind: org) AND execution_id = \(bind: event.executionId)
                """).run()
        } else {
            try await db.raw("""
                UPDATE executions SET
                    status = \(bind: state.status.rawValue),
                    mark_status = \(bind: state.mark.status), mark_steps = \(bind: state.mark.finishedSteps),
                    mark_activity = \(bind: state.mark.latestActivity),
                    last_event_at = \(bind: item.receivedAt), event_count = event_count + 1
                WHERE org_id = \(bind: org) AND execution_id = \(bind: event.executionId)
                """).run()
        }

        if update.completed {
            try await JobQueue.enqueue(
                kind: .executionCompleted,
                organisationId: org,
                payload: ExecutionCompletedJob(executionId: event.executionId, status: state.status),
                deduplicationKey: "execution.completed:\(org):\(event.executionId):\(state.status.rawValue)",
                in: db
            )
        }
        return IngestOutcome(kind: .stored, executionId: event.executionId, status: state.status)
    }

    /// The stored state of an execution, locking its row on PostgreSQL until the transaction ends.
    private static func currentState(org: String, executionId: String, dialect: SQLDialectKind,
                                     in db: any SQLDatabase) async throws -> ExecutionState? {
        try await db.raw("""
            SELECT status, mark_status, mark_steps, mark_activity FROM executions
            WHERE org_id = \(bind: org) AND execution_id = \(bind: executionId) \(unsafeRaw: dialect.forUpdateClause)
            """).first().map { row in
            ExecutionState(
                status: ExecutionStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .notStarted,
                mark: ProgressMark(
                    status: try row.decode(column: "mark_status", as: Int.self),
                    finishedSteps: try row.decode(column: "mark_steps", as: Int.self),
                    latestActivity: try row.decode(column: "mark_activity", as: Int64.self)
                )
            )
        }
    }

    /// Inserts the execution row from its first event. Returns false when another transaction did first.
    private static func insertExecution(_ event: OrcaEvent, item: IngestItem, in db: any SQLDatabase) async throws -> Bool {
        let state = ExecutionTimeline.apply(event, to: nil).state
        let snapshot = event.execution
        let sortTime = snapshot?.buildTime ?? snapshot?.startTime ?? event.createdAt ?? item.receivedAt
        return try await db.raw("""
            INSERT INTO executions (org_id, execution_id, application, pipeline_name, pipeline_config_id, execution_type,
                status, trigger_type, trigger_user, build_time, start_time, end_time, duration_ms, sort_time,
                mark_status, mark_steps, mark_activity, summary, snapshot_body, first_event_at, last_event_at, event_count)
            VALUES (\(bind: item.organisationId), \(bind: event.executionId), \(bind: snapshot?.application ?? event.application),
                \(bind: snapshot?.name), \(bind: snapshot?.pipelineConfigId),
                \(bind: snapshot?.type ?? (event.scope == .orchestration ? "ORCHESTRATION" : "PIPELINE")),
                \(bind: state.status.rawValue), \(bind: snapshot?.trigger.type), \(bind: snapshot?.trigger.user),
                \(bind: snapshot?.buildTime), \(bind: snapshot?.startTime), \(bind: snapshot?.endTime),
                \(bind: snapshot?.durationMs), \(bind: sortTime),
                \(bind: state.mark.status), \(bind: state.mark.finishedSteps), \(bind: state.mark.latestActivity),
                \(bind: item.summary), \(bind: snapshot == nil ? nil : item.body), \(bind: item.receivedAt),
                \(bind: item.receivedAt), 1)
            ON CONFLICT (org_id, execution_id) DO NOTHING
            RETURNING execution_id
            """).first() != nil
    }
}
