import Crypto
import Foundation
import LookoutCore
import LookoutStore
import Spinnaker

/// Reads alert notifications: Prometheus Alertmanager's webhook (version 4: several alerts per
/// notification, fingerprints, `endsAt` of `0001-01-01T00:00:00Z` while firing) and a generic JSON
/// webhook `{"title","service","severity","status","startsAt","labels"}`.
enum AlertPayloads {
    enum Problem: Error, CustomStringConvertible {
        case notAnObject
        case invalid(String)

        var description: String {
            switch self {
            case .notAnObject: return "Expected a JSON object."
            case .invalid(let why): return why
            }
        }
    }

    static func alertmanager(_ document: JSONValue, now: Int64) throws(Problem) -> [IncomingAlert] {
        guard document.objectValue != nil else { throw .notAnObject }
        guard let alerts = document["alerts"]?.arrayValue else {
            throw .invalid("Not an Alertmanager notification: no 'alerts' list (expected the webhook format, version 4).")
        }
        var result: [IncomingAlert] = []
        for (index, alert) in alerts.enumerated() {
            let labels = strings(alert["labels"])
            guard let name = labels["alertname"], !name.isEmpty else { throw .invalid("alerts[\(index)] has no labels.alertname.") }
            guard let startsText = alert["startsAt"]?.stringValue, let startsAt = Timestamps.parse(startsText) else {
                throw .invalid("alerts[\(index)].startsAt is not an RFC 3339 time.")
            }
            let status = (alert["status"]?.stringValue ?? document["status"]?.stringValue ?? "firing").lowercased()
            guard status == "firing" || status == "resolved" else { throw .invalid("alerts[\(index)].status must be firing or resolved.") }
            let annotations = strings(alert["annotations"])
            let endsAt = alert["endsAt"]?.stringValue.flatMap(Timestamps.parse)
            result.append(IncomingAlert(
                source: "alertmanager", fingerprint: alert["fingerprint"]?.nonEmptyString ?? fingerprint(name: name, labels: labels),
                name: name, service: AlertSignal(labels: labels, startsAt: startsAt).primaryService, severity: labels["severity"],
                firing: status == "firing", startsAt: startsAt, endsAt: status == "resolved" ? (endsAt ?? now) : nil, labels: labels,
                annotations: annotations, summary: annotations["summary"] ?? annotations["description"],
                generatorURL: alert["generatorURL"]?.nonEmptyString))
        }
        return result
    }

    static func generic(_ document: JSONValue, now: Int64) throws(Problem) -> [IncomingAlert] {
        guard document.objectValue != nil else { throw .notAnObject }
        guard let title = document["title"]?.nonEmptyString else { throw .invalid("'title' is required.") }
        var labels = strings(document["labels"])
        if let service = document["service"]?.nonEmptyString { labels["service"] = service }
        if let severity = document["severity"]?.nonEmptyString { labels["severity"] = severity }
        labels["alertname"] = labels["alertname"] ?? title
        let status = (document["status"]?.stringValue ?? "firing").lowercased()
        guard status == "firing" || status == "resolved" else { throw .invalid("'status' must be firing or resolved.") }
        var startsAt = now
        if let value = document["startsAt"], !value.isNull {
            guard let parsed = value.stringValue.flatMap(Timestamps.parse) ?? value.int64Value else {
                throw .invalid("'startsAt' must be an RFC 3339 time or epoch milliseconds.")
            }
            startsAt = parsed
        }
        let summary = document["description"]?.nonEmptyString ?? document["summary"]?.nonEmptyString
        return [IncomingAlert(
            source: "generic", fingerprint: document["fingerprint"]?.nonEmptyString ?? fingerprint(name: title, labels: labels), name: title,
            service: AlertSignal(labels: labels, startsAt: startsAt).primaryService, severity: labels["severity"], firing: status == "firing",
            startsAt: startsAt, endsAt: status == "resolved" ? (document["endsAt"]?.stringValue.flatMap(Timestamps.parse) ?? now) : nil,
            labels: labels, annotations: summary.map { ["summary": $0] } ?? [:], summary: summary, generatorURL: nil)]
    }

    static func strings(_ value: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for (key, item) in value?.objectValue ?? [:] { if let text = item.stringValue { result[key] = text } }
        return result
    }

    /// Like Alertmanager's: a digest of the sorted labels.
    static func fingerprint(name: String, labels: [String: String]) -> String {
        let text = ([name] + labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }).joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}

/// RFC 3339 times as Alertmanager writes them (Go: up to nanoseconds, `Z` or an offset). The Go zero
/// time (`0001-01-01T00:00:00Z`) means "not set".
enum Timestamps {
    static func parse(_ text: String) -> Int64? {
        guard let match = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})/) else {
            return nil
        }
        guard let year = Int(match.1), year >= 1970, let month = Int(match.2), let day = Int(match.3), let hour = Int(match.4),
              let minute = Int(match.5), let second = Int(match.6) else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return nil }
        var ms = Int64(date.timeIntervalSince1970) * 1000
        if let fraction = match.7 {
            let digits = String(fraction.dropFirst().prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0)
            ms += Int64(digits) ?? 0
        }
        let zone = String(match.8)
        if zone != "Z" && zone != "z" {
            let sign: Int64 = zone.hasPrefix("-") ? -1 : 1
            let parts = zone.dropFirst().split(separator: ":")
            let offset = (Int64(parts[0]) ?? 0) * 60 + (Int64(parts[1]) ?? 0)
            ms -= sign * offset * 60_000
        }
        return ms
    }
}
