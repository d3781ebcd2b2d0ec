public import SQLKit
import SQLiteKit
import PostgresKit
import PostgresNIO
import NIOSSL
public import Logging
import Foundation
import Synchronization
import LookoutCore

/// The SQL engines Lookout runs on. Everything that differs between them is decided here.
public enum SQLDialectKind: String, Sendable {
    case sqlite, postgres

    /// Column type for an auto-numbered primary key.
    var autoIncrementPrimaryKey: String {
        self == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
    }

    /// Appended to the job-claim subquery so concurrent workers skip each other's rows.
    var skipLockedClause: String {
        self == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
    }

    /// Locks the rows a transaction reads and then updates (SQLite's single writer already serialises).
    var forUpdateClause: String {
        self == .postgres ? "FOR UPDATE" : ""
    }
}

/// One database: a transactional writer and concurrent readers.
///
/// SQLite allows one writer at a time; its writes go through one connection, serialised by an async
/// lock so that the statements of two transactions never interleave. Readers use their own
/// connections, which WAL mode lets run beside the writer.
public final class Database: Sendable {
    public let dialect: SQLDialectKind
    let logger: Logger
    private let engine: Engine
    private let writeLock = AsyncLock()
    private let closers: [@Sendable () async throws -> Void]
    private let nextReader = AtomicCounter()

    /// SQLite: one writer connection and reader connections. PostgreSQL: a pooled client.
    private enum Engine: Sendable {
        case sqlite(writer: any SQLDatabase, readers: [any SQLDatabase])
        case postgres(PostgresClient)
    }

    private init(dialect: SQLDialectKind, engine: Engine, logger: Logger, closers: [@Sendable () async throws -> Void]) {
        self.dialect = dialect
        self.engine = engine
        self.logger = logger
        self.closers = closers
    }

    /// Opens `sqlite:PATH` or `postgres://…` (see `openSQLite` and `openPostgres`).
    public static func open(url: String?, defaultSQLitePath: String, logger: Logger) async throws -> Database {
        guard let url, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            let path = url.map { String($0.dropFirst("sqlite:".count)) } ?? defaultSQLitePath
            return try await openSQLite(path: path, logger: logger)
        }
        return try await openPostgres(url: url, logger: logger)
    }

    /// Opens (creating if needed) an SQLite database file in WAL mode with full durability:
    /// a committed transaction survives a crash of the process or of the machine.
    public static func openSQLite(path: String, readers readerCount: Int = 2, logger: Logger) async throws -> Database {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let writerConnection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let writer = writerConnection.sql(queryLogLevel: nil)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=10000",
                       "PRAGMA foreign_keys=ON"] {
            _ = try await writer.raw(SQLQueryString(pragma)).all()
        }
        var readers: [any SQLDatabase] = []
        var closers: [@Sendable () async throws -> Void] = [{ try await writerConnection.close() }]
        for _ in 0..<max(readerCount, 1) {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let reader = connection.sql(queryLogLevel: nil)
            _ = try await reader.raw("PRAGMA busy_timeout=10000").all()
            readers.append(reader)
            closers.append({ try await connection.close() })
        }
        return Database(dialect: .sqlite, engine: .sqlite(writer: writer, readers: readers), logger: logger, closers: closers)
    }

    /// Connects to PostgreSQL through postgres-nio's `PostgresClient` (a connection pool) from
    /// `postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-ca|verify-full`.
    public static func openPostgres(url: String, maximumConnections: Int = 20, logger: Logger) async throws -> Database {
        var configuration = try postgresConfiguration(url)
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        let database = Database(dialect: .postgres, engine: .postgres(client), logger: logger, closers: [{ runner.cancel() }])
        do {
            _ = try await database.read { db in try await db.raw("SELECT 1 AS one").first() }
        } catch {
            runner.cancel()
            throw DatabaseError.unreachable("PostgreSQL at \(configuration.host ?? "?"):\(configuration.port ?? 5432) (\(Self.describe(error)))")
        }
        return database
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            return psql.serverInfo?[.message] ?? "\(psql.code)"
        }
        return "\(type(of: error))"
    }

    static func postgresConfiguration(_ text: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw DatabaseError.invalidURL("LOOKOUT_DATABASE_URL is not a postgres://user:password@host:port/database URL")
        }
        let database = components.path.split(separator: "/").first.map(String.init)
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        var tls = TLSConfiguration.makeClientConfiguration()
        let setting: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": setting = .disable
        case "prefer", "allow": tls.certificateVerification = .none; setting = .prefer(tls)
        case "require": tls.certificateVerification = .none; setting = .require(tls)
        case "verify-ca": tls.certificateVerification = .noHostnameVerification; setting = .require(tls)
        case "verify-full": setting = .require(tls)
        default: throw DatabaseError.invalidURL("sslmode must be disable, prefer, require, verify-ca or verify-full")
        }
        return PostgresClient.Configuration(host: host, port: components.port ?? 5432,
                                            username: components.user?.removingPercentEncoding ?? "postgres",
                                            password: components.password?.removingPercentEncoding, database: database, tls: setting)
    }

    /// Runs `body` in one transaction: everything it writes commits together, or nothing does.
    @discardableResult
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch engine {
        case .postgres(let client):
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    try await body(connection.sql(queryLogLevel: nil))
                }
            } catch let error as PostgresTransactionError {
                // Callers see the error their own code threw, as on SQLite.
                throw error.closureError ?? error.commitError ?? error.beginError ?? error
            }
        case .sqlite(let writer, _):
            await writeLock.acquire()
            do {
                let result = try await Self.sqliteTransaction(writer, logger: logger, body)
                await writeLock.release()
                return result
            } catch {
                await writeLock.release()
                throw error
            }
        }
    }

    private static func sqliteTransaction<T: Sendable>(_ writer: any SQLDatabase, logger: Logger,
                                                       _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.raw("BEGIN IMMEDIATE").run()
        do {
            let result = try await body(writer)
            try await writer.raw("COMMIT").run()
            return result
        } catch {
            do { try await writer.raw("ROLLBACK").run() } catch { logger.error("rollback failed: \(error)") }
            throw error
        }
    }

    /// Runs read-only queries on a reader connection.
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch engine {
        case .postgres(let client):
            return try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
        case .sqlite(_, let readers):
            return try await body(readers[nextReader.next() % readers.count])
        }
    }

    public func close() async {
        for close in closers.reversed() {
            do { try await close() } catch { logger.warning("closing a database connection failed: \(error)") }
        }
    }
}

public enum DatabaseError: Error, CustomStringConvertible {
    case invalidURL(String)
    case unreachable(String)

    public var description: String {
        switch self {
        case .invalidURL(let why): return why
        case .unreachable(let what): return "Cannot reach \(what)."
        }
    }
}

/// A lock for async code: waiters are resumed in order. An actor alone is not a lock, because its
/// methods interleave at every `await`.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A counter for round-robin choices; exact order under contention does not matter.
final class AtomicCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { v in
            v &+= 1
            return v & Int.max
        }
    }
}
