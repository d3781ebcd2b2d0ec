import ArgumentParser
import Foundation
import Hummingbird
import Logging
import LookoutCore
import LookoutServer
import LookoutStore
import ServiceLifecycle
import UnixSignals
import Spinnaker
import SpinnakerSimulator

/// `lookout demo`: Lookout with the built-in Gate simulator connected, fed with realistic pipeline
/// runs (success, TERMINAL, CANCELED, STOPPED, FAILED_CONTINUE) and an Alertmanager alert, so a
/// newcomer sees deployments, incidents with suspects, RCA reports, health and the chat filled in.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run Lookout with a simulated Spinnaker and sample events.")

    @Option(help: "Port for Lookout.") var port = 5080
    @Option(name: .customLong("data-dir"), help: "Data directory (a fresh demo database is fine to delete).") var dataDirectory = "./.lookout-demo"

    func run() async throws {
        var configuration = try LookoutConfiguration.load(environment: ["LOOKOUT_DATA_DIR": dataDirectory])
        configuration.dataDirectory = dataDirectory
        configuration.databaseURL = nil
        configuration.port = port
        configuration.adminEmail = "demo@lookout.local"
        configuration.adminPassword = "lookout-demo"
        var logger = Logger(label: "lookout")
        logger.logLevel = .warning
        let dependencies = try await LookoutDependencies.open(configuration: configuration, logger: logger)
        _ = try await dependencies.bootstrapAdminIfNeeded()
        let token = try await dependencies.createAPIToken(email: "demo@lookout.local", name: "demo")
        let simulatorPort = port + 1
        let simulator = GateSimulator()
        let simulatorApp = simulator.application(port: simulatorPort, logger: logger)
        let app = buildApplication(dependencies)
        let feeder = DemoFeeder(dependencies: dependencies, simulator: simulator, simulatorPort: simulatorPort, lookoutPort: port, token: token)
        let group = ServiceGroup(configuration: .init(services: [app, simulatorApp, feeder], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        await dependencies.close()
    }
}

/// Connects the simulator, plays the scenarios and an alert, then prints where to look.
struct DemoFeeder: Service {
    let dependencies: LookoutDependencies
    let simulator: GateSimulator
    let simulatorPort: Int
    let lookoutPort: Int
    let token: String

    func run() async throws {
        try await Task.sleep(for: .milliseconds(500))
        let organisation = try await dependencies.ensureOrganisation(named: "default")
        let request = try JSONDecoder().decode(SpinnakerConnector.ConnectRequest.self, from: Data(
            #"{"gateUrl":"http://127.0.0.1:\#(simulatorPort)","authMethod":"basic","token":"demo"}"#.utf8))
        _ = try? await dependencies.spinnaker.connect(organisationId: organisation.id, request: request)
        let webhookToken = try await dependencies.webhookToken(organisationId: organisation.id) ?? ""
        let base = "http://127.0.0.1:\(lookoutPort)"
        let emitter = EchoEmitter(webhookURL: "\(base)/spinnaker/webhook/\(webhookToken)")
        let now = EpochMillis.now()
        for (index, scenario) in EchoScenario.allCases.enumerated() {
            _ = try? await emitter.play(scenario.execution(startTime: now - Int64(EchoScenario.allCases.count - index) * 6 * 60_000),
                                        catalog: simulator.catalog)
        }
        let alert = EchoEmitter(webhookURL: "\(base)/alerts/alertmanager/\(webhookToken)")
        let startsAt = Date(timeIntervalSince1970: Double(now - 60_000) / 1000).formatted(.iso8601)
        _ = try? await alert.post(["version": "4", "status": "firing", "alerts": [[
            "status": "firing", "labels": ["alertname": "HighErrorRate", "service": "payments-api", "severity": "critical"],
            "annotations": ["summary": "5xx above 5% on payments-api"], "startsAt": .string(startsAt), "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": "demo-payments-5xx"]]])
        print("""

            Lookout demo is running on \(base) (Gate simulator on http://127.0.0.1:\(simulatorPort)).
            Admin: demo@lookout.local / lookout-demo    API token: \(token)

            Try:
              curl -s -H 'Authorization: Bearer \(token)' \(base)/api/v1/deployments
              curl -s -H 'Authorization: Bearer \(token)' \(base)/api/v1/incidents
              curl -s -H 'Authorization: Bearer \(token)' -H 'Content-Type: application/json' \(base)/api/v1/chat \\
                   -d '{"message":"What happened with the api-gateway deployment?"}'
            Stop with Ctrl-C.
            """)
        fflush(nil)
        try await gracefulShutdown()
    }
}
