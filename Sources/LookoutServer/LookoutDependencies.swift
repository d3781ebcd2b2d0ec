import Foundation
public import Logging
public import LookoutStore
public import LookoutSecrets
public import LookoutCore
import HummingbirdBcrypt
import Spinnaker
import HTTPTypes
public import LookoutAgent

/// What the application runs on: the database and its stores, the secret box and the metrics.
/// `main` and the tests build it the same way.
public struct LookoutDependencies: Sendable {
    public let configuration: LookoutConfiguration
    public let database: Database
    public let accounts: AccountStore
    public let executions: ExecutionStore
    public let incidents: IncidentStore
    public let alerts: AlertStore
    public let correlation: CorrelationStore
    public let reports: RCAStore
    public let actions: PendingActionStore
    /// The `spinnaker_rca` tool, shared by the API, MCP and (later) the chat.
    public let tool: SpinnakerRCATool
    public let chats: ChatStore
    public let chatAgent: ChatAgent
    public let settings: SettingsStore
    public let jobs: JobQueue
    public let ingest: IngestWriter
    public let secretBox: SecretBox
    public let secrets: any SecretStore
    public let spinnaker: SpinnakerConnector
    /// Writes RCA narratives when `LOOKOUT_LLM_BASE_URL` and `LOOKOUT_LLM_MODEL` are set.
    public let narrator: RCANarrator?
    public let metrics: LookoutMetrics
    public let logger: Logger

    /// Opens the database named by the configuration, applies migrations and loads the master key.
    public static func open(configuration: LookoutConfiguration, logger: Logger, migrate: Bool = true) async throws -> LookoutDependencies {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let database = try await Database.open(url: configuration.databaseURL, defaultSQLitePath: configuration.sqlitePath, logger: logger)
        if migrate { try await Migrations.apply(to: database) }
        let secretBox = try SecretBox.load(masterKeyBase64: configuration.masterKey, dataDirectory: configuration.dataDirectory)
        let secrets: any SecretStore
        switch configuration.secrets {
        case .local:
            secrets = DatabaseSecretStore(database: database, box: secretBox)
        case .vault:
            secrets = VaultSecretStore(address: configuration.vaultAddress ?? "", token: configuration.vaultToken ?? "",
                                       mount: configuration.vaultMount)
        }
        let spinnaker = SpinnakerConnector(connections: SpinnakerConnectionStore(database: database), secrets: secrets,
                                           policy: GateURLPolicy(allowedHosts: configuration.gateAllowedHosts), logger: logger)
        let actions = PendingActionStore(database: database)
        let tool = SpinnakerRCATool(executions: ExecutionStore(database: database), actions: actions,
                                    actionTTLMs: Int64(configuration.actionTTLSeconds) * 1000) { org in
            try await spinnaker.client(organisationId: org)
        }
        let chats = ChatStore(database: database)
        let llm = configuration.llmBaseURL.flatMap { base in
            configuration.llmModel.map { ChatCompletionsClient(baseURL: base, apiKey: configuration.llmAPIKey, model: $0) }
        }
        let chatAgent = ChatAgent(tool: tool, llm: llm) { org in
            var names = Set((try? await chats.knownApplications(organisationId: org)) ?? [])
            if let gate = try? await spinnaker.client(organisationId: org), let apps = try? await gate.applications() {
                for app in apps { if let name = app["name"]?.stringValue { names.insert(name) } }
            }
            return Array(names)
        }
        return LookoutDependencies(
            configuration: configuration,
            database: database,
            accounts: AccountStore(database: database),
            executions: ExecutionStore(database: database),
            incidents: IncidentStore(database: database),
            alerts: AlertStore(database: database),
            correlation: CorrelationStore(database: database),
            reports: RCAStore(database: database),
            actions: actions,
            tool: tool,
            chats: chats,
            chatAgent: chatAgent,
            settings: SettingsStore(database: database),
            jobs: JobQueue(database: database, leaseMs: Int64(configuration.jobLeaseSeconds) * 1000),
            ingest: IngestWriter(database: database, logger: logger),
            secretBox: secretBox,
            secrets: secrets,
            spinnaker: spinnaker,
            narrator: llm.map(RCANarrator.init(client:)),
            metrics: LookoutMetrics(),
            logger: logger
        )
    }

