public import SQLKit
import SQLiteKit
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
}

/// One database: a transactional writer and concurrent readers.
///
/// SQLite allows one writer at a time; its writes go through one connection, serialised by an async
/// lock so that the statements of two transactions never interleave. Readers use their own
/// connections, which WAL mode lets run beside the writer.
public final class Database: Sendable {
    public let dialect: SQLDialectKind
    let logger: Logger
    private let writer: any SQLDatabase
    private let readers: [any SQLDatabase]
    private let writeLock = AsyncLock()
    private let closers: [@Sendable () async throws -> Void]
    private let nextReader = AtomicCounter()

    init(dialect: SQLDialectKind, writer: any SQLDatabase, readers: [any SQLDatabase], logger: Logger,
         closers: [@Sendable () async throws -> Void]) {
        self.dialect = dialect
        self.writer = writer
        self.readers = readers
        self.logger = logger
        self.closers = closers
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
        return Database(dialect: .sqlite, writer: writer, readers: readers, logger: logger, closers: closers)
    }

    /// Runs `body` in one transaction: everything it writes commits together, or nothing does.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        await writeLock.acquire()
        do {
            let result = try await inTransaction(body)
            await writeLock.release()
            return result
        } catch {
            await writeLock.release()
            throw error
        }
    }

    private func inTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let begin: SQLQueryString = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        try await writer.raw(begin).run()
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
        let index = nextReader.next() % readers.count
        return try await body(readers[index])
    }

    public func close() async {
        for close in closers.reversed() {
            do { try await close() } catch { logger.warning("closing a database connection failed: \(error)") }
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
