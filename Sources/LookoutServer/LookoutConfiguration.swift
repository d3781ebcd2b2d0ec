public import Foundation
public import Logging
import LookoutCore

/// Everything Lookout reads from its environment, `.env` and flags, validated once at start-up.
/// A bad value stops start-up with a message that names the variable.
public struct LookoutConfiguration: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case api, worker, all
    }

    public enum SecretsBackend: String, Sendable {
        case local, vault
    }

    public var host = "127.0.0.1"
    public var port = 5080
    public var publicURL: String?
    public var dataDirectory = "./.lookout"
    public var databaseURL: String?
    public var secrets: SecretsBackend = .local
    public var masterKey: String?
    public var vaultAddress: String?
    public var vaultToken: String?
    public var vaultMount = "secret"
    public var enableSpinnaker = true
    public var adminEmail: String?
    public var adminPassword: String?
    public var llmBaseURL: String?
    public var llmAPIKey: String?
    public var llmModel: String?
    public var webhookMaxBody = 32 * 1024 * 1024
    public var logLevel: Logger.Level = .info
    public var role: Role = .all
    /// `LOOKOUT_GATE_ALLOWED_HOSTS`: when set, Gate URLs must name one of these hosts (`*.example.com` allowed).
    public var gateAllowedHosts: [String] = []
    /// `LOOKOUT_JOB_LEASE_SECONDS`: how long a worker holds a job before another may take it over.
    public var jobLeaseSeconds = 60
    /// `LOOKOUT_ACTION_TTL_SECONDS`: how long a pending trigger waits for confirmation.
    public var actionTTLSeconds = 300

    public init() {}

    /// The URL webhooks are published at: `LOOKOUT_PUBLIC_URL`, else `http://host:port`.
    public var baseURL: String {
        let base = publicURL ?? "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// The SQLite file when no PostgreSQL URL is set.
    public var sqlitePath: String {
        if let databaseURL, databaseURL.hasPrefix("sqlite:") {
            return String(databaseURL.dropFirst("sqlite:".count))
        }
        return (dataDirectory as NSString).appendingPathComponent("lookout.sqlite")
    }

    /// Reads the process environment over the `.env` file in the working directory.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            dotEnvPath: String = ".env") throws(ConfigurationError) -> LookoutConfiguration {
        var values = try readDotEnv(path: dotEnvPath)
        for (key, value) in environment where key.hasPrefix("LOOKOUT_") { values[key] = value }
        return try LookoutConfiguration(values: values)
    }

    public init(values: [String: String]) throws(ConfigurationError) {
        func text(_ key: String) -> String? {
            guard let v = values[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        if let v = text("LOOKOUT_HOST") { host = v }
        if let v = text("LOOKOUT_PORT") {
            guard let p = Int(v), (1...65535).contains(p) else { throw .invalid("LOOKOUT_PORT", v, "a port number 1–65535") }
            port = p
        }
        if let v = text("LOOKOUT_PUBLIC_URL") {
            guard let url = URL(string: v), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw .invalid("LOOKOUT_PUBLIC_URL", v, "an http(s) URL such as https://lookout.example.com")
            }
            publicURL = v
        }
        if let v = text("LOOKOUT_DATA_DIR") { dataDirectory = v }
        if let v = text("LOOKOUT_DATABASE_URL") {
            guard v.hasPrefix("sqlite:") || v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") else {
                throw .invalid("LOOKOUT_DATABASE_URL", v, "sqlite:PATH or postgres://user:password@host:port/database")
            }
            databaseURL = v
        }
        if let v = text("LOOKOUT_SECRETS") {
            guard let backend = SecretsBackend(rawValue: v) else { throw .invalid("LOOKOUT_SECRETS", v, "local or vault") }
            secrets = backend
        }
        if let v = text("LOOKOUT_MASTER_KEY") {
            guard let bytes = Data(base64Encoded: v), bytes.count == 32 else {
                throw .invalid("LOOKOUT_MASTER_KEY", nil, "base64 of exactly 32 bytes (openssl rand -base64 32)")
            }
            masterKey = v
        }
        vaultAddress = text("LOOKOUT_VAULT_ADDR")
        vaultToken = text("LOOKOUT_VAULT_TOKEN")
        if let v = text("LOOKOUT_VAULT_MOUNT") { vaultMount = v }
        if secrets == .vault, vaultAddress == nil || vaultToken == nil {
            throw .invalid("LOOKOUT_VAULT_ADDR", nil, "set with LOOKOUT_VAULT_TOKEN when LOOKOUT_SECRETS=vault")
        }
        if let v = text("LOOKOUT_ENABLE_SPINNAKER") {
            switch v.lowercased() {
            case "true", "1", "yes", "on": enableSpinnaker = true
            case "false", "0", "no", "off": enableSpinnaker = false
            default: throw .invalid("LOOKOUT_ENABLE_SPINNAKER", v, "true or false")
            }
        }
        adminEmail = text("LOOKOUT_ADMIN_EMAIL")
        adminPassword = values["LOOKOUT_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let email = adminEmail, !email.contains("@") { throw .invalid("LOOKOUT_ADMIN_EMAIL", email, "an email address") }
        if let password = adminPassword, password.count < 8 {
            throw .invalid("LOOKOUT_ADMIN_PASSWORD", nil, "at least 8 characters")
        }
        llmBaseURL = text("LOOKOUT_LLM_BASE_URL")
        llmAPIKey = text("LOOKOUT_LLM_API_KEY")
        llmModel = text("LOOKOUT_LLM_MODEL")
        if let v = text("LOOKOUT_WEBHOOK_MAX_BODY") {
            guard let bytes = Self.parseByteSize(v), bytes >= 1024, bytes <= 1 << 30 else {
                throw .invalid("LOOKOUT_WEBHOOK_MAX_BODY", v, "a size from 1KiB to 1GiB, e.g. 33554432, 32MiB or 512KiB")
            }
            webhookMaxBody = bytes
        }
        if let v = text("LOOKOUT_GATE_ALLOWED_HOSTS") {
            gateAllowedHosts = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let v = text("LOOKOUT_JOB_LEASE_SECONDS") {
            guard let seconds = Int(v), (2...3600).contains(seconds) else {
                throw .invalid("LOOKOUT_JOB_LEASE_SECONDS", v, "a number of seconds from 2 to 3600")
            }
            jobLeaseSeconds = seconds
        }
        if let v = text("LOOKOUT_ACTION_TTL_SECONDS") {
            guard let seconds = Int(v), (10...86_400).contains(seconds) else {
                throw .invalid("LOOKOUT_ACTION_TTL_SECONDS", v, "a number of seconds from 10 to 86400")
            }
            actionTTLSeconds = seconds
        }
        if let v = text("LOOKOUT_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: v.lowercased()) else {
                throw .invalid("LOOKOUT_LOG_LEVEL", v, "trace, debug, info, notice, warning, error or critical")
            }
            logLevel = level
        }
    }

    /// `33554432`, `32MiB`, `32M`, `512KiB`, `1GiB`.
    static func parseByteSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10), ("GB", 1 << 30), ("MB", 1 << 20),
                                      ("KB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        let upper = text.uppercased().replacingOccurrences(of: " ", with: "")
        for (suffix, factor) in units where upper.hasSuffix(suffix) {
            return Int(upper.dropLast(suffix.count)).map { $0 * factor }
        }
        return Int(upper)
    }

    /// `KEY=value` lines; `#` comments; optional `export ` and quotes. A missing file is no error.
    static func readDotEnv(path: String) throws(ConfigurationError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var values: [String: String] = [:]
        for (number, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else {
                throw .invalid(".env line \(number + 1)", nil, "KEY=value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}

public enum ConfigurationError: Error, CustomStringConvertible {
    case invalid(String, String?, String)

    public var description: String {
        switch self {
        case .invalid(let name, let value, let expected):
            let shown = value.map { " (got '\($0)')" } ?? ""
            return "Invalid \(name)\(shown): expected \(expected)."
        }
    }
}
