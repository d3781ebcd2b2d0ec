import Foundation
import Hummingbird
import LookoutCore
import LookoutStore
import Spinnaker
import Logging

/// `GET /api/v1/deployments` and `GET /api/v1/deployments/{executionId}`: the execution timeline.
struct DeploymentsController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/deployments") { request, context in
            let principal = try context.require(.viewer)
            let query = request.uri.queryParameters
            let limit = try QueryLimit.parse(query["limit"].map(String.init), default: 50, max: 200)
            var status: ExecutionStatus?
            if let text = query["status"].map(String.init), !text.isEmpty {
                guard let parsed = ExecutionStatus(orca: text) else {
                    throw APIError.badRequest("Unknown status '\(text)'; use one of \(ExecutionStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                status = parsed
            }
            let application = query["application"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let page: ExecutionPage
            do {
                page = try await dependencies.executions.list(
                    organisationId: principal.organisationId, application: application, status: status, limit: limit,
                    cursor: query["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 })
            } catch StoreError.invalid(let message) {
                throw APIError.badRequest(message)
            }
            return try DeploymentList(deployments: page.executions.map(DeploymentSummary.init), nextCursor: page.nextCursor).response()
        }
        group.get("/deployments/:executionId") { _, context in
            let principal = try context.require(.viewer)
            let id = try context.parameters.require("executionId")
            guard let record = try await dependencies.executions.execution(organisationId: principal.organisationId, executionId: id) else {
                throw APIError.notFound("No deployment with execution id '\(id)'.")
            }
            let events = try await dependencies.executions.events(organisationId: principal.organisationId, executionId: id)
            return try DeploymentDetail(record: record, events: events).response()
        }
    }
}

enum QueryLimit {
    static func parse(_ text: String?, default value: Int, max: Int) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let n = Int(text), n >= 1 else { throw APIError.badRequest("limit must be a whole number from 1 to \(max).") }
        return min(n, max)
    }
}

struct DeploymentList: Encodable {
    var deployments: [DeploymentSummary]
    var nextCursor: String?
}

struct DeploymentSummary: Encodable {
    var executionId: String
    var application: String?
    var pipelineName: String?
    var type: String
    var status: String
    var triggerType: String?
    var triggerUser: String?
    var buildTime: Int64?
    var startTime: Int64?
    var endTime: Int64?
    var durationMs: Int64?
    var eventCount: Int
    var lastEventAt: Int64

    init(_ record: ExecutionRecord) {
        executionId = record.executionId
        application = record.application
        pipelineName = record.pipelineName
        type = record.executionType
        status = record.status.rawValue
        triggerType = record.triggerType
        triggerUser = record.triggerUser
        buildTime = record.buildTime
        startTime = record.startTime
        endTime = record.endTime
        durationMs = record.durationMs
        eventCount = record.eventCount
        lastEventAt = record.lastEventAt
    }
}

struct DeploymentDetail: Encodable {
    struct Failure: Encodable {
        var stageId: String
        var stageName: String
        var stageType: String
        var status: String
        var exceptionType: String?
        var messages: [String]
    }

    var deployment: DeploymentSummary
    var pipelineConfigId: String?
    var canceled: Bool
    var canceledBy: String?
    var cancellationReason: String?
    var trigger: TriggerSummary?
    var stages: [StageSnapshot]
    var failures: [Failure]
    var events: [ReceivedEvent]

    init(record: ExecutionRecord, events: [ReceivedEvent]) {
        deployment = DeploymentSummary(record)
        pipelineConfigId = record.pipelineConfigId
        let snapshot = record.snapshot
        canceled = snapshot?.canceled ?? false
        canceledBy = snapshot?.canceledBy
        cancellationReason = snapshot?.cancellationReason
        trigger = snapshot?.trigger
        stages = snapshot?.stages ?? []
        failures = (snapshot?.failedStages ?? []).map {
            Failure(stageId: $0.id, stageName: $0.name, stageType: $0.type, status: $0.status.rawValue,
                    exceptionType: $0.failure?.exceptionType, messages: $0.failure?.messages ?? [])
        }
        self.events = events
    }
}
