import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutCore
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import SpinnakerSimulator
import SQLKit
import Testing

/// A Lookout with its own SQLite database in a temporary directory, built by the same
/// `LookoutDependencies.open` and `buildApplication` as `lookout serve`.
struct TestHarness {
    let dependencies: LookoutDependencies
    let directory: URL
    /// The PostgreSQL database made for this test, dropped at the end.
    var postgresDatabase: String?

    static func make(_ configure: (inout LookoutConfiguration) -> Void = { _ in }, logger customLogger: Logger? = nil) async throws -> TestHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-test-\(UUID().uuidString)")
        var configuration = LookoutConfiguration()
        configuration.dataDirectory = directory.path
        configuration.publicURL = "https://lookout.example.com"
        // With LOOKOUT_TEST_DATABASE_URL (postgres://…), every test gets a database of its own there.
        var postgresDatabase: String?
        if let admin = Components.environment("LOOKOUT_TEST_DATABASE_URL") {
            let name = "lookout_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
            try await Self.postgresAdmin(admin) { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            var components = URLComponents(string: admin)!
            components.path = "/\(name)"
            configuration.databaseURL = components.string
            postgresDatabase = name
        }
        configure(&configuration)
        var logger = customLogger ?? Logger(label: "lookout-test")
        if customLogger == nil { logger.logLevel = .warning }
        let dependencies = try await LookoutDependencies.open(configuration: configuration, logger: logger)
        return TestHarness(dependencies: dependencies, directory: directory, postgresDatabase: postgresDatabase)
    }

    static func postgresAdmin(_ url: String, _ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        var logger = Logger(label: "pg-admin")
        logger.logLevel = .warning
        let admin = try await Database.openPostgres(url: url, maximumConnections: 1, logger: logger)
        do { try await admin.read(body) } catch { await admin.close(); throw error }
        await admin.close()
    }

    /// An organisation with one user per role, their API tokens, and the webhook token.
    struct Tenant {
        var organisation: Organisation
        var admin: String
        var operatorToken: String
        var viewer: String
        var webhookToken: String
    }

    func tenant(_ name: String) async throws -> Tenant {
        var tokens: [Role: String] = [:]
        for role in Role.allCases {
            let email = "\(role.rawValue)@\(name).example.com"
            _ = try await dependencies.addUser(email: email, password: "correct horse battery", role: role, organisation: name)
            tokens[role] = try await dependencies.createAPIToken(email: email, name: "test")
        }
        let organisation = try #require(try await dependencies.accounts.organisation(named: name))
        let webhook = try #require(try await dependencies.webhookToken(organisationId: organisation.id))
        return Tenant(organisation: organisation, admin: tokens[.admin]!, operatorToken: tokens[.operator]!, viewer: tokens[.viewer]!,
                      webhookToken: webhook)
    }

    /// Runs `body` with a fresh harness and closes its database afterwards, whatever happens.
    static func run(_ configure: (inout LookoutConfiguration) -> Void = { _ in }, logger: Logger? = nil,
                    _ body: (TestHarness) async throws -> Void) async throws {
        let harness = try await make(configure, logger: logger)
        do {
            try await body(harness)
        } catch {
            await harness.close()
            throw error
        }
        await harness.close()
    }

    func close() async {
        await dependencies.close()
        try? FileManager.default.removeItem(at: directory)
        if let name = postgresDatabase, let admin = Components.environment("LOOKOUT_TEST_DATABASE_URL") {
            try? await Self.postgresAdmin(admin) { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
        }
    }

    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await buildApplication(dependencies).test(.router, body)
    }
}

extension TestClientProtocol {
    /// POSTs an Echo event to the webhook with the token in the URL.
    func postEvent(_ event: JSONValue, token: String, contentType: String = "application/json; charset=UTF-8") async throws -> TestResponse {
        try await execute(uri: "/spinnaker/webhook/\(token)", method: .post, headers: [.contentType: contentType],
                          body: ByteBuffer(bytes: SyntheticEcho.body(event)))
    }

    func get(_ uri: String, token: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
    }

    func json(_ uri: String, token: String) async throws -> JSONValue {
        let response = try await get(uri, token: token)
        #expect(response.status == .ok, "GET \(uri) answered \(response.status)")
        return try JSONValue.parse(Data(buffer: response.body))
    }

    /// Waits for the background worker to open `count` incidents (it polls every 200 ms).
    func waitForIncidents(_ count: Int, token: String, timeout: Duration = .seconds(10)) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let incidents = try await json("/api/v1/incidents", token: token)["incidents"]?.arrayValue ?? []
            if incidents.count >= count || ContinuousClock.now > deadline { return incidents }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Runs the Gate simulator on a free port for the duration of `body`.
func withGateSimulator<T: Sendable>(username: String? = nil, password: String? = nil,
                                    _ body: (Int, GateSimulator) async throws -> T) async throws -> T {
    let simulator = GateSimulator(username: username, password: password)
    let port = try Components.freePort()
    var logger = Logger(label: "gate-sim")
    logger.logLevel = .warning
    let app = simulator.application(port: port, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        do {
            try await Components.waitForPort(port)
            let result = try await body(port, simulator)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String, json: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var json: JSONValue? { try? JSONValue.parse(Data(buffer: body)) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
}

import NIOCore

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
