import Foundation

/// Epoch milliseconds, the one time unit stored in the database (portable across SQLite and PostgreSQL).
public enum EpochMillis {
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

}

extension String {
    /// nil for an empty or all-whitespace string (request fields where "" means "not given").
    public var nilIfBlank: String? { trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : self }
}
