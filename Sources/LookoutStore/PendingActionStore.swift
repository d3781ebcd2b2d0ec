import Foundation
public import LookoutCore
import SQLKit
public import Spinnaker

/// A pipeline trigger (or Spinnaker task) that waits for a person to confirm it.
public struct PendingAction: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case pipeline, task }
    public enum Status: String, Sendable, Codable { case pending, confirmed, executed, failed, canceled, expired }

    public var id: String
    public var kind: Kind
    public var application: String
    public var pipelineName: String?
    public var parameters: [String: JSONValue]
    /// The `POST /tasks` body for task actions (e.g. Spinnaker's rollbackServerGroup).
    public var task: JSONValue?
    public var summary: String
    public var requestedBy: String
    public var requestedVia: String
    public var status: Status
    public var createdAt: Int64
    public var expiresAt: Int64
    public var decidedBy: String?
    public var decidedAt: Int64?
    public var resultRef: String?
    public var error: String?
}

/// Pending actions and the audit log. An action runs at most once: confirmation is a single
/// conditional UPDATE from `pending` (and not expired) to `confirmed`.
public struct PendingActionStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        id, kind, application, pipeline_name, parameters, task, summary, requested_by, requested_via, status, created_at,
        expires_at, decided_by, decided_at, result_ref, error
        """

    /// Creates a pending action for a person (there is no way to create one without a requester).
    public func create(organisationId: String, kind: PendingAction.Kind, application: String, pipelineName: String?,
                       parameters: [String: JSONValue], task: JSONValue?, summary: String, requestedBy: Principal, via: String,
                       ttlMs: Int64) async throws -> PendingAction {
        let now = nowMillis()
        let action = PendingAction(id: newIdentifier(), kind: kind, application: application, pipelineName: pipelineName, parameters: parameters,
                                   task: task, summary: summary, requestedBy: requestedBy.email, requestedVia: via, status: .pending,
                                   createdAt: now, expiresAt: now + ttlMs, decidedBy: nil, decidedAt: nil, resultRef: nil, error: nil)
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO pending_actions (id, org_id, kind, application, pipeline_name, parameters, task, summary, requested_by,
                                             requested_via, status, created_at, expires_at)
                VALUES (\(bind: action.id), \(bind: organisationId), \(bind: kind.rawValue), \(bind: application), \(bind: pipelineName),
                        \(bind: JSONValue.object(parameters).serializedString()), \(bind: task?.serializedString()), \(bind: summary),
                        \(bind: requestedBy.email), \(bind: via), 'pending', \(bind: now), \(bind: action.expiresAt))
                """).run()
            try await Self.audit(organisationId: organisationId, actor: requestedBy.email, action: "action.requested", target: action.id,
                                 detail: ["summary": .string(summary), "via": .string(via)], in: db)
        }
        return action
    }

    public func action(organisationId: String, id: String) async throws -> PendingAction? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM pending_actions WHERE org_id = \(bind: organisationId) AND id = \(bind: id)")
                .first().map(Self.action(from:))
        }
    }

    public func list(organisationId: String, limit: Int) async throws -> [PendingAction] {
        try await database.read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM pending_actions WHERE org_id = \(bind: organisationId)
                ORDER BY created_at DESC, id DESC LIMIT \(unsafeRaw: String(limit))
                """).all().map(Self.action(from:))
        }
    }

    public enum Decision: Sendable, Equatable {
        case granted(PendingAction)
        case notFound
        case expired
        case alreadyDecided(PendingAction.Status)
    }

    /// Moves a pending, unexpired action to `confirmed` (exactly once) or `canceled`, and records it.
    public func decide(organisationId: String, id: String, by principal: Principal, confirm: Bool) async throws -> Decision {
        let now = nowMillis()
        return try await database.transaction { db in
            let updated = try await db.raw("""
                UPDATE pending_actions SET status = \(bind: confirm ? "confirmed" : "canceled"), decided_by = \(bind: principal.email),
                    decided_at = \(bind: now)
                WHERE org_id = \(bind: organisationId) AND id = \(bind: id) AND status = 'pending' AND expires_at > \(bind: now)
                RETURNING \(unsafeRaw: Self.columns)
                """).first().map(Self.action(from:))
            if let updated {
                try await Self.audit(organisationId: organisationId, actor: principal.email, action: confirm ? "action.confirmed" : "action.canceled",
                                     target: id, detail: ["summary": .string(updated.summary)], in: db)
                return .granted(updated)
            }
            guard let existing = try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM pending_actions WHERE org_id = \(bind: organisationId) AND id = \(bind: id)
                """).first().map(Self.action(from:)) else { return .notFound }
            if existing.status == .pending {
                try await db.raw("UPDATE pending_actions SET status = 'expired' WHERE org_id = \(bind: organisationId) AND id = \(bind: id)").run()
                try await Self.audit(organisationId: organisationId, actor: principal.email, action: "action.expired", target: id,
                                     detail: ["summary": .string(existing.summary), "attempted": .string(confirm ? "confirm" : "cancel")], in: db)
                return .expired
            }
            try await Self.audit(organisationId: organisationId, actor: principal.email, action: "action.refused", target: id,
                                 detail: ["reason": .string("already \(existing.status.rawValue)")], in: db)
            return .alreadyDecided(existing.status)
        }
    }

    /// Records what Gate said when the confirmed action ran.
    public func recordResult(organisationId: String, id: String, actor: String, ref: String?, error: String?) async throws {
        try await database.transaction { db in
            try await db.raw("""
                UPDATE pending_actions SET status = \(bind: error == nil ? "executed" : "failed"), result_ref = \(bind: ref), error = \(bind: error)
                WHERE org_id = \(bind: organisationId) AND id = \(bind: id)
                """).run()
            try await Self.audit(organisationId: organisationId, actor: actor, action: error == nil ? "action.executed" : "action.failed", target: id,
                                 detail: error == nil ? ["ref": .string(ref ?? "")] : ["error": .string(error!)], in: db)
        }
    }

    /// A refusal that never reached an action (a viewer trying to confirm, say).
    public func recordRefusal(organisationId: String, id: String, actor: String, reason: String) async throws {
        try await database.transaction { db in
            try await Self.audit(organisationId: organisationId, actor: actor, action: "action.refused", target: id,
                                 detail: ["reason": .string(reason)], in: db)
        }
    }

    public struct AuditEntry: Sendable, Codable {
        public var id: Int64
        public var at: Int64
        public var actor: String
        public var action: String
        public var target: String?
        public var detail: JSONValue
    }

    public func audit(organisationId: String, limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in
            try await db.raw("""
                SELECT id, at, actor, action, target, detail FROM audit_log WHERE org_id = \(bind: organisationId)
                ORDER BY id DESC LIMIT \(unsafeRaw: String(limit))
                """).all().map { row in
                AuditEntry(id: try row.decode(column: "id", as: Int64.self), at: try row.decode(column: "at", as: Int64.self),
                           actor: try row.decode(column: "actor", as: String.self), action: try row.decode(column: "action", as: String.self),
                           target: try row.decode(column: "target", as: String?.self),
                           detail: (try? JSONValue.parse(Data(try row.decode(column: "detail", as: String.self).utf8))) ?? .null)
            }
        }
    }

    public func record(organisationId: String, actor: String, action: String, target: String?, detail: [String: JSONValue]) async throws {
        try await database.transaction { db in
            try await Self.audit(organisationId: organisationId, actor: actor, action: action, target: target, detail: detail, in: db)
        }
    }

    static func audit(organisationId: String, actor: String, action: String, target: String?, detail: [String: JSONValue],
                      in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO audit_log (org_id, at, actor, action, target, detail)
            VALUES (\(bind: organisationId), \(bind: nowMillis()), \(bind: actor), \(bind: action), \(bind: target),
                    \(bind: JSONValue.object(detail).serializedString()))
            """).run()
    }

    static func action(from row: any SQLRow) throws -> PendingAction {
        PendingAction(
            id: try row.decode(column: "id", as: String.self),
            kind: PendingAction.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .pipeline,
            application: try row.decode(column: "application", as: String.self),
            pipelineName: try row.decode(column: "pipeline_name", as: String?.self),
            parameters: (try? JSONValue.parse(Data(try row.decode(column: "parameters", as: String.self).utf8)))?.objectValue ?? [:],
            task: try row.decode(column: "task", as: String?.self).flatMap { try? JSONValue.parse(Data($0.utf8)) },
            summary: try row.decode(column: "summary", as: String.self),
            requestedBy: try row.decode(column: "requested_by", as: String.self),
            requestedVia: try row.decode(column: "requested_via", as: String.self),
            status: PendingAction.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self),
            decidedBy: try row.decode(column: "decided_by", as: String?.self),
            decidedAt: try row.decode(column: "decided_at", as: Int64?.self),
            resultRef: try row.decode(column: "result_ref", as: String?.self),
            error: try row.decode(column: "error", as: String?.self))
    }
}
