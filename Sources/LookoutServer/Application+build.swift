public import Hummingbird
import Logging
import LookoutCore
import LookoutStore
import ServiceLifecycle
import Foundation

/// Builds the application from its dependencies; `lookout serve` and the tests call the same code.
/// `--role api` serves the API without the job worker, `--role worker` runs the worker and serves only
/// health and metrics, `--role all` does both.
public func buildApplication(_ dependencies: LookoutDependencies, role: LookoutConfiguration.Role? = nil) -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let role = role ?? configuration.role
    var services: [any Service] = []
    if role != .api {
        services.append(makeJobWorker(dependencies))
    }
    return Application(
        router: buildRouter(dependencies, role: role),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "lookout"),
        services: services,
        logger: dependencies.logger
    )
}

/// The job worker with the handlers that need more than the database.
public func makeJobWorker(_ dependencies: LookoutDependencies) -> JobWorker {
    let rca = RCAService(dependencies: dependencies)
    return JobWorker(queue: dependencies.jobs, metrics: dependencies.metrics, logger: dependencies.logger, external: [
        .rcaGenerate: { job in
            let payload = try job.decodePayload(RCAGenerateJob.self)
            let report = try await rca.report(organisationId: job.organisationId, incidentId: payload.incidentId)
            return { db in
                let stored = try await RCAStore.insert(report, organisationId: job.organisationId, trigger: payload.trigger, in: db)
                return "RCA \(stored.id) for incident \(payload.incidentId)"
            }
        },
    ])
}

/// The routes. With `LOOKOUT_ENABLE_SPINNAKER=false` the Spinnaker routes are not registered, so they
/// answer 404 like any unknown path.
public func buildRouter(_ dependencies: LookoutDependencies, role: LookoutConfiguration.Role = .all) -> Router<LookoutRequestContext> {
    let router = Router(context: LookoutRequestContext.self)
    router.add(middleware: JSONErrorMiddleware())
    HealthController(dependencies: dependencies).addRoutes(to: router)
    guard role != .worker else { return router }

    let spinnakerEnabled = dependencies.configuration.enableSpinnaker
    if spinnakerEnabled {
        SpinnakerWebhookController(dependencies: dependencies).addRoutes(to: router)
    }
    let api = router.group("/api/v1").add(middleware: BearerAuthMiddleware(accounts: dependencies.accounts))
    if spinnakerEnabled {
        DeploymentsController(dependencies: dependencies).addRoutes(to: api)
        SpinnakerConnectorController(dependencies: dependencies).addRoutes(to: api)
    }
    let alerts = AlertsController(dependencies: dependencies)
    alerts.addRoutes(to: router)
    alerts.addRoutes(to: api)
    IncidentsController(dependencies: dependencies).addRoutes(to: api)
    SettingsController(dependencies: dependencies).addRoutes(to: api)
    DORAController(dependencies: dependencies).addRoutes(to: api)
    if spinnakerEnabled {
        ToolsController(dependencies: dependencies).addRoutes(to: api)
        ChatController(dependencies: dependencies).addRoutes(to: api)
        MCPController(dependencies: dependencies).addRoutes(to: router)
    }
    return router
}
