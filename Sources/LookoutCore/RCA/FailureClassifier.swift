public import Spinnaker

/// What kind of failure a run had, with the evidence that decided it.
public struct FailureCategory: Sendable, Codable, Equatable {
    public var name: String
    public var evidence: String
    public var confidence: Double
    /// What to do about this kind of failure.
    public var advice: String
}

/// Names the failure of a run from its failing stages' types and error texts. Rules are checked in
/// order; the first that matches decides. The words are Kubernetes', Clouddriver's and Orca's own.
public enum FailureClassifier {
    struct Rule {
        var name: String
        var stageTypes: Set<String>
        var patterns: [String]
        var advice: String
    }

    static let rules: [Rule] = [
        Rule(name: "image pull", stageTypes: [], patterns: ["imagepullbackoff", "errimagepull", "manifest unknown", "failed to pull image", "pull access denied", "image not found"],
             advice: "Check that the image tag exists in the registry and that the cluster can pull it (registry credentials)."),
        Rule(name: "manifest rollout timeout", stageTypes: [], patterns: ["did not stabilize", "waitformanifesttostabilize", "progressdeadlineexceeded", "timed out waiting", "rollout", "replicas unavailable", "not become available"],
             advice: "Look at the new pods' events and logs (kubectl describe/logs); the rollout never became available."),
        Rule(name: "health check", stageTypes: [], patterns: ["health check", "unhealthy", "waitforupinstances", "not healthy", "failed health", "instances did not come up"],
             advice: "The new instances failed their health checks: check readiness/health endpoints and startup logs."),
        Rule(name: "SpEL expression error", stageTypes: [], patterns: ["spelevaluationexception", "failed to evaluate", "expression evaluation", "spel"],
             advice: "Fix the pipeline expression named in the error; check the trigger parameters it reads."),
        Rule(name: "precondition failed", stageTypes: ["checkPreconditions"], patterns: ["precondition"],
             advice: "A precondition stopped the run on purpose; check the condition before re-running."),
        Rule(name: "lock held by another execution", stageTypes: [], patterns: ["lockfailureexception", "lock held"],
             advice: "Another execution holds the lock; wait for it or cancel it."),
        Rule(name: "insufficient capacity or quota", stageTypes: [], patterns: ["quota", "insufficient", "exceeded capacity", "limitexceeded", "insufficientinstancecapacity"],
             advice: "Raise the quota or capacity, or deploy to another region/zone."),
        Rule(name: "permission denied", stageTypes: [], patterns: ["access denied", "forbidden", "unauthorized", "not authorized", "permission"],
             advice: "The Spinnaker account lacks a permission; check the account's credentials and RBAC."),
        Rule(name: "bake failure", stageTypes: ["bake", "bakeManifest"], patterns: [],
             advice: "The bake failed: check the bake logs and the template/helm values it rendered."),
        Rule(name: "script or webhook stage failure", stageTypes: ["webhook", "script", "runJob", "runJobManifest", "jenkins", "travis", "wercker", "concourse"],
             patterns: ["webhook returned", "job failed", "exit code"],
             advice: "An external job failed: open its logs from the stage and fix the job or the service it called."),
    ]

    public static func classify(_ execution: ExecutionSnapshot) -> FailureCategory? {
        if execution.status == .canceled || (execution.canceled && execution.status != .terminal) {
            let by = execution.canceledBy.map { " by \($0)" } ?? ""
            let reason = execution.cancellationReason.map { ": \($0)" } ?? ""
            return FailureCategory(name: "canceled by a user", evidence: "execution canceled\(by)\(reason)", confidence: 0.95,
                                   advice: "Nothing broke: the run was stopped on purpose. Ask \(execution.canceledBy ?? "the person who canceled it") before re-running.")
        }
        let failed = execution.failedStages
        if let judgment = failed.first(where: { $0.type == "manualJudgment" }) {
            return FailureCategory(name: "manual judgment rejected",
                                   evidence: "stage '\(judgment.name)' ended \(judgment.status.rawValue)\(judgment.judgmentStatus.map { " (judgment: \($0))" } ?? "")",
                                   confidence: 0.9, advice: "A person stopped the promotion at '\(judgment.name)'; ask why before re-running.")
        }
        for stage in failed {
            let text = (stage.failure?.messages ?? []).joined(separator: " ").lowercased()
            let exception = stage.failure?.exceptionType?.lowercased() ?? ""
            for rule in rules {
                let byText = rule.patterns.first { text.contains($0) || exception.contains($0) }
                let byType = rule.stageTypes.contains(stage.type) && (rule.patterns.isEmpty || byText != nil)
                let matched = rule.stageTypes.isEmpty ? byText != nil : byType
                guard matched else { continue }
                let message = stage.failure?.messages.first.map { ": \($0.prefix(240))" } ?? ""
                let how = byText.map { "'\($0)' in" } ?? "type of"
                return FailureCategory(name: rule.name, evidence: "\(how) stage '\(stage.name)' (\(stage.type))\(message)",
                                       confidence: byText != nil ? 0.85 : 0.7, advice: rule.advice)
            }
        }
        if let stage = failed.first {
            return FailureCategory(name: "stage failure", evidence: "stage '\(stage.name)' (\(stage.type)) ended \(stage.status.rawValue)"
                                   + (stage.failure?.messages.first.map { ": \($0.prefix(240))" } ?? " with no error message"),
                                   confidence: 0.5, advice: "Read the stage's error and the logs of what it ran.")
        }
        return nil
    }
}
