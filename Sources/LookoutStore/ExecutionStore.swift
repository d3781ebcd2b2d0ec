import SQLKit
public import Spinnaker
import Foundation
import LookoutCore
import Logging

/// One execution as stored: the columns used for lists and filters, and the latest snapshot.
public struct ExecutionRecord: Sendable {
    public var executionId: String
    public var application: String?
    public var pipelineName: String?
    public var pipelineConfigId: String?
    public var executionType: String
    public var status: ExecutionStatus
    public var triggerType: String?
    public var triggerUser: String?
    public var buildTime: Int64?
    public var startTime: Int64?
    public var endTime: Int64?
    public var durationMs: Int64?
    public var sortTime: Int64
    public var firstEventAt: Int64
    public var lastEventAt: Int64
    public var eventCount: Int
    /// Parsed stages, trigger and failures, when any event carried the execution.
    public var snapshot: ExecutionSnapshot?
}

/// One event received for an execution (the small per-event row).
public struct ReceivedEvent: Sendable, Codable {
    public var eventId: String?
    public var type: String
    public var stageId: String?
    public var stageName: String?
    public var taskName: String?
    public var status: String
    public var createdAt: Int64?
    public var receivedAt: Int64
}

/// A page of executions and where the next page starts.
public struct ExecutionPage: Sendable {
    public var executions: [ExecutionRecord]
    public var nextCursor: String?
}

