import Foundation

/// Epoch milliseconds, the one time unit stored in the database (portable across SQLite and PostgreSQL).
public enum EpochMillis {
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

}
