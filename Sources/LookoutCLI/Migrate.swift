import ArgumentParser
import LookoutServer
import LookoutStore
import LookoutCore
import Logging
import Foundation

/// `lookout migrate`: applies schema migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration: LookoutConfiguration
        do { configuration = try common.configuration() } catch { fail("\(error)") }
        let dependencies = try await LookoutDependencies.open(configuration: configuration,
                                                              logger: makeLogger(level: configuration.logLevel), migrate: false)
        let applied = try await Migrations.apply(to: dependencies.database)
        print(applied.isEmpty ? "Schema is up to date (version \(Migrations.latestVersion))."
                              : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
        await dependencies.close()
    }
}
