import Foundation
import LookoutCore
import Spinnaker

/// Writes the chat's answers from tool results, for people.
enum ChatRenderer {
    static func ago(_ ms: Int64?) -> String {
        guard let ms else { return "at an unknown time" }
        let delta = Int64(Date().timeIntervalSince1970 * 1000) - ms
        return delta >= 0 ? "\(CorrelationEngine.duration(delta)) ago" : "in \(CorrelationEngine.duration(-delta))"
    }

    static func recent(_ result: JSONValue, application: String?) -> String {
        let rows = result["executions"]?.arrayValue ?? []
        guard !rows.isEmpty else { return "No deployments\(application.map { " of \($0)" } ?? "") are known yet." }
        var lines = ["Recent deployments\(application.map { " of \($0)" } ?? "") (from \((result["sources"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " and "))):"]
        for row in rows.prefix(10) {
            var line = "- \(row["status"]?.stringValue ?? "?") · \(row["application"]?.stringValue ?? "?") '\(row["pipelineName"]?.stringValue ?? "?")' (\(row["executionId"]?.stringValue ?? "?")) started \(ago(row["startTime"]?.int64Value ?? row["buildTime"]?.int64Value))"
            if let duration = row["durationMs"]?.int64Value { line += ", took \(CorrelationEngine.duration(duration))" }
            if let user = row["triggerUser"]?.stringValue { line += ", by \(user)" }
            if let failed = row["failedStage"]?.stringValue { line += ", failed at '\(failed)'" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func detail(_ detail: JSONValue) -> String {
        var lines = ["The latest run of '\(detail["pipelineName"]?.stringValue ?? "?")' of \(detail["application"]?.stringValue ?? "?") (\(detail["executionId"]?.stringValue ?? "?")) is **\(detail["status"]?.stringValue ?? "?")**" + (detail["durationMs"]?.int64Value.map { " after \(CorrelationEngine.duration($0))" } ?? "") + "."]
        let trigger = detail["trigger"] ?? .null
        var who = "Trigger: \(trigger["type"]?.stringValue ?? "unknown")"
        if let user = trigger["user"]?.stringValue { who += " by \(user)" }
        if let parent = trigger["parentPipeline"]?["name"]?.stringValue { who += " from pipeline '\(parent)'" }
        if let parameters = trigger["parameters"]?.objectValue, !parameters.isEmpty {
            who += " with " + parameters.keys.sorted().map { "\($0)=\(parameters[$0]!.stringValue ?? parameters[$0]!.serializedString())" }.joined(separator: ", ")
        }
        lines.append(who + ".")
        for stage in detail["stages"]?.arrayValue ?? [] {
            var line = "- \(stage["name"]?.stringValue ?? "?") (\(stage["type"]?.stringValue ?? "?")): \(stage["status"]?.stringValue ?? "?")"
            if let duration = stage["durationMs"]?.int64Value { line += ", \(CorrelationEngine.duration(duration))" }
            if let failure = stage["failure"]?.stringValue { line += " — \(failure)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func health(_ result: JSONValue) -> String {
        let verdict = result["verdict"]?.stringValue ?? "unknown"
        var summary = result["summary"]?.stringValue ?? ""
        if summary.hasPrefix("\(verdict): ") { summary.removeFirst(verdict.count + 2) }
        var lines = ["\(result["application"]?.stringValue ?? "?") is **\(verdict)**: \(summary)"]
        for cluster in result["health"]?["clusters"]?.arrayValue ?? [] {
            let counts = cluster["instances"] ?? .null
            lines.append("- \(cluster["name"]?.stringValue ?? "?") in \(cluster["account"]?.stringValue ?? "?")/\(cluster["region"]?.stringValue ?? "?"): \(cluster["verdict"]?.stringValue ?? "?") — \(counts["up"]?.int64Value ?? 0) up, \(counts["down"]?.int64Value ?? 0) down, \(counts["outOfService"]?.int64Value ?? 0) out of service, \(counts["starting"]?.int64Value ?? 0) starting, of \(counts["total"]?.int64Value ?? 0)")
        }
        return lines.joined(separator: "\n")
    }

    static func configs(_ result: JSONValue) -> String {
        let pipelines = result["pipelines"]?.arrayValue ?? []
        guard !pipelines.isEmpty else { return "\(result["application"]?.stringValue ?? "The application") has no pipelines." }
        var lines = ["Pipelines of \(result["application"]?.stringValue ?? "?"):"]
        for pipeline in pipelines {
            let parameters = (pipeline["parameters"]?.arrayValue ?? []).compactMap { p -> String? in
                guard let name = p["name"]?.stringValue else { return nil }
                return p["required"]?.boolValue == true ? "\(name) (required)" : name
            }
            var line = "- '\(pipeline["name"]?.stringValue ?? "?")': " + (pipeline["stageTypes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " → ")
            if !parameters.isEmpty { line += "; parameters: " + parameters.joined(separator: ", ") }
            if pipeline["isRollback"]?.boolValue == true { line += " — a rollback pipeline" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func logs(_ result: JSONValue) -> String {
        let stages = result["failedStages"]?.arrayValue ?? []
        guard !stages.isEmpty else { return "No stage of \(result["executionId"]?.stringValue ?? "that execution") failed." }
        var lines = ["What failed:"]
        for stage in stages {
            lines.append("- \(stage["stage"]?.stringValue ?? "?") (\(stage["type"]?.stringValue ?? "?")) \(stage["status"]?.stringValue ?? "?")" +
                         (stage["exceptionType"]?.stringValue.map { ", \($0)" } ?? ""))
            for error in (stage["errors"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(3) { lines.append("  - \(error)") }
            for message in (stage["katoTasks"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(2) { lines.append("  - Clouddriver: \(message)") }
        }
        return lines.joined(separator: "\n")
    }

    static func pending(_ result: JSONValue) -> String {
        let action = result["action"] ?? .null
        let expires = action["expiresAt"]?.int64Value.map { Date(timeIntervalSince1970: Double($0) / 1000).formatted(.iso8601) } ?? "soon"
        return "I prepared this action: \(action["summary"]?.stringValue ?? "?").\nIt has not run. An operator or admin must confirm it before \(expires) (Confirm / Cancel, or POST /api/v1/actions/\(action["id"]?.stringValue ?? "?")/confirm)."
    }
}