/// Reads of the execution timeline. Every query is scoped to one organisation.
public struct ExecutionStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        execution_id, application, pipeline_name, pipeline_config_id, execution_type, status, trigger_type, trigger_user,
        build_time, start_time, end_time, duration_ms, sort_time, first_event_at, last_event_at, event_count
        """

    /// Newest first. `cursor` is the opaque `nextCursor` of the previous page.
    public func list(organisationId: String, application: String?, status: ExecutionStatus?, limit: Int,
                     cursor: String?) async throws -> ExecutionPage {
        let position = try cursor.map(Self.decodeCursor)
        let rows = try await database.read { db in
            var sql = SQLQueryString("SELECT \(unsafeRaw: Self.columns) FROM executions WHERE org_id = \(bind: organisationId)")
            if let application { sql.appendInterpolation(unsafeRaw: " AND application = "); sql.appendInterpolation(bind: application) }
            if let status { sql.appendInterpolation(unsafeRaw: " AND status = "); sql.appendInterpolation(bind: status.rawValue) }
            if let position {
                sql.appendInterpolation(unsafeRaw: " AND (sort_time < ")
                sql.appendInterpolation(bind: position.sortTime)
                sql.appendInterpolation(unsafeRaw: " OR (sort_time = ")
                sql.appendInterpolation(bind: position.sortTime)
                sql.appendInterpolation(unsafeRaw: " AND execution_id < ")
                sql.appendInterpolation(bind: position.executionId)
                sql.appendInterpolation(unsafeRaw: "))")
            }
            sql.appendInterpolation(unsafeRaw: " ORDER BY sort_time DESC, execution_id DESC LIMIT \(limit + 1)")
            return try await db.raw(sql).all()
        }
        var records = try rows.map { try Self.record(from: $0, withSnapshot: false) }
        var next: String?
        if records.count > limit {
            records.removeLast()
            if let last = records.last { next = Self.encodeCursor(sortTime: last.sortTime, executionId: last.executionId) }
        }
        return ExecutionPage(executions: records, nextCursor: next)
    }

    public func execution(organisationId: String, executionId: String) async throws -> ExecutionRecord? {
        try await database.read { db in
            try await Self.execution(organisationId: organisationId, executionId: executionId, in: db)
        }
    }

    static func execution(organisationId: String, executionId: String, in db: any SQLDatabase) async throws -> ExecutionRecord? {
        try await db.raw("""
            SELECT \(unsafeRaw: columns), summary FROM executions
            WHERE org_id = \(bind: organisationId) AND execution_id = \(bind: executionId)
            """).first().map { try record(from: $0, withSnapshot: true) }
    }

    public func events(organisationId: String, executionId: String, limit: Int = 500) async throws -> [ReceivedEvent] {
        try await database.read { db in
            try await db.raw("""
                SELECT event_id, event_type, stage_id, stage_name, task_name, status, created_at, received_at
                FROM execution_events WHERE org_id = \(bind: organisationId) AND execution_id = \(bind: executionId)
                ORDER BY id LIMIT \(unsafeRaw: String(limit))
                """).all().map { row in
                ReceivedEvent(
                    eventId: try row.decode(column: "event_id", as: String?.self),
                    type: try row.decode(column: "event_type", as: String.self),
                    stageId: try row.decode(column: "stage_id", as: String?.self),
                    stageName: try row.decode(column: "stage_name", as: String?.self),
                    taskName: try row.decode(column: "task_name", as: String?.self),
                    status: try row.decode(column: "status", as: String.self),
                    createdAt: try row.decode(column: "created_at", as: Int64?.self),
                    receivedAt: try row.decode(column: "received_at", as: Int64.self)
                )
            }
        }
    }

    /// The stored raw event body of the execution's newest snapshot (the whole Echo event).
    public func snapshotBody(organisationId: String, executionId: String) async throws -> String? {
        try await database.read { db in
            try await db.raw("""
                SELECT snapshot_body FROM executions WHERE org_id = \(bind: organisationId) AND execution_id = \(bind: executionId)
                """).first()?.decode(column: "snapshot_body", as: String?.self)
        }
    }

    /// The last SUCCEEDED run of the same pipeline before `before` (by config id, else application + name).
    public func previousSuccess(organisationId: String, of record: ExecutionRecord) async throws -> ExecutionRecord? {
        try await database.read { db in
            var sql = SQLQueryString("SELECT \(unsafeRaw: Self.columns), summary FROM executions WHERE org_id = \(bind: organisationId)")
            sql.appendInterpolation(unsafeRaw: " AND status = 'SUCCEEDED' AND execution_id <> ")
            sql.appendInterpolation(bind: record.executionId)
            sql.appendInterpolation(unsafeRaw: " AND sort_time < ")
            sql.appendInterpolation(bind: record.sortTime)
            if let config = record.pipelineConfigId {
                sql.appendInterpolation(unsafeRaw: " AND pipeline_config_id = ")
                sql.appendInterpolation(bind: config)
            } else {
                sql.appendInterpolation(unsafeRaw: " AND application = ")
                sql.appendInterpolation(bind: record.application ?? "")
                sql.appendInterpolation(unsafeRaw: " AND pipeline_name = ")
                sql.appendInterpolation(bind: record.pipelineName ?? "")
            }
            sql.appendInterpolation(unsafeRaw: " ORDER BY sort_time DESC LIMIT 1")
            return try await db.raw(sql).first().map { try Self.record(from: $0, withSnapshot: true) }
        }
    }

    /// Executions of a period, for DORA figures: newest first, at most `limit`.
    public func executions(organisationId: String, application: String?, since: Int64, limit: Int = 20_000) async throws -> [ExecutionRecord] {
        try await database.read { db in
            var sql = SQLQueryString("SELECT \(unsafeRaw: Self.columns), summary FROM executions WHERE org_id = \(bind: organisationId)")
            sql.appendInterpolation(unsafeRaw: " AND sort_time >= ")
            sql.appendInterpolation(bind: since)
            if let application { sql.appendInterpolation(unsafeRaw: " AND application = "); sql.appendInterpolation(bind: application) }
            sql.appendInterpolation(unsafeRaw: " ORDER BY sort_time DESC LIMIT \(limit)")
            return try await db.raw(sql).all().map { try Self.record(from: $0, withSnapshot: true) }
        }
    }

    /// Counts for tests and benchmarks: executions, events and other events of one organisation.
    public func counts(organisationId: String) async throws -> (executions: Int, events: Int, otherEvents: Int) {
        try await database.read { db in
            func count(_ table: String) async throws -> Int {
                try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE org_id = \(bind: organisationId)")
                    .first()?.decode(column: "n", as: Int.self) ?? 0
            }
            return (try await count("executions"), try await count("execution_events"), try await count("other_events"))
        }
    }

    static func record(from row: any SQLRow, withSnapshot: Bool) throws -> ExecutionRecord {
        var snapshot: ExecutionSnapshot?
        if withSnapshot, let text = try row.decode(column: "summary", as: String?.self) {
            snapshot = try? decodeJSON(ExecutionSnapshot.self, from: text)
        }
        return ExecutionRecord(
            executionId: try row.decode(column: "execution_id", as: String.self),
            application: try row.decode(column: "application", as: String?.self),
            pipelineName: try row.decode(column: "pipeline_name", as: String?.self),
            pipelineConfigId: try row.decode(column: "pipeline_config_id", as: String?.self),
            executionType: try row.decode(column: "execution_type", as: String.self),
            status: ExecutionStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .notStarted,
            triggerType: try row.decode(column: "trigger_type", as: String?.self),
            triggerUser: try row.decode(column: "trigger_user", as: String?.self),
            buildTime: try row.decode(column: "build_time", as: Int64?.self),
            startTime: try row.decode(column: "start_time", as: Int64?.self),
            endTime: try row.decode(column: "end_time", as: Int64?.self),
            durationMs: try row.decode(column: "duration_ms", as: Int64?.self),
            sortTime: try row.decode(column: "sort_time", as: Int64.self),
            firstEventAt: try row.decode(column: "first_event_at", as: Int64.self),
            lastEventAt: try row.decode(column: "last_event_at", as: Int64.self),
            eventCount: try row.decode(column: "event_count", as: Int.self),
            snapshot: snapshot
        )
    }

    /// base64url without padding, so the cursor needs no escaping in a query string.
    static func encodeCursor(sortTime: Int64, executionId: String) -> String {
        Data("\(sortTime):\(executionId)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) throws -> (sortTime: Int64, executionId: String) {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { throw StoreError.invalid("cursor is not valid") }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":"), let time = Int64(text[..<colon]) else {
            throw StoreError.invalid("cursor is not valid")
        }
        return (time, String(text[text.index(after: colon)...]))
    }
}
