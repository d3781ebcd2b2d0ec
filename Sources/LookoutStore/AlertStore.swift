import Foundation
public import LookoutCore
import SQLKit
import Spinnaker

/// An alert as received, normalised from Alertmanager or the generic webhook.
public struct IncomingAlert: Sendable, Equatable {
    public var source: String
    public var fingerprint: String
    public var name: String
    public var service: String?
    public var severity: String?
    public var firing: Bool
    public var startsAt: Int64
    public var endsAt: Int64?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var summary: String?
    public var generatorURL: String?

    public init(source: String, fingerprint: String, name: String, service: String?, severity: String?, firing: Bool, startsAt: Int64,
                endsAt: Int64?, labels: [String: String], annotations: [String: String], summary: String?, generatorURL: String?) {
        self.source = source
        self.fingerprint = fingerprint
        self.name = name
        self.service = service
        self.severity = severity
        self.firing = firing
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.labels = labels
        self.annotations = annotations
        self.summary = summary
        self.generatorURL = generatorURL
    }
}

public struct AlertIngestOutcome: Sendable, Equatable {
    public var id: String
    public var fingerprint: String
    public var status: String
    public var isNew: Bool
}

/// Alerts: deduplicated by fingerprint and start time; a resolved notification resolves the alert
/// and is never undone by a late firing one.
public struct AlertStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = "id, name, service, severity, status, starts_at, ends_at, summary, labels, incident_id"

    /// Stores a notification's alerts in one transaction and queues correlation for new firing ones.
    public func ingest(organisationId: String, alerts: [IncomingAlert]) async throws -> [AlertOutcome] {
        try await database.transaction { db in
            var outcomes: [AlertOutcome] = []
            for alert in alerts {
                let id = newIdentifier()
                let now = nowMillis()
                let row = try await db.raw("""
                    INSERT INTO alerts (id, org_id, source, fingerprint, name, service, severity, status, starts_at, ends_at, labels,
                                        annotations, summary, generator_url, incident_id, received_at, updated_at)
                    VALUES (\(bind: id), \(bind: organisationId), \(bind: alert.source), \(bind: alert.fingerprint), \(bind: alert.name),
                            \(bind: alert.service), \(bind: alert.severity), \(bind: alert.firing ? "firing" : "resolved"),
                            \(bind: alert.startsAt), \(bind: alert.endsAt), \(bind: try encodeJSON(alert.labels)),
                            \(bind: try encodeJSON(alert.annotations)), \(bind: alert.summary), \(bind: alert.generatorURL), NULL,
                            \(bind: now), \(bind: now))
                    ON CONFLICT (org_id, fingerprint, starts_at) DO UPDATE SET
                        status = CASE WHEN excluded.status = 'resolved' OR alerts.status = 'resolved' THEN 'resolved' ELSE 'firing' END,
                        ends_at = COALESCE(excluded.ends_at, alerts.ends_at),
                        labels = excluded.labels, annotations = excluded.annotations, summary = excluded.summary,
                        updated_at = excluded.updated_at
                    RETURNING id, status
                    """).first()
                let storedId = try row?.decode(column: "id", as: String.self) ?? id
                let status = try row?.decode(column: "status", as: String.self) ?? "firing"
                let isNew = storedId == id
                if isNew {
                    try await JobQueue.enqueue(kind: .alertReceived, organisationId: organisationId, payload: AlertReceivedJob(alertId: storedId),
                                               deduplicationKey: "alert.received:\(storedId)", in: db)
                }
                outcomes.append(AlertOutcome(id: storedId, fingerprint: alert.fingerprint, status: status, isNew: isNew))
            }
            return outcomes
        }
    }

    public typealias AlertOutcome = AlertIngestOutcome

    public func list(organisationId: String, status: String?, limit: Int) async throws -> [AlertSummary] {
        try await database.read { db in
            var sql = SQLQueryString("SELECT \(unsafeRaw: Self.columns) FROM alerts WHERE org_id = \(bind: organisationId)")
            if let status { sql.appendInterpolation(unsafeRaw: " AND status = "); sql.appendInterpolation(bind: status) }
            sql.appendInterpolation(unsafeRaw: " ORDER BY starts_at DESC, id DESC LIMIT \(limit)")
            return try await db.raw(sql).all().map(Self.summary(from:))
        }
    }

    public func alerts(organisationId: String, incidentId: String) async throws -> [AlertSummary] {
        try await database.read { db in try await Self.alerts(organisationId: organisationId, incidentId: incidentId, in: db) }
    }

    static func alerts(organisationId: String, incidentId: String, in db: any SQLDatabase) async throws -> [AlertSummary] {
        try await db.raw("""
            SELECT \(unsafeRaw: columns) FROM alerts WHERE org_id = \(bind: organisationId) AND incident_id = \(bind: incidentId)
            ORDER BY starts_at, id
            """).all().map(summary(from:))
    }

    static func summary(from row: any SQLRow) throws -> AlertSummary {
        AlertSummary(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            service: try row.decode(column: "service", as: String?.self),
            severity: try row.decode(column: "severity", as: String?.self),
            status: try row.decode(column: "status", as: String.self),
            startsAt: try row.decode(column: "starts_at", as: Int64.self),
            endsAt: try row.decode(column: "ends_at", as: Int64?.self),
            summary: try row.decode(column: "summary", as: String?.self),
            labels: (try? decodeJSON([String: String].self, from: try row.decode(column: "labels", as: String.self))) ?? [:]
        )
    }
}

public struct AlertReceivedJob: Sendable, Codable, Equatable {
    public var alertId: String
}
