import Foundation
public import Spinnaker

/// An alert (or an incident's first alert) as correlation sees it: its service-identifying labels
/// and when it started.
public struct AlertSignal: Sendable, Equatable {
    /// Label name → value, e.g. `service: payments-api`, `app.kubernetes.io/name: payments-api`.
    public var labels: [String: String]
    public var startsAt: Int64

    public init(labels: [String: String], startsAt: Int64) {
        self.labels = labels
        self.startsAt = startsAt
    }

    /// The label that names the service, in order of preference; also the incident's service.
    public var primaryService: String? {
        for key in ServiceMatcher.serviceLabels { if let value = labels[key], !value.isEmpty { return value.lowercased() } }
        return nil
    }
}

/// A deployment that could have caused an alert.
public struct DeploymentCandidate: Sendable, Equatable {
    public var executionId: String
    public var application: String
    public var pipelineName: String?
    public var status: ExecutionStatus
    public var startTime: Int64?
    public var endTime: Int64?
    /// Clusters, server groups and manifests the run deployed to.
    public var targets: [String]
    public var failedStage: String?

    public init(executionId: String, application: String, pipelineName: String?, status: ExecutionStatus, startTime: Int64?,
                endTime: Int64?, targets: [String], failedStage: String?) {
        self.executionId = executionId
        self.application = application
        self.pipelineName = pipelineName
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.targets = targets
        self.failedStage = failedStage
    }

    /// When the change took effect: the end of the run, or its start while it is still running.
    public var deployedAt: Int64? { endTime ?? startTime }
}

/// A ranked suspect with its score (0–1) and the reasons, in words.
public struct SuspectDeployment: Sendable, Codable, Equatable {
    public var executionId: String
    public var application: String
    public var pipelineName: String?
    public var status: String
    public var deployedAt: Int64?
    public var score: Double
    public var reasons: [String]

    public init(executionId: String, application: String, pipelineName: String?, status: String, deployedAt: Int64?,
                score: Double, reasons: [String]) {
        self.executionId = executionId
        self.application = application
        self.pipelineName = pipelineName
        self.status = status
        self.deployedAt = deployedAt
        self.score = score
        self.reasons = reasons
    }
}

/// Decides whether an alert's labels name a deployment's service. No topology graph: names are
/// compared directly — the Spinnaker application, user aliases, deployed cluster/server group/manifest
/// names (with the `-vNNN` version dropped) and Spinnaker monikers (`app-stack-detail`).
public enum ServiceMatcher {
    /// Labels that name a service, most specific first.
    public static let serviceLabels = ["service", "app.kubernetes.io/name", "app_kubernetes_io_name", "app", "application",
                                       "k8s_app", "service_name", "serviceName", "deployment", "kubernetes_deployment",
                                       "container", "workload", "job"]

    public struct Match: Sendable, Equatable {
        public var strength: Double
        public var reason: String
    }

    public static func match(labels: [String: String], candidate: DeploymentCandidate, aliases: [String: [String]]) -> Match? {
        let application = candidate.application.lowercased()
        let aliasNames = Set((aliases.first { $0.key.lowercased() == application }?.value ?? []).map { $0.lowercased() })
        let targets = candidate.targets.map { target -> String in
            // "deployment edge-proxy" (Kubernetes kind + name) → "edge-proxy"; "ledger-prod-v042" → "ledger-prod".
            let name = target.split(separator: " ").last.map(String.init) ?? target
            return stripVersion(name.lowercased())
        }
        var best: Match?
        func consider(_ strength: Double, _ reason: String) {
            if best == nil || strength > best!.strength { best = Match(strength: strength, reason: reason) }
        }
        for key in serviceLabels {
            guard let raw = labels[key]?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { continue }
            if raw == application {
                consider(1.0, "application \(candidate.application) = alert label \(key)")
            } else if aliasNames.contains(raw) {
                consider(0.95, "alert label \(key)=\(raw) is an alias of application \(candidate.application)")
            } else if let target = targets.first(where: { $0 == raw }) {
                consider(0.9, "deployed \(target) = alert label \(key)")
            } else if raw.hasPrefix(application + "-") || targets.contains(where: { raw.hasPrefix($0 + "-") }) {
                consider(0.6, "alert label \(key)=\(raw) follows the moniker of \(candidate.application) (app-stack-detail)")
            }
        }
        if let namespace = labels["namespace"]?.lowercased(), namespace == application {
            consider(0.45, "alert namespace \(namespace) = application \(candidate.application)")
        }
        return best
    }

    /// `checkout-prod-v017` → `checkout-prod`.
    public static func stripVersion(_ name: String) -> String {
        guard let range = name.range(of: #"-v\d{3,}$"#, options: .regularExpression) else { return name }
        return String(name[..<range.lowerBound])
    }
}

/// Ranks the deployments that most likely caused an alert: service match first, then how close in
/// time before the alert the change took effect, then whether the run failed. Successful runs are
/// suspects too — most bad changes deploy successfully.
public enum CorrelationEngine {
    /// A deployment this long after the alert started cannot have caused it.
    static let afterAlertTolerance: Int64 = 2 * 60_000

    public static func rank(_ signal: AlertSignal, candidates: [DeploymentCandidate], aliases: [String: [String]],
                            windowMs: Int64, limit: Int = 5) -> [SuspectDeployment] {
        var suspects: [(SuspectDeployment, Int64)] = []
        for candidate in candidates {
            guard let match = ServiceMatcher.match(labels: signal.labels, candidate: candidate, aliases: aliases),
                  let deployedAt = candidate.deployedAt else { continue }
            let startedAt = candidate.startTime ?? deployedAt
            let runningAtAlert = startedAt <= signal.startsAt && (candidate.endTime.map { $0 > signal.startsAt } ?? !candidate.status.isComplete)
            let lead = signal.startsAt - deployedAt
            guard lead >= -afterAlertTolerance || runningAtAlert, signal.startsAt - startedAt <= windowMs else { continue }

            var reasons = [timeReason(lead: lead, running: runningAtAlert)]
            reasons.append(match.reason)
            let minutes = Double(max(lead, 0)) / 60_000
            let timeFactor = runningAtAlert ? 1.0 : exp(-minutes / 45)
            let failureFactor: Double
            if candidate.status.isFailure || candidate.status == .canceled {
                failureFactor = 1
                reasons.append(candidate.failedStage.map { "pipeline failed at stage \($0)" } ?? "pipeline ended \(candidate.status.rawValue)")
            } else if runningAtAlert {
                failureFactor = 0.7
            } else {
                failureFactor = 0.3
            }
            let score = (0.55 * match.strength + 0.3 * timeFactor + 0.15 * failureFactor)
            suspects.append((SuspectDeployment(executionId: candidate.executionId, application: candidate.application,
                                               pipelineName: candidate.pipelineName, status: candidate.status.rawValue,
                                               deployedAt: deployedAt, score: (score * 1000).rounded() / 1000, reasons: reasons),
                             abs(lead)))
        }
        return suspects.sorted { a, b in a.0.score != b.0.score ? a.0.score > b.0.score : a.1 < b.1 }.prefix(limit).map(\.0)
    }

    static func timeReason(lead: Int64, running: Bool) -> String {
        if running { return "still deploying when the first alert fired" }
        if lead < 0 { return "finished \(duration(-lead)) after the first alert" }
        return "deployed \(duration(lead)) before the first alert"
    }

    /// "45 s", "6 min", "1 h 20 min".
    public static func duration(_ ms: Int64) -> String {
        let seconds = ms / 1000
        if seconds < 60 { return "\(seconds) s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes) min" }
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }
}
