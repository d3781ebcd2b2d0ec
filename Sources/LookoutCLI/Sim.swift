import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Spinnaker
import SpinnakerSimulator

/// `lookout sim`: a standalone Gate API simulator, and optionally an Echo emitter that plays pipeline
/// runs (success, TERMINAL, CANCELED, STOPPED, FAILED_CONTINUE) to a Lookout webhook.
struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a Spinnaker Gate simulator (and emit Echo events).")

    @Option(help: "Bind address.") var host = "127.0.0.1"
    @Option(help: "Port (Gate's default is 8084).") var port = 8084
    @Option(help: "Require HTTP Basic with this user.") var username: String?
    @Option(help: "Password for --username.") var password: String?
    @Option(name: .customLong("emit-to"), help: "Webhook URL to send Echo events to once the simulator is up.") var emitTo: String?
    @Option(name: .customLong("emit-header"), help: "Extra header for the webhook, e.g. 'Authorization: Bearer whk_…'.") var emitHeader: String?
    @Option(help: "Scenario to emit: all, \(EchoScenario.allCases.map(\.rawValue).joined(separator: ", ")).") var scenario = "all"
    @Option(name: .customLong("delay-ms"), help: "Pause between events.") var delayMs = 50

    func run() async throws {
        let scenarios: [EchoScenario]
        if scenario == "all" {
            scenarios = EchoScenario.allCases
        } else {
            guard let one = EchoScenario(rawValue: scenario) else { fail("Unknown --scenario \(scenario).") }
            scenarios = [one]
        }
        var headers: [String: String] = [:]
        if let emitHeader {
            let parts = emitHeader.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { fail("--emit-header must look like 'Name: value'.") }
            headers[parts[0]] = parts[1]
        }
        let simulator = GateSimulator(username: username, password: password)
        var logger = Logger(label: "spinnaker-sim")
        logger.logLevel = .info
        let emitTo = self.emitTo
        let emitHeaders = headers
        let delay = Duration.milliseconds(delayMs)
        let app = simulator.application(host: host, port: port, logger: logger) { port in
            print("Gate simulator listening on http://\(host):\(port)")
            guard let emitTo else { return }
            let emitter = EchoEmitter(webhookURL: emitTo, headers: emitHeaders)
            for (index, scenario) in scenarios.enumerated() {
                let start = Int64(Date().timeIntervalSince1970 * 1000) - Int64(scenarios.count - index) * 300_000
                do {
                    let statuses = try await emitter.play(scenario.execution(startTime: start), catalog: simulator.catalog, delay: delay)
                    print("emitted \(scenario.rawValue): \(statuses.count) events, HTTP \(Set(statuses).sorted())")
                } catch {
                    print("emitting \(scenario.rawValue) failed: \(error)")
                }
            }
            fflush(nil)
        }
        try await app.runService()
    }
}
