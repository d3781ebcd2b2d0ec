public import Spinnaker

/// Per-organisation behaviour that an admin can change at `PUT /api/v1/settings`.
public struct OrganisationSettings: Sendable, Codable, Equatable {
    /// Final statuses that open an incident. Allowed: TERMINAL, CANCELED, STOPPED.
    public var createIncidentFor: [ExecutionStatus]
    /// "Automatic RCA on deployment failures": separate from incident creation.
    public var autoRca: Bool
    /// How far back from an alert deployments are considered as suspects.
    public var correlationWindowMinutes: Int
    /// Extra names a Spinnaker application is known by in alerts: `{"payments-api": ["payments", "pay-svc"]}`.
    public var serviceAliases: [String: [String]]

    public static let incidentStatuses: [ExecutionStatus] = [.terminal, .canceled, .stopped]

    public static let defaults = OrganisationSettings(
        createIncidentFor: incidentStatuses, autoRca: true, correlationWindowMinutes: 120, serviceAliases: [:]
    )

    public init(createIncidentFor: [ExecutionStatus], autoRca: Bool, correlationWindowMinutes: Int,
                serviceAliases: [String: [String]]) {
        self.createIncidentFor = createIncidentFor
        self.autoRca = autoRca
        self.correlationWindowMinutes = correlationWindowMinutes
        self.serviceAliases = serviceAliases
    }

    /// Problems that make these settings unusable, one sentence each; empty when valid.
    public var problems: [String] {
        var found: [String] = []
        for status in createIncidentFor where !Self.incidentStatuses.contains(status) {
            found.append("createIncidentFor may hold TERMINAL, CANCELED or STOPPED, not \(status.rawValue)")
        }
        if !(5...10_080).contains(correlationWindowMinutes) {
            found.append("correlationWindowMinutes must be between 5 and 10080")
        }
        for (app, aliases) in serviceAliases where app.isEmpty || aliases.contains(where: \.isEmpty) {
            found.append("serviceAliases may not hold empty names")
        }
        return found
    }
}

/// When a finished execution opens an incident, and how bad it is.
public enum IncidentPolicy {
    public enum Severity: String, Sendable, Codable {
        case critical, high, medium, low
    }

    public static func severity(for status: ExecutionStatus) -> Severity? {
        switch status {
        case .terminal: return .critical
        case .canceled, .stopped: return .medium
        default: return nil
        }
    }

    /// Whether an execution that ended with `status` opens an incident under `settings`.
    /// FAILED_CONTINUE and successful runs never do.
    public static func opensIncident(_ status: ExecutionStatus, settings: OrganisationSettings) -> Bool {
        severity(for: status) != nil && settings.createIncidentFor.contains(status)
    }
}
