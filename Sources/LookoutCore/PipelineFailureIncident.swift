public import Spinnaker

/// Writes the title and summary of the incident a failed execution opens, from its snapshot.
public enum PipelineFailureIncident {
    public static func title(application: String?, pipeline: String?, status: ExecutionStatus) -> String {
        let what = pipeline.map { "Pipeline '\($0)'" } ?? "Execution"
        let app = application.map { " of \($0)" } ?? ""
        switch status {
        case .canceled: return "\(what)\(app) was canceled"
        case .stopped: return "\(what)\(app) stopped"
        default: return "\(what)\(app) failed (\(status.rawValue))"
        }
    }

    public static func summary(of snapshot: ExecutionSnapshot?) -> String {
        guard let snapshot else { return "No execution details were received." }
        var lines: [String] = []
        let failed = snapshot.failedStages
        if failed.isEmpty {
            lines.append("No stage reported an error.")
        }
        for stage in failed.prefix(3) {
            let message = stage.failure?.messages.first.map { ": \($0.prefix(300))" } ?? ""
            lines.append("Stage '\(stage.name)' (\(stage.type)) ended \(stage.status.rawValue)\(message)")
        }
        if snapshot.canceled {
            let by = snapshot.canceledBy.map { " by \($0)" } ?? ""
            let reason = snapshot.cancellationReason.map { ": \($0)" } ?? ""
            lines.append("Canceled\(by)\(reason)")
        }
        if let type = snapshot.trigger.type {
            let user = snapshot.trigger.user.map { " by \($0)" } ?? ""
            lines.append("Triggered (\(type))\(user)")
        }
        return lines.joined(separator: "\n")
    }
}
