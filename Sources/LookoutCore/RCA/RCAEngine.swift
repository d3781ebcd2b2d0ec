import Foundation
import Spinnaker

/// The deterministic root-cause analysis: no LLM, the same evidence always gives the same report.
public enum RCAEngine {
    public static func analyse(_ evidence: RCAEvidence) -> RCAReport {
        let execution = evidence.execution
        let failing = (execution?.failedStages ?? []).map {
            RCAReport.FailingStage(id: $0.id, name: $0.name, type: $0.type, status: $0.status.rawValue, exceptionType: $0.failure?.exceptionType,
                                   messages: $0.failure?.messages ?? [], sources: $0.failure?.sources ?? [], durationMs: $0.durationMs)
        }
        let category = execution.flatMap(FailureClassifier.classify)

        var changes: [ExecutionChange] = []
        let changesNote: String
        if let previous = evidence.previousSuccess, let current = evidence.executionJSON {
            changes = ExecutionChanges.between(previous: previous.json, current: current)
            changesNote = changes.isEmpty
                ? "Nothing differs from the last successful run (\(previous.id)) in parameters, artifacts, images, build or stages."
                : "Compared with the last successful run of the same pipeline (\(previous.id))."
        } else if execution != nil {
            changesNote = "No earlier successful run of this pipeline is known, so nothing to compare with."
        } else {
            changesNote = "No deployment to compare."
        }

        let cause = probableCause(evidence: evidence, category: category, changes: changes, failing: failing)
        var steps: [RCAReport.NextStep] = []
        if let category { steps.append(.init(text: category.advice, rollback: nil)) }
        if let rollback = evidence.rollback, category?.name != "canceled by a user" {
            steps.append(.init(text: "Roll back: \(rollback.sentence). Lookout runs it only after a person confirms.", rollback: rollback))
        }
        if let health = evidence.health, health.verdict != .healthy {
            steps.append(.init(text: "Watch application health: \(health.summary).", rollback: nil))
        }
        if let good = changes.first(where: { $0.kind == .parameter || $0.kind == .artifact || $0.kind == .image }), let before = good.before {
            steps.append(.init(text: "The last good run used \(good.name) = \(before); redeploying that is the quickest known-good state.", rollback: nil))
        }
        if evidence.incident.source == "alert" && evidence.suspects.isEmpty {
            steps.append(.init(text: "No deployment of this service in the last \(evidence.correlationWindowMinutes) minutes: look at traffic, dependencies and infrastructure.", rollback: nil))
        }

        return RCAReport(
            incidentId: evidence.incident.id, generatedAt: evidence.generatedAt, engine: "deterministic", title: evidence.incident.title,
            executionId: execution?.id, application: execution?.application ?? evidence.incident.application,
            pipelineName: execution?.name, status: execution?.status.rawValue, failingStages: failing, category: category,
            trigger: execution?.trigger, changes: changes, comparedWithExecutionId: evidence.previousSuccess?.id, changesNote: changesNote,
            health: evidence.health, healthNote: evidence.healthNote, alerts: evidence.alerts, suspects: evidence.suspects,
            probableCause: cause, nextSteps: steps, narrative: nil, narrativeModel: nil, narrativeError: nil)
    }

    static func probableCause(evidence: RCAEvidence, category: FailureCategory?, changes: [ExecutionChange],
                              failing: [RCAReport.FailingStage]) -> RCAReport.ProbableCause {
        let changeText = changes.prefix(3).map(\.sentence).joined(separator: "; ")
        if evidence.incident.source == "pipeline", let category {
            var text = category.name == "canceled by a user" ? "Not a failure: \(category.evidence)." : "\(category.name.capitalizedFirst) — \(category.evidence)."
            var confidence = category.confidence
            if !changeText.isEmpty && category.name != "canceled by a user" {
                text += " This is the first run after: \(changeText)."
                confidence = min(0.95, confidence + 0.05)
            }
            return .init(text: text, confidence: (confidence * 100).rounded() / 100)
        }
        if let top = evidence.suspects.first {
            let second = evidence.suspects.dropFirst().first?.score ?? 0
            let margin = top.score - second
            let confidence = min(0.95, top.score * (margin > 0.1 ? 1 : 0.8))
            var text = "Deployment \(top.executionId) of \(top.application)\(top.pipelineName.map { " ('\($0)')" } ?? ""): \(top.reasons.joined(separator: ", "))."
            if let category, evidence.execution?.id == top.executionId { text += " It failed with \(category.name): \(category.evidence)." }
            if !changeText.isEmpty { text += " It changed: \(changeText)." }
            return .init(text: text, confidence: (confidence * 100).rounded() / 100)
        }
        if let stage = failing.first {
            return .init(text: "Stage '\(stage.name)' ended \(stage.status)\(stage.messages.first.map { ": \($0)" } ?? " without an error message").",
                         confidence: 0.4)
        }
        return .init(text: "No deployment correlates with this incident within \(evidence.correlationWindowMinutes) minutes; the cause is probably not a Spinnaker change.",
                     confidence: 0.2)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
