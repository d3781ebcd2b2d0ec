/// An incident: something on-call engineers must look at. Opened by a failed pipeline (one per
/// execution, whatever number of failure events arrive) or, later, by alerts.
public struct Incident: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case open, resolved
    }

    public var id: String
    public var source: String
    public var executionId: String?
    public var application: String?
    /// The service the incident is about (application name, or the alert's service label).
    public var service: String?
    public var pipelineName: String?
    public var title: String
    public var severity: IncidentPolicy.Severity
    public var status: Status
    public var summary: String
    public var openedAt: Int64
    public var resolvedAt: Int64?
    public var updatedAt: Int64

    public init(id: String, source: String, executionId: String?, application: String?, service: String?, pipelineName: String?,
                title: String, severity: IncidentPolicy.Severity, status: Status, summary: String,
                openedAt: Int64, resolvedAt: Int64?, updatedAt: Int64) {
        self.id = id
        self.source = source
        self.executionId = executionId
        self.application = application
        self.service = service
        self.pipelineName = pipelineName
        self.title = title
        self.severity = severity
        self.status = status
        self.summary = summary
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.updatedAt = updatedAt
    }
}
