public import Spinnaker

/// One finished deployment, as DORA counts it.
public struct DORADeployment: Sendable {
    public var executionId: String
    public var application: String
    public var pipelineKey: String
    public var status: ExecutionStatus
    public var finishedAt: Int64

    public init(executionId: String, application: String, pipelineKey: String, status: ExecutionStatus, finishedAt: Int64) {
        self.executionId = executionId
        self.application = application
        self.pipelineKey = pipelineKey
        self.status = status
        self.finishedAt = finishedAt
    }
}

/// The DORA figures Lookout can know from Spinnaker: deployment frequency, change failure rate (failed
/// deployments and deployments that are the top suspect of an incident), and time to restore (resolved
/// incidents, and failed deployments until the next successful run of the same pipeline).
public struct DORAFigures: Sendable, Codable, Equatable {
    public struct TimeToRestore: Sendable, Codable, Equatable {
        public var medianMinutes: Double?
        public var meanMinutes: Double?
        public var samples: Int
    }

    public var application: String?
    public var days: Int
    public var deployments: Int
    public var deploymentsPerDay: Double
    public var failedDeployments: Int
    public var deploymentsLinkedToIncidents: Int
    public var changeFailureRate: Double?
    public var timeToRestore: TimeToRestore
    public var band: String

    public static func compute(application: String?, days: Int, deployments: [DORADeployment], causedIncidents: Set<String>,
                               resolvedIncidentDurations: [Int64]) -> DORAFigures {
        let failed = deployments.filter { $0.status.isFailure || $0.status == .canceled }
        let failedIds = Set(failed.map(\.executionId))
        let linked = deployments.filter { causedIncidents.contains($0.executionId) && !failedIds.contains($0.executionId) }
        var restores = resolvedIncidentDurations
        let byPipeline = Dictionary(grouping: deployments, by: \.pipelineKey)
        for run in failed where run.status != .canceled {
            if let next = byPipeline[run.pipelineKey]?.filter({ $0.status == .succeeded && $0.finishedAt > run.finishedAt })
                .min(by: { $0.finishedAt < $1.finishedAt }) {
                restores.append(next.finishedAt - run.finishedAt)
            }
        }
        let minutes = restores.map { Double($0) / 60_000 }.sorted()
        let median: Double? = minutes.isEmpty ? nil : (minutes.count % 2 == 1 ? minutes[minutes.count / 2]
                                                      : (minutes[minutes.count / 2 - 1] + minutes[minutes.count / 2]) / 2)
        let perDay = Double(deployments.count) / Double(max(days, 1))
        let rate = deployments.isEmpty ? nil : Double(failed.count + linked.count) / Double(deployments.count)
        return DORAFigures(
            application: application, days: days, deployments: deployments.count, deploymentsPerDay: (perDay * 100).rounded() / 100,
            failedDeployments: failed.count, deploymentsLinkedToIncidents: linked.count,
            changeFailureRate: rate.map { ($0 * 1000).rounded() / 1000 },
            timeToRestore: TimeToRestore(medianMinutes: median.map { ($0 * 10).rounded() / 10 },
                                         meanMinutes: minutes.isEmpty ? nil : ((minutes.reduce(0, +) / Double(minutes.count)) * 10).rounded() / 10,
                                         samples: minutes.count),
            band: band(perDay: perDay, failureRate: rate, medianRestoreMinutes: median))
    }

    /// The DORA performance band of deployment frequency and change failure rate (elite, high, medium, low).
    static func band(perDay: Double, failureRate: Double?, medianRestoreMinutes: Double?) -> String {
        guard let failureRate else { return "no deployments" }
        if perDay >= 1 && failureRate <= 0.15 && (medianRestoreMinutes ?? 0) < 60 { return "elite" }
        if perDay >= 1.0 / 7 && failureRate <= 0.2 && (medianRestoreMinutes ?? 0) < 1_440 { return "high" }
        if perDay >= 1.0 / 30 && failureRate <= 0.3 { return "medium" }
        return "low"
    }
}
