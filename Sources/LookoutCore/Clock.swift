public import Foundation

/// Epoch milliseconds, the one time unit stored in the database (portable across SQLite and PostgreSQL).
public enum EpochMillis {
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    public static func iso8601(_ ms: Int64?) -> String? {
        guard let ms else { return nil }
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        return Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
