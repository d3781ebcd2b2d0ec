import ArgumentParser
import Foundation
import Hummingbird
import Logging
import LookoutServer
import LookoutStore
import LookoutCore

/// `lookout serve [--role api|worker|all]`: the HTTP server and the job worker.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server and the background worker.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Bind address (LOOKOUT_HOST).")
    var host: String?

    @Option(help: "Port (LOOKOUT_PORT).")
    var port: Int?

    @Option(help: "api, worker or all.")
    var role: String = "all"

    func run() async throws {
        var configuration: LookoutConfiguration
        do {
            configuration = try common.configuration()
        } catch {
            fail("\(error)")
        }
        if let host { configuration.host = host }
        if let port {
            guard (1...65535).contains(port) else { fail("Invalid --port \(port): expected 1–65535.") }
            configuration.port = port
        }
        guard let parsedRole = LookoutConfiguration.Role(rawValue: role) else { fail("Invalid --role '\(role)': expected api, worker or all.") }
        configuration.role = parsedRole
        let logger = makeLogger(level: configuration.logLevel)

        let dependencies: LookoutDependencies
        do {
            dependencies = try await LookoutDependencies.open(configuration: configuration, logger: logger)
        } catch {
            fail("cannot open the database: \(error)")
        }
        if let admin = try await dependencies.bootstrapAdminIfNeeded() {
            if let password = admin.generatedPassword {
                // Printed once, to the terminal, never logged.
                print("Created the first admin: \(admin.email) with password \(password) (shown only now).")
            } else {
                print("Created the first admin: \(admin.email).")
            }
            fflush(nil)  // flush every stream: `stdout` itself is not concurrency-safe to name
        }
        logger.info("lookout starting", metadata: [
            "address": "\(configuration.host):\(configuration.port)", "role": "\(parsedRole.rawValue)",
            "database": "\(configuration.databaseURL == nil ? "sqlite" : "configured")",
            "spinnaker": "\(configuration.enableSpinnaker)",
        ])
        let app = buildApplication(dependencies)
        try await app.runService()
        await dependencies.close()
    }
}
