public import ArgumentParser
import Foundation
import Logging
import LookoutServer
import LookoutStore
import LookoutCore

/// `lookout` — the root command; `serve` runs when no subcommand is given.
public struct LookoutCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lookout",
        abstract: "Watches Spinnaker deployments for on-call engineers.",
        subcommands: [Serve.self, Migrate.self, User.self, Token.self, Sim.self, MCPCommand.self, Demo.self],
        defaultSubcommand: Serve.self
    )

    public init() {}
}

/// Options every command that opens the database shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (LOOKOUT_DATA_DIR).")
    var dataDirectory: String?

    @Option(name: .customLong("database-url"), help: "sqlite:PATH or postgres://… (LOOKOUT_DATABASE_URL).")
    var databaseURL: String?

    /// The configuration from `.env`, the environment, then these flags.
    func configuration() throws -> LookoutConfiguration {
        var values = ProcessInfo.processInfo.environment
        if let dataDirectory { values["LOOKOUT_DATA_DIR"] = dataDirectory }
        if let databaseURL { values["LOOKOUT_DATABASE_URL"] = databaseURL }
        return try LookoutConfiguration.load(environment: values)
    }
}

func makeLogger(level: Logger.Level) -> Logger {
    var logger = Logger(label: "lookout")
    logger.logLevel = level
    return logger
}

/// Prints a start-up problem and exits non-zero, so a bad setting stops the process with its name.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lookout: \(message)\n".utf8))
    exit(2)
}

/// What the thin `lookout` executable calls.
public enum LookoutMain {
    public static func run() async {
        await LookoutCommand.main()
    }
}
