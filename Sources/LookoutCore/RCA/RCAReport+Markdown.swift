import Foundation
import Spinnaker

extension RCAReport {
    /// The report as Markdown, for people, chat and MCP.
    public var markdown: String {
        var out: [String] = []
        out.append("# RCA: \(title)")
        out.append("")
        out.append("**Probable cause** (confidence \(Int((probableCause.confidence * 100).rounded())) %): \(probableCause.text)")
        if let narrative {
            out.append("")
            out.append("## Narrative\(narrativeModel.map { " (\($0))" } ?? "")")
            out.append(narrative)
        }
        if let executionId {
            out.append("")
            out.append("## Deployment")
            out.append("- Execution `\(executionId)` of \(application ?? "?") — pipeline '\(pipelineName ?? "?")', status **\(status ?? "?")**")
            if let trigger {
                var line = "- Trigger: \(trigger.type ?? "unknown")"
                if let user = trigger.user { line += " by \(user)" }
                if let parent = trigger.parentPipelineName { line += ", parent pipeline '\(parent)'\(trigger.parentExecutionId.map { " (\($0))" } ?? "")" }
                if let build = trigger.build { line += ", build \(build.job ?? "") #\(build.number ?? "?")" }
                out.append(line)
                if !trigger.parameters.isEmpty {
                    out.append("- Parameters: " + trigger.parameters.keys.sorted().map { "\($0)=\(trigger.parameters[$0]!.stringValue ?? trigger.parameters[$0]!.serializedString())" }.joined(separator: ", "))
                }
                if !trigger.artifacts.isEmpty {
                    out.append("- Artifacts: " + trigger.artifacts.map { $0.reference ?? $0.name ?? "?" }.joined(separator: ", "))
                }
            }
        }
        if !failingStages.isEmpty {
            out.append("")
            out.append("## Failing stages")
            for stage in failingStages {
                out.append("- **\(stage.name)** (\(stage.type)) \(stage.status)\(stage.exceptionType.map { " — \($0)" } ?? "")")
                for message in stage.messages.prefix(5) { out.append("  - \(message.prefix(500))") }
            }
        }
        if let category {
            out.append("")
            out.append("## Failure category: \(category.name)")
            out.append("Evidence: \(category.evidence)")
        }
        out.append("")
        out.append("## What changed")
        out.append(changesNote)
        for change in changes { out.append("- \(change.sentence)") }
        out.append("")
        out.append("## Application health")
        if let health {
            out.append(health.summary)
            for cluster in health.clusters {
                out.append("- \(cluster.name) (\(cluster.account)/\(cluster.region)): \(cluster.verdict.rawValue), \(cluster.instances.up)/\(cluster.instances.total) up")
            }
        } else {
            out.append(healthNote ?? "Not available.")
        }
        if !alerts.isEmpty {
            out.append("")
            out.append("## Alerts")
            for alert in alerts { out.append("- \(alert.name) on \(alert.service ?? "?") (\(alert.severity ?? "?"), \(alert.status))\(alert.summary.map { ": \($0)" } ?? "")") }
        }
        if !suspects.isEmpty {
            out.append("")
            out.append("## Suspect deployments")
            for (rank, suspect) in suspects.enumerated() {
                out.append("\(rank + 1). `\(suspect.executionId)` \(suspect.application) '\(suspect.pipelineName ?? "?")' \(suspect.status) — score \(String(format: "%.2f", suspect.score)): \(suspect.reasons.joined(separator: "; "))")
            }
        }
        out.append("")
        out.append("## Next steps")
        for step in nextSteps { out.append("- \(step.text)") }
        if let narrativeError { out.append(""); out.append("_LLM narrative unavailable: \(narrativeError)_") }
        return out.joined(separator: "\n")
    }
}
