import SQLKit
import Foundation
import LookoutCore
import Logging

/// Versioned schema changes, applied in order and recorded in `schema_migrations`. The DDL is written
/// once for both engines; `{PK}` stands for the engine's auto-numbered key. Times are BIGINT epoch
/// milliseconds and JSON is TEXT, so the same queries run on SQLite and PostgreSQL.
public enum Migrations {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "organisations, users and tokens", statements: [
            """
            CREATE TABLE organisations (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL REFERENCES organisations(id),
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL REFERENCES organisations(id),
                user_id TEXT NOT NULL REFERENCES users(id),
                name TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE webhook_tokens (
                org_id TEXT PRIMARY KEY REFERENCES organisations(id),
                token_hash TEXT NOT NULL UNIQUE,
                token_sealed TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE org_settings (
                org_id TEXT PRIMARY KEY REFERENCES organisations(id),
                settings TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ]),
        Migration(version: 2, name: "executions, events and jobs", statements: [
            """
            CREATE TABLE executions (
                org_id TEXT NOT NULL,
                execution_id TEXT NOT NULL,
                application TEXT,
                pipeline_name TEXT,
                pipeline_config_id TEXT,
                execution_type TEXT NOT NULL,
                status TEXT NOT NULL,
                trigger_type TEXT,
                trigger_user TEXT,
                build_time BIGINT,
                start_time BIGINT,
                end_time BIGINT,
                duration_ms BIGINT,
                sort_time BIGINT NOT NULL,
                mark_status INTEGER NOT NULL,
                mark_steps INTEGER NOT NULL,
                mark_activity BIGINT NOT NULL,
                summary TEXT,
                snapshot_body TEXT,
                first_event_at BIGINT NOT NULL,
                last_event_at BIGINT NOT NULL,
                event_count INTEGER NOT NULL,
                PRIMARY KEY (org_id, execution_id)
            )
            """,
            "CREATE INDEX executions_by_time ON executions (org_id, sort_time DESC, execution_id DESC)",
            "CREATE INDEX executions_by_app ON executions (org_id, application, sort_time DESC)",
            """
            CREATE TABLE execution_events (
                id {PK},
                org_id TEXT NOT NULL,
                event_id TEXT,
                dedup_key TEXT NOT NULL,
                execution_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                stage_id TEXT,
                stage_name TEXT,
                task_name TEXT,
                status TEXT NOT NULL,
                created_at BIGINT,
                received_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX execution_events_event_id ON execution_events (org_id, event_id)",
            "CREATE UNIQUE INDEX execution_events_dedup ON execution_events (org_id, dedup_key)",
            "CREATE INDEX execution_events_by_execution ON execution_events (org_id, execution_id, id)",
            """
            CREATE TABLE other_events (
                id {PK},
                org_id TEXT NOT NULL,
                event_id TEXT,
                source TEXT,
                event_type TEXT,
                application TEXT,
                created_at BIGINT,
                received_at BIGINT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX other_events_event_id ON other_events (org_id, event_id)",
            """
            CREATE TABLE jobs (
                id {PK},
                org_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                dedup_key TEXT UNIQUE,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                max_attempts INTEGER NOT NULL,
                run_at BIGINT NOT NULL,
                lease_owner TEXT,
                lease_until BIGINT,
                last_error TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX jobs_due ON jobs (state, run_at)",
            """
            CREATE TABLE incidents (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL,
                source TEXT NOT NULL,
                execution_id TEXT,
                application TEXT,
                pipeline_name TEXT,
                title TEXT NOT NULL,
                severity TEXT NOT NULL,
                status TEXT NOT NULL,
                summary TEXT NOT NULL,
                opened_at BIGINT NOT NULL,
                resolved_at BIGINT,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX incidents_one_per_execution ON incidents (org_id, execution_id)",
            "CREATE INDEX incidents_by_time ON incidents (org_id, opened_at DESC)",
        ]),
        Migration(version: 3, name: "secrets and the Spinnaker connection", statements: [
            """
            CREATE TABLE secrets (
                org_id TEXT NOT NULL,
                name TEXT NOT NULL,
                sealed TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (org_id, name)
            )
            """,
            """
            CREATE TABLE spinnaker_connections (
                org_id TEXT PRIMARY KEY,
                gate_url TEXT NOT NULL,
                auth_method TEXT NOT NULL,
                username TEXT,
                secret_backend TEXT NOT NULL,
                version BIGINT NOT NULL,
                validated_at BIGINT,
                validation_error TEXT,
                accounts TEXT NOT NULL,
                application_count INTEGER,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ]),
        Migration(version: 4, name: "alerts, suspects and RCA reports", statements: [
            "ALTER TABLE incidents ADD COLUMN service TEXT",
            "CREATE INDEX incidents_by_service ON incidents (org_id, status, service)",
            """
            CREATE TABLE alerts (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL,
                source TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                name TEXT NOT NULL,
                service TEXT,
                severity TEXT,
                status TEXT NOT NULL,
                starts_at BIGINT NOT NULL,
                ends_at BIGINT,
                labels TEXT NOT NULL,
                annotations TEXT NOT NULL,
                summary TEXT,
                generator_url TEXT,
                incident_id TEXT,
                received_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX alerts_one_per_firing ON alerts (org_id, fingerprint, starts_at)",
            "CREATE INDEX alerts_by_incident ON alerts (org_id, incident_id)",
            "CREATE INDEX alerts_by_time ON alerts (org_id, starts_at DESC)",
            """
            CREATE TABLE incident_suspects (
                org_id TEXT NOT NULL,
                incident_id TEXT NOT NULL,
                execution_id TEXT NOT NULL,
                rank INTEGER NOT NULL,
                score DOUBLE PRECISION NOT NULL,
                reasons TEXT NOT NULL,
                detail TEXT NOT NULL,
                linked_at BIGINT NOT NULL,
                PRIMARY KEY (org_id, incident_id, execution_id)
            )
            """,
            "CREATE INDEX incident_suspects_by_execution ON incident_suspects (org_id, execution_id)",
            """
            CREATE TABLE rca_reports (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL,
                incident_id TEXT NOT NULL,
                trigger TEXT NOT NULL,
                report TEXT NOT NULL,
                markdown TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX rca_reports_by_incident ON rca_reports (org_id, incident_id, created_at DESC)",
        ]),
        Migration(version: 5, name: "pending actions and the audit log", statements: [
            """
            CREATE TABLE pending_actions (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                application TEXT NOT NULL,
                pipeline_name TEXT,
                parameters TEXT NOT NULL,
                task TEXT,
                summary TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                requested_via TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                decided_by TEXT,
                decided_at BIGINT,
                result_ref TEXT,
                error TEXT
            )
            """,
            "CREATE INDEX pending_actions_by_time ON pending_actions (org_id, created_at DESC)",
            """
            CREATE TABLE audit_log (
                id {PK},
                org_id TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_log_by_time ON audit_log (org_id, id DESC)",
        ]),
        Migration(version: 6, name: "chat conversations", statements: [
            """
            CREATE TABLE chat_messages (
                id {PK},
                org_id TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                role TEXT NOT NULL,
                content TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX chat_messages_by_conversation ON chat_messages (org_id, conversation_id, id)",
        ]),
    ]

    public static var latestVersion: Int { all.map(\.version).max() ?? 0 }

    /// Applies every migration not yet recorded, each in its own transaction. Returns the versions applied.
    @discardableResult
    public static func apply(to database: Database) async throws -> [Int] {
        try await database.transaction { db in
            try await lockAgainstOtherMigrators(database.dialect, db)
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        var applied: [Int] = []
        for migration in all {
            let dialect = database.dialect
            let didApply = try await database.transaction { db -> Bool in
                try await lockAgainstOtherMigrators(dialect, db)
                let done = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").first()
                if done != nil { return false }
                for statement in migration.statements {
                    let sql = statement.replacingOccurrences(of: "{PK}", with: dialect.autoIncrementPrimaryKey)
                    try await db.raw(SQLQueryString(sql)).run()
                }
                try await db.raw("""
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: nowMillis()))
                    """).run()
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    /// Several replicas may start at once on PostgreSQL: a transaction-scoped advisory lock makes them
    /// migrate one after the other (SQLite's single writer already does).
    static func lockAgainstOtherMigrators(_ dialect: SQLDialectKind, _ db: any SQLDatabase) async throws {
        if dialect == .postgres {
            _ = try await db.raw("SELECT pg_advisory_xact_lock(7400501) AS locked").all()
        }
    }

    /// The highest applied version, or nil when the database has never been migrated.
    public static func currentVersion(of database: Database) async throws -> Int? {
        try await database.read { db in
            do {
                return try await db.raw("SELECT MAX(version) AS v FROM schema_migrations").first()?
                    .decode(column: "v", as: Int?.self)
            } catch {
                return nil
            }
        }
    }
}