    /// Releases connections: Gate clients, the Vault client and the database.
    public func close() async {
        await spinnaker.shutdown()
        if let vault = secrets as? VaultSecretStore { await vault.shutdown() }
        await narrator?.shutdown()
        await database.close()
    }

    // MARK: - Organisations, users and tokens (used by the CLI, the first start and the tests)

    /// The organisation with this name, created with a fresh webhook token when missing.
    public func ensureOrganisation(named name: String) async throws -> Organisation {
        if let existing = try await accounts.organisation(named: name) { return existing }
        let token = Tokens.generate(prefix: "whk")
        do {
            return try await accounts.createOrganisation(name: name, webhookTokenHash: Tokens.digest(token),
                                                         webhookTokenSealed: try secretBox.seal(token))
        } catch StoreError.conflict {
            // Created meanwhile by another process.
            guard let existing = try await accounts.organisation(named: name) else { throw StoreError.notFound("organisation \(name)") }
            return existing
        }
    }

    public func addUser(email: String, password: String, role: Role, organisation: String) async throws -> StoredUser {
        guard email.contains("@") else { throw StoreError.invalid("email must be an email address") }
        guard password.count >= 8 else { throw StoreError.invalid("password must have at least 8 characters") }
        let org = try await ensureOrganisation(named: organisation)
        return try await accounts.createUser(organisationId: org.id, email: email,
                                             passwordHash: Bcrypt.hash(password, cost: 10), role: role)
    }

    /// Creates an API token for the user and returns it; only its digest is stored.
    public func createAPIToken(email: String, name: String) async throws -> String {
        guard let user = try await accounts.user(email: email) else { throw StoreError.notFound("user \(email)") }
        let token = Tokens.generate(prefix: "lko")
        try await accounts.createAPIToken(user: user, name: name, tokenHash: Tokens.digest(token))
        return token
    }

    /// The organisation a webhook token (from a URL or a Bearer header) belongs to; the Echo and alert
    /// webhooks share it.
    public func organisation(forWebhookToken token: String) async throws -> String? {
        guard token.count <= 200 else { return nil }
        return try await accounts.organisationId(webhookTokenHash: Tokens.digest(token))
    }

    /// The organisation of a webhook request: the token in the path (unknown → 404, like an unknown
    /// URL) or in an `Authorization: Bearer` header (missing or wrong → 401).
    func webhookOrganisation(pathToken: String?, headers: HTTPFields, url: String) async throws -> String {
        if let pathToken {
            guard let org = try await organisation(forWebhookToken: pathToken) else {
                throw APIError(.notFound, "unknown_webhook_token", "No organisation has this webhook token.")
            }
            return org
        }
        guard let token = headers.bearerToken else {
            throw APIError(.unauthorized, "unauthorized", "Send the webhook token as 'Authorization: Bearer <token>' or in the URL \(url)/<token>.")
        }
        guard let org = try await organisation(forWebhookToken: token) else {
            throw APIError(.unauthorized, "unauthorized", "The webhook token is not valid.")
        }
        return org
    }

    /// The organisation's current webhook token, decrypted (shown to admins only).
    public func webhookToken(organisationId: String) async throws -> String? {
        guard let sealed = try await accounts.sealedWebhookToken(organisationId: organisationId) else { return nil }
        return try secretBox.open(sealed)
    }

    public func rotateWebhookToken(organisationId: String) async throws -> String {
        let token = Tokens.generate(prefix: "whk")
        try await accounts.replaceWebhookToken(organisationId: organisationId, tokenHash: Tokens.digest(token),
                                               tokenSealed: try secretBox.seal(token))
        return token
    }

    /// On a first start with no users: an admin in organisation `default`, from `LOOKOUT_ADMIN_EMAIL`
    /// and `LOOKOUT_ADMIN_PASSWORD`, or with a generated password. Returns the generated password, if any,
    /// for the caller to print once.
    public func bootstrapAdminIfNeeded() async throws -> (email: String, generatedPassword: String?)? {
        guard try await accounts.userCount() == 0 else { return nil }
        let email = configuration.adminEmail ?? "admin@lookout.local"
        let generated = configuration.adminPassword == nil ? String(Tokens.generate(prefix: "pw").dropFirst(3).prefix(20)) : nil
        do {
            _ = try await addUser(email: email, password: configuration.adminPassword ?? generated!, role: .admin, organisation: "default")
        } catch StoreError.conflict {
            return nil  // another replica bootstrapped at the same moment
        }
        return (email, generated)
    }
}
