import ArgumentParser
import LookoutServer
import LookoutStore
import LookoutCore
import Logging
import Foundation

/// `lookout token create --email E [--name N]`: prints a new API token once.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for a user and print it once.")

        @OptionGroup var common: CommonOptions
        @Option var email: String
        @Option var name: String = "cli"

        func run() async throws {
            let configuration: LookoutConfiguration
            do { configuration = try common.configuration() } catch { fail("\(error)") }
            let dependencies = try await LookoutDependencies.open(configuration: configuration,
                                                                  logger: makeLogger(level: .warning))
            do {
                let token = try await dependencies.createAPIToken(email: email, name: name)
                print(token)
            } catch {
                await dependencies.close()
                fail("\(error)")
            }
            await dependencies.close()
        }
    }
}
