import ArgumentParser
import LookoutCore
import LookoutServer
import LookoutStore
import Logging
import Foundation

/// `lookout user add --email E --password P --role admin|operator|viewer [--org NAME]`
struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user to an organisation (created if new).")

        @OptionGroup var common: CommonOptions
        @Option var email: String
        @Option var password: String
        @Option var role: String
        @Option var org: String = "default"

        func run() async throws {
            guard let parsedRole = Role(rawValue: role) else { fail("Invalid --role '\(role)': expected admin, operator or viewer.") }
            let configuration: LookoutConfiguration
            do { configuration = try common.configuration() } catch { fail("\(error)") }
            let dependencies = try await LookoutDependencies.open(configuration: configuration,
                                                                  logger: makeLogger(level: .warning))
            do {
                let user = try await dependencies.addUser(email: email, password: password, role: parsedRole, organisation: org)
                print("Added \(user.email) (\(parsedRole.rawValue)) to organisation \(org).")
            } catch {
                await dependencies.close()
                fail("\(error)")
            }
            await dependencies.close()
        }
    }
}
