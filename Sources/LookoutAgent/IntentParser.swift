import Foundation
import Spinnaker

/// Understands the chat's questions without an LLM: each kind of question maps to one `spinnaker_rca`
/// action. Application names are recognised from the names Lookout knows (Gate and received events).
public enum IntentParser {
    public enum Intent: Sendable, Equatable {
        case recentPipelines(application: String?)
        case whatHappened(application: String)
        case health(application: String)
        case pipelineConfigs(application: String)
        case executionLogs(executionId: String)
        case rollback(application: String)
        case trigger(application: String, pipeline: String, parameters: [String: String])
        case help
    }

    public static func parse(_ message: String, knownApplications: [String]) -> Intent {
        let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        let application = findApplication(in: lower, known: knownApplications)

        if lower.contains(/\b(?:roll ?back|revert)\b/), let application {
            return .rollback(application: application)
        }
        if let match = text.firstMatch(of: /(?i)\b(?:run|trigger|start|execute)\b\s+(?:the\s+)?(?:pipeline\s+)?["'“]([^"'”]+)["'”]/) {
            let pipeline = String(match.1)
            var parameters: [String: String] = [:]
            for pair in text.matches(of: /(\w+)=([^\s,]+)/) { parameters[String(pair.1)] = String(pair.2) }
            if let application { return .trigger(application: application, pipeline: pipeline, parameters: parameters) }
        }
        if let id = text.firstMatch(of: /\b([0-9A-HJKMNP-TV-Z]{26}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/),
           lower.contains("log") || lower.contains("error") || lower.contains("why") || lower.contains("fail") {
            return .executionLogs(executionId: String(id.1))
        }
        if lower.contains("health") || lower.contains("healthy") || lower.contains("instances") || lower.contains("server group") {
            if let application { return .health(application: application) }
        }
        if lower.contains("configured") || lower.contains("pipeline config") || lower.contains("pipelines are") || lower.contains("which pipelines") {
            if let application { return .pipelineConfigs(application: application) }
        }
        if lower.contains("what happened") || lower.contains("why did") || lower.contains("what went wrong") || lower.contains("status of") {
            if let application { return .whatHappened(application: application) }
        }
        if lower.contains("deploy") || lower.contains("pipeline") || lower.contains("execution") || lower.contains("recent") {
            return .recentPipelines(application: application)
        }
        return .help
    }

    /// The longest known application named in the text; else the word after "for", "of", "with" or "the".
    static func findApplication(in lower: String, known: [String]) -> String? {
        let words = Set(lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "_" }).map(String.init))
        if let hit = known.sorted(by: { $0.count > $1.count }).first(where: { words.contains($0.lowercased()) }) { return hit }
        let stop: Set<String> = ["the", "a", "an", "my", "our", "last", "latest", "recent", "spinnaker", "deployment", "deployments", "pipeline",
                                 "pipelines", "application", "app", "me", "all", "it", "this"]
        let tokens = lower.split(whereSeparator: { $0 == " " || $0 == "?" || $0 == "," || $0 == "." }).map(String.init)
        for (index, token) in tokens.enumerated() where ["for", "of", "with", "back"].contains(token) {
            for candidate in tokens.dropFirst(index + 1) where !stop.contains(candidate) {
                return candidate
            }
        }
        return nil
    }
}
