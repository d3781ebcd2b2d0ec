import Foundation
public import Hummingbird
public import Logging
import Spinnaker

/// A Gate API simulator: the endpoints Lookout calls, answered from a `SimulatorCatalog`, with
/// optional HTTP Basic authentication. Triggers and tasks are recorded (`GET /_sim/triggers`).
public struct GateSimulator: Sendable {
    public let catalog: SimulatorCatalog
    public var username: String?
    public var password: String?

    public init(catalog: SimulatorCatalog = SimulatorCatalog(), username: String? = nil, password: String? = nil) {
        self.catalog = catalog
        self.username = username
        self.password = password
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: BasicAuthCheck(username: username, password: password))
        let catalog = self.catalog
        router.get("/credentials") { _, _ in try Self.json(.array(await catalog.credentials)) }
        router.get("/credentials/:account") { _, context in
            let name = try Self.param(context, "account")
            guard let account = await catalog.credentials.first(where: { $0["name"]?.stringValue == name }) else { throw HTTPError(.notFound) }
            return try Self.json(account)
        }
        router.get("/auth/user") { _, _ in try Self.json(["username": .string(username ?? "anonymous"), "roles": [], "allowedAccounts": ["k8s-prod", "aws-prod"]]) }
        router.get("/applications") { _, _ in
            try Self.json(.array(await catalog.applications.map { app in
                ["name": .string(app.name), "email": .string(app.email), "accounts": .string(app.accounts.joined(separator: ",")),
                 "cloudProviders": .string(app.accounts.contains { $0.hasPrefix("aws") } ? "kubernetes,aws" : "kubernetes"),
                 "createTs": "1700000000000", "updateTs": "1761000000000", "user": "[anonymous]"]
            }))
        }
        router.get("/applications/:app") { _, context in
            let name = try Self.param(context, "app")
            guard let app = await catalog.application(named: name) else { throw HTTPError(.notFound, message: "Application not found") }
            return try Self.json(["name": .string(app.name), "attributes": ["name": .string(app.name), "email": .string(app.email)],
                                  "clusters": .object(Dictionary(uniqueKeysWithValues: app.accounts.map { ($0, [["name": .string(app.name)]]) }))])
        }
        router.get("/applications/:app/pipelines") { request, context in
            let name = try Self.param(context, "app")
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 10
            let statuses = Set((query["statuses"].map(String.init) ?? "").split(separator: ",").map(String.init))
            let expand = query["expand"].map(String.init) != "false"
            var executions = await catalog.executions(application: name, limit: limit, statuses: statuses)
            if !expand { executions = executions.map(Self.unexpanded) }
            return try Self.json(.array(executions))
        }
        router.get("/pipelines/:id") { _, context in
            guard let execution = await catalog.execution(id: try Self.param(context, "id")) else {
                throw HTTPError(.notFound, message: "Execution not found")
            }
            return try Self.json(execution)
        }
        router.get("/applications/:app/pipelineConfigs") { _, context in
            try Self.json(.array(await catalog.pipelineConfigs(application: try Self.param(context, "app"))))
        }
        router.get("/applications/:app/pipelineConfigs/:name") { _, context in
            let name = try Self.param(context, "name")
            guard let config = await catalog.pipelineConfigs(application: try Self.param(context, "app"))
                .first(where: { $0["name"]?.stringValue == name }) else { throw HTTPError(.notFound) }
            return try Self.json(config)
        }
        router.get("/applications/:app/clusters") { _, context in
            let groups = await catalog.serverGroups(application: try Self.param(context, "app"))
            var clusters: [String: [String]] = [:]
            for group in groups {
                guard let account = group["account"]?.stringValue, let cluster = group["cluster"]?.stringValue else { continue }
                if !(clusters[account] ?? []).contains(cluster) { clusters[account, default: []].append(cluster) }
            }
            return try Self.json(.object(clusters.mapValues { .array($0.map(JSONValue.string)) }))
        }
        router.get("/applications/:app/serverGroups") { _, context in
            try Self.json(.array(await catalog.serverGroups(application: try Self.param(context, "app"))))
        }
        // Hummingbird needs one parameter name per path position: `:id` is the application here.
        router.post("/pipelines/:id/:pipeline") { request, context in
            let app = try Self.param(context, "id")
            let pipeline = try Self.param(context, "pipeline")
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let body = bytes.readableBytes == 0 ? JSONValue.object([:]) : ((try? JSONValue.parse(Data(bytes.readableBytesView))) ?? .object([:]))
            switch await catalog.trigger(application: app, pipeline: pipeline, body: body, user: username ?? "anonymous") {
            case .started(let id): return try Self.json(["ref": .string("/pipelines/\(id)")], status: .accepted)
            case .unknownPipeline: throw HTTPError(.notFound, message: "Pipeline config not found")
            case .missingParameter(let name): throw HTTPError(.badRequest, message: "Missing required parameter \(name)")
            }
        }
        router.post("/tasks") { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            guard let body = try? JSONValue.parse(Data(bytes.readableBytesView)), body["job"]?.arrayValue != nil else {
                throw HTTPError(.badRequest, message: "A task needs a job list")
            }
            return try Self.json(["ref": .string("/tasks/\(await catalog.submit(task: body))")])
        }
        router.get("/tasks/:id") { _, context in
            guard let task = await catalog.task(id: try Self.param(context, "id")) else { throw HTTPError(.notFound) }
            return try Self.json(task)
        }
        router.put("/pipelines/:id/cancel") { request, context in
            let reason = request.uri.queryParameters["reason"].map(String.init)
            guard await catalog.cancel(executionId: try Self.param(context, "id"), reason: reason) else { throw HTTPError(.notFound) }
            return Response(status: .accepted)
        }
        router.get("/executions/failedStages") { request, _ in
            guard let id = request.uri.queryParameters["executionId"].map(String.init), let execution = await catalog.execution(id: id) else {
                return try Self.json([])
            }
            let failed = (execution["stages"]?.arrayValue ?? []).filter {
                ["TERMINAL", "STOPPED", "CANCELED", "FAILED_CONTINUE"].contains($0["status"]?.stringValue ?? "")
            }
            return try Self.json(.array(failed.map { stage in
                ["pipelineExecutionId": .string(id), "pipelineExecutionName": execution["name"] ?? .null,
                 "pipelineExecutionApplication": execution["application"] ?? .null, "stageId": stage["id"] ?? .null,
                 "stageName": stage["name"] ?? .null, "stageType": stage["type"] ?? .null, "stageStatus": stage["status"] ?? .null,
                 "stageException": stage["context"]?["exception"] ?? .null]
            }))
        }
        router.get("/_sim/triggers") { _, _ in try Self.json(.array(await catalog.recordedTriggerBodies())) }
        return router
    }

    /// A path parameter, percent-decoded as Gate (Spring) does.
    static func param(_ context: BasicRequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    /// `expand=false`: Orca clears stage context, outputs and tasks (keeps `group`).
    static func unexpanded(_ execution: JSONValue) -> JSONValue {
        guard case .object(var members) = execution, let stages = members["stages"]?.arrayValue else { return execution }
        members["stages"] = .array(stages.map { stage in
            guard case .object(var s) = stage else { return stage }
            s["context"] = [:]
            s["outputs"] = [:]
            s["tasks"] = []
            return .object(s)
        })
        return .object(members)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try value.serialized())))
    }

    /// Builds the simulator as a Hummingbird application on `host:port`.
    public func application(host: String = "127.0.0.1", port: Int, logger: Logger = Logger(label: "spinnaker-sim"),
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "gate-sim"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}

/// Gate with `security.basicform.enabled`: HTTP Basic on every call when a user is configured.
struct BasicAuthCheck<Context: RequestContext>: RouterMiddleware {
    let username: String?
    let password: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let username, let password else { return try await next(request, context) }
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        guard request.headers[.authorization] == expected else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"gate\""])
        }
        return try await next(request, context)
    }
}
