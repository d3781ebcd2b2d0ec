import Foundation
public import Logging
import LookoutCore
public import LookoutSecrets
public import LookoutStore
public import Spinnaker

/// The organisation's Gate connection: validate and store, status, re-check, disconnect, and a
/// client per organisation for everything that calls Gate. Credentials are kept in the `SecretStore`
/// as one sealed JSON document; the cached client is rebuilt whenever the stored connection's
/// version changes (a reconnect in this or another process), so new credentials are never skipped.
public actor SpinnakerConnector {
    static let secretName = "spinnaker-gate"

    let connections: SpinnakerConnectionStore
    let secrets: any SecretStore
    let policy: GateURLPolicy
    let logger: Logger
    private var clients: [String: (version: Int64, client: GateClient)] = [:]

    public init(connections: SpinnakerConnectionStore, secrets: any SecretStore, policy: GateURLPolicy, logger: Logger) {
        self.connections = connections
        self.secrets = secrets
        self.policy = policy
        self.logger = logger
    }

    public struct ConnectRequest: Sendable, Decodable {
        public var gateUrl: String
        public var authMethod: String
        public var username: String?
        public var password: String?
        public var token: String?
        public var certificatePem: String?
        public var privateKeyPem: String?
        public var caBundlePem: String?
    }

    public enum ConnectError: Error, CustomStringConvertible {
        /// The request itself is wrong (422).
        case invalid(String)
        /// Gate refused or could not be reached (502).
        case gate(GateError)
        /// The secret store failed (503).
        case secrets(String)

        public var description: String {
            switch self {
            case .invalid(let why): return why
            case .gate(let error): return error.description
            case .secrets(let why): return why
            }
        }
    }

    /// Validates live with `GET /credentials`, then stores the credentials and the connection.
    public func connect(organisationId: String, request: ConnectRequest) async throws(ConnectError) -> SpinnakerConnection {
        guard let method = GateCredentials.Method(rawValue: request.authMethod) else {
            throw .invalid("authMethod must be 'basic' or 'x509'.")
        }
        let credentials = GateCredentials(
            method: method, username: request.username?.nilIfBlank, password: request.password?.nilIfBlank,
            token: request.token?.nilIfBlank, certificatePEM: request.certificatePem?.nilIfBlank,
            privateKeyPEM: request.privateKeyPem?.nilIfBlank, caBundlePEM: request.caBundlePem?.nilIfBlank)
        if let problem = credentials.problems.first { throw .invalid(problem.prefix(1).uppercased() + problem.dropFirst() + ".") }
        let url: URL
        let client: GateClient
        do {
            url = try policy.check(request.gateUrl)
            client = try GateClient(baseURL: url, credentials: credentials)
        } catch {
            throw .invalid(error.description)
        }
        let accounts: [GateAccount]
        let applicationCount: Int?
        do {
            accounts = try await client.credentialsList().map(GateAccount.init(json:))
            applicationCount = try? await client.applications().count
        } catch {
            await client.shutdown()
            logger.info("Gate validation failed", metadata: ["org": "\(organisationId)", "error": "\(error.description)"])
            throw .gate(error)
        }
        let connection: SpinnakerConnection
        do {
            let document = String(decoding: try JSONEncoder().encode(credentials), as: UTF8.self)
            try await secrets.put(organisationId: organisationId, name: Self.secretName, value: document)
            connection = try await connections.save(
                organisationId: organisationId, gateURL: url.absoluteString, authMethod: method.rawValue,
                username: credentials.username, secretBackend: secrets.backendName, accounts: accounts,
                applicationCount: applicationCount)
        } catch {
            await client.shutdown()
            throw .secrets("The credentials could not be stored: \(error)")
        }
        if let old = clients[organisationId] { await old.client.shutdown() }
        clients[organisationId] = (connection.version, client)
        logger.notice("Spinnaker connected", metadata: ["org": "\(organisationId)", "gate": "\(url.absoluteString)",
                                                        "accounts": "\(accounts.count)"])
        return connection
    }

    /// The client for an organisation's stored connection, or nil when none is stored.
    public func client(organisationId: String) async throws -> GateClient? {
        guard let connection = try await connections.connection(organisationId: organisationId) else {
            if let old = clients.removeValue(forKey: organisationId) { await old.client.shutdown() }
            return nil
        }
        if let cached = clients[organisationId], cached.version == connection.version { return cached.client }
        guard let document = try await secrets.get(organisationId: organisationId, name: Self.secretName) else {
            throw ConnectError.secrets("The stored Gate credentials are missing from the \(secrets.backendName) secret store; reconnect.")
        }
        let credentials = try JSONDecoder().decode(GateCredentials.self, from: Data(document.utf8))
        guard let url = URL(string: connection.gateURL) else { throw ConnectError.invalid("stored Gate URL is invalid") }
        let client = try GateClient(baseURL: url, credentials: credentials)
        if let old = clients[organisationId] { await old.client.shutdown() }
        clients[organisationId] = (connection.version, client)
        return client
    }

    /// Re-validates live and records the result; returns the updated connection.
    public func check(organisationId: String) async throws -> SpinnakerConnection? {
        guard let client = try await client(organisationId: organisationId) else { return nil }
        do throws(GateError) {
            let accounts = try await client.credentialsList().map(GateAccount.init(json:))
            let count = try? await client.applications().count
            try? await connections.recordValidation(organisationId: organisationId, error: nil, accounts: accounts, applicationCount: count)
        } catch {
            try? await connections.recordValidation(organisationId: organisationId, error: error.description, accounts: nil,
                                                    applicationCount: nil)
        }
        return try await connections.connection(organisationId: organisationId)
    }

    /// Removes the stored secret and the connection. Received events and incidents stay.
    public func disconnect(organisationId: String) async throws -> Bool {
        let existed = try await connections.connection(organisationId: organisationId) != nil
        try await secrets.delete(organisationId: organisationId, name: Self.secretName)
        try await connections.delete(organisationId: organisationId)
        if let old = clients.removeValue(forKey: organisationId) { await old.client.shutdown() }
        if existed { logger.notice("Spinnaker disconnected", metadata: ["org": "\(organisationId)"]) }
        return existed
    }

    public func shutdown() async {
        for (_, entry) in clients { await entry.client.shutdown() }
        clients = [:]
    }
}

extension GateAccount {
    init(json: JSONValue) {
        self.init(name: json["name"]?.nonEmptyString ?? "?", type: json["type"]?.nonEmptyString ?? json["accountType"]?.nonEmptyString,
                  cloudProvider: json["cloudProvider"]?.nonEmptyString, environment: json["environment"]?.nonEmptyString)
    }
}
