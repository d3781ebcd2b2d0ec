public import Foundation
public import Spinnaker

/// The simulated Spinnaker's contents: applications on Kubernetes and AWS accounts, executions in
/// every status, pipeline configs (some with a rollback pipeline), and server groups with mixed
/// instance health. Shapes follow the Gate fixtures in `shared/fixtures/spinnaker/`.
public actor SimulatorCatalog {
    public struct Application: Sendable {
        public var name: String
        public var email: String
        public var accounts: [String]
        public var hasRollbackPipeline: Bool
    }

    public private(set) var applications: [Application]
    private(set) var credentials: [JSONValue]
    private var executions: [String: JSONValue] = [:]
    private var executionOrder: [String] = []
    private var configs: [String: [JSONValue]] = [:]
    private var serverGroups: [String: [JSONValue]] = [:]
    private(set) var triggers: [JSONValue] = []
    private var tasks: [String: JSONValue] = [:]

    public init(now: Date = Date()) {
        applications = [
            Application(name: "payments-api", email: "payments@example.com", accounts: ["k8s-prod", "k8s-staging"], hasRollbackPipeline: true),
            Application(name: "api-gateway", email: "edge@example.com", accounts: ["k8s-prod", "aws-prod"], hasRollbackPipeline: true),
            Application(name: "checkout", email: "checkout@example.com", accounts: ["aws-prod"], hasRollbackPipeline: false),
            Application(name: "search", email: "search@example.com", accounts: ["k8s-prod"], hasRollbackPipeline: false),
            Application(name: "orders", email: "orders@example.com", accounts: ["k8s-staging"], hasRollbackPipeline: true),
        ]
        credentials = [
            Self.account("k8s-prod", type: "kubernetes", provider: "kubernetes", environment: "prod"),
            Self.account("k8s-staging", type: "kubernetes", provider: "kubernetes", environment: "staging"),
            Self.account("aws-prod", type: "aws", provider: "aws", environment: "prod"),
            Self.account("aws-staging", type: "aws", provider: "aws", environment: "staging"),
        ]
        let start = Int64(now.timeIntervalSince1970 * 1000)
        // History: every scenario a few times, oldest first; the newest run of each app last.
        var offset: Int64 = 3 * 86_400_000
        for round in 0..<3 {
            for scenario in EchoScenario.allCases {
                var run = scenario.execution(startTime: start - offset)
                if round < 2 && scenario != .success {
                    // Earlier runs of failing pipelines succeeded, so "what changed" has something to compare.
                    run = EchoScenario.successfulDeploy(application: run.application, pipelineName: run.pipelineName,
                                                        pipelineConfigId: run.pipelineConfigId, startTime: start - offset,
                                                        tag: "1.\(round + 3).0", build: 400 + round)
                }
                Self.insert(run.json(), into: &executions, order: &executionOrder)
                offset -= 3_600_000
            }
        }
        let running = SimulatedExecution(application: "payments-api", pipelineName: "Deploy to staging", pipelineConfigId: "cfg-payments-staging",
                                         status: .running, stages: [SimulatedStage(type: "bakeManifest", name: "Bake (Manifest)"),
                                                                    SimulatedStage(type: "deployManifest", name: "Deploy (Manifest)")],
                                         startTime: start - 60_000, trigger: ["type": "manual", "user": "dave@example.com", "parameters": [:]])
        Self.insert(running.json(progress: 1), into: &executions, order: &executionOrder)
        for app in applications {
            configs[app.name] = Self.pipelineConfigs(for: app)
            serverGroups[app.name] = Self.serverGroups(for: app, now: start)
        }
    }

    static func insert(_ execution: JSONValue, into executions: inout [String: JSONValue], order: inout [String]) {
        guard let id = execution["id"]?.stringValue else { return }
        if executions[id] == nil { order.append(id) }
        executions[id] = execution
    }

    // MARK: - Reads

    func application(named name: String) -> Application? { applications.first { $0.name == name } }

    func executions(application: String, limit: Int, statuses: Set<String>) -> [JSONValue] {
        executionOrder.reversed().compactMap { executions[$0] }
            .filter { $0["application"]?.stringValue == application }
            .filter { statuses.isEmpty || statuses.contains($0["status"]?.stringValue ?? "") }
            .sorted { ($0["buildTime"]?.int64Value ?? 0) > ($1["buildTime"]?.int64Value ?? 0) }
            .prefix(limit).map { $0 }
    }

    func execution(id: String) -> JSONValue? { executions[id] }

    func pipelineConfigs(application: String) -> [JSONValue] { configs[application] ?? [] }

    func serverGroups(application: String) -> [JSONValue] { serverGroups[application] ?? [] }

    func task(id: String) -> JSONValue? { tasks[id] }

    // MARK: - Writes

    /// Records the execution of an event the emitter sent, so Gate and Echo agree.
    public func record(execution: JSONValue) {
        Self.insert(execution, into: &executions, order: &executionOrder)
    }

    enum TriggerOutcome {
        case started(String)
        case unknownPipeline
        case missingParameter(String)
    }

    func trigger(application: String, pipeline: String, body: JSONValue, user: String) -> TriggerOutcome {
        guard let config = configs[application]?.first(where: { $0["name"]?.stringValue == pipeline || $0["id"]?.stringValue == pipeline })
        else { return .unknownPipeline }
        var parameters = body["parameters"]?.objectValue ?? [:]
        for parameter in config["parameterConfig"]?.arrayValue ?? [] {
            guard let name = parameter["name"]?.stringValue else { continue }
            if parameters[name] == nil, let value = parameter["default"], value.nonEmptyString != nil { parameters[name] = value }
            if parameter["required"]?.boolValue == true && parameters[name]?.nonEmptyString == nil { return .missingParameter(name) }
        }
        let run = SimulatedExecution(
            application: application, pipelineName: config["name"]?.stringValue ?? pipeline,
            pipelineConfigId: config["id"]?.stringValue ?? pipeline, status: .running,
            stages: (config["stages"]?.arrayValue ?? []).map { SimulatedStage(type: $0["type"]?.stringValue ?? "wait", name: $0["name"]?.stringValue ?? "Stage") },
            startTime: Int64(Date().timeIntervalSince1970 * 1000),
            trigger: ["type": "manual", "user": .string(user), "parameters": .object(parameters)])
        Self.insert(run.json(progress: 0), into: &executions, order: &executionOrder)
        triggers.append(["kind": "pipeline", "application": .string(application), "pipeline": .string(pipeline),
                         "body": body, "executionId": .string(run.id)])
        return .started(run.id)
    }

    func submit(task body: JSONValue) -> String {
        let id = SimulatedExecution.newId()
        tasks[id] = ["id": .string(id), "name": body["description"] ?? "task", "application": body["application"] ?? .null,
                     "status": "RUNNING", "buildTime": .number(Date().timeIntervalSince1970 * 1000), "variables": [], "steps": [],
                     "execution": ["type": "ORCHESTRATION", "id": .string(id), "stages": []]]
        triggers.append(["kind": "task", "body": body, "taskId": .string(id)])
        return id
    }

    func cancel(executionId: String, reason: String?) -> Bool {
        guard case .object(var members)? = executions[executionId] else { return false }
        members["status"] = "CANCELED"
        members["canceled"] = true
        members["canceledBy"] = "lookout"
        if let reason { members["cancellationReason"] = .string(reason) }
        executions[executionId] = .object(members)
        return true
    }

    // MARK: - Fixture-shaped data

    static func account(_ name: String, type: String, provider: String, environment: String) -> JSONValue {
        ["name": .string(name), "type": .string(type), "accountType": .string(name), "environment": .string(environment),
         "cloudProvider": .string(provider), "requiredGroupMembership": [], "permissions": [:], "authorized": true,
         "primaryAccount": false, "challengeDestructiveActions": .bool(environment == "prod")]
    }

    static func pipelineConfigs(for app: Application) -> [JSONValue] {
        var configs: [JSONValue] = [[
            "id": .string("cfg-\(app.name)-deploy"), "name": "Deploy to production", "application": .string(app.name),
            "index": 0, "keepWaitingPipelines": false, "limitConcurrent": true, "spelEvaluator": "v4",
            "lastModifiedBy": "alice@example.com", "updateTs": "1761000000000",
            "triggers": [["type": "jenkins", "enabled": true, "master": "jenkins-prod", "job": .string("\(app.name)-build")]],
            "parameterConfig": [
                ["name": "tag", "label": "Image tag", "description": "Docker image tag to deploy", "required": true, "default": "", "pinned": true],
                ["name": "namespace", "label": "Namespace", "required": false, "default": "prod"],
            ],
            "stages": [
                ["refId": "1", "requisiteStageRefIds": [], "type": "bakeManifest", "name": "Bake (Manifest)"],
                ["refId": "2", "requisiteStageRefIds": ["1"], "type": "deployManifest", "name": "Deploy (Manifest)",
                 "account": .string(app.accounts.first ?? "k8s-prod"), "cloudProvider": "kubernetes"],
                ["refId": "3", "requisiteStageRefIds": ["2"], "type": "webhook", "name": "Smoke test"],
            ],
        ]]
        if app.hasRollbackPipeline {
            configs.append([
                "id": .string("cfg-\(app.name)-rollback"), "name": "Rollback production", "application": .string(app.name),
                "index": 1, "keepWaitingPipelines": false, "limitConcurrent": true, "triggers": [],
                "parameterConfig": [["name": "reason", "label": "Why", "required": false, "default": "rollback requested"]],
                "stages": [["refId": "1", "requisiteStageRefIds": [], "type": "rollbackCluster", "name": "Rollback cluster",
                            "cluster": .string(app.name), "credentials": .string(app.accounts.first ?? "k8s-prod"), "regions": ["prod"],
                            "targetHealthyRollbackPercentage": 100]],
            ])
        }
        return configs
    }

    static func serverGroups(for app: Application, now: Int64) -> [JSONValue] {
        // (account, version, up, down, outOfService, starting, unknown, disabled)
        let layout: [(String, Int, Int, Int, Int, Int, Int, Bool)]
        switch app.name {
        case "payments-api": layout = [("k8s-prod", 41, 0, 0, 0, 0, 0, true), ("k8s-prod", 42, 3, 0, 0, 0, 0, false), ("k8s-staging", 43, 1, 0, 0, 0, 0, false)]
        case "api-gateway": layout = [("k8s-prod", 19, 3, 0, 0, 0, 0, false), ("k8s-prod", 20, 1, 2, 0, 0, 0, false), ("aws-prod", 7, 2, 0, 0, 0, 0, false)]
        case "checkout": layout = [("aws-prod", 16, 0, 0, 0, 0, 0, true), ("aws-prod", 17, 2, 0, 1, 0, 0, false)]
        case "search": layout = [("k8s-prod", 8, 0, 2, 0, 0, 0, false)]
        default: layout = [("k8s-staging", 3, 1, 0, 0, 1, 0, false)]
        }
        return layout.map { account, version, up, down, oos, starting, unknown, disabled in
            let kubernetes = account.hasPrefix("k8s")
            let region = kubernetes ? (account == "k8s-prod" ? "prod" : "staging") : "us-east-1"
            let cluster = kubernetes ? "deployment \(app.name)" : "\(app.name)-prod"
            let name = kubernetes ? "replicaSet \(app.name)-v\(String(format: "%03d", version))" : "\(app.name)-prod-v\(String(format: "%03d", version))"
            var instances: [JSONValue] = []
            for (state, count) in [("Up", up), ("Down", down), ("OutOfService", oos), ("Starting", starting), ("Unknown", unknown)] {
                for i in 0..<count {
                    instances.append(["id": .string("\(app.name)-\(version)-\(state.lowercased())-\(i)"),
                                      "name": .string(kubernetes ? "pod \(app.name)-v\(version)-\(state.lowercased())\(i)" : "i-0\(version)\(i)"),
                                      "healthState": .string(state), "availabilityZone": .string(region),
                                      "health": [["type": kubernetes ? "kubernetes/pod" : "Amazon", "state": .string(state)]]])
                }
            }
            let total = up + down + oos + starting + unknown
            return [
                "name": .string(name), "account": .string(account), "region": .string(region), "cluster": .string(cluster),
                "type": .string(kubernetes ? "kubernetes" : "aws"), "cloudProvider": .string(kubernetes ? "kubernetes" : "aws"),
                "isDisabled": .bool(disabled),
                "moniker": ["app": .string(app.name), "cluster": .string(cluster), "stack": kubernetes ? .null : "prod", "sequence": .number(Double(version))],
                "buildInfo": ["images": [.string("ghcr.io/acme/\(app.name):\(version / 10).\(version % 10).0")]],
                "createdTime": .number(Double(now - Int64(50 - version) * 3_600_000)),
                "capacity": ["min": .number(Double(disabled ? 0 : max(total, 1))), "max": .number(Double(max(total, 1) * 2)),
                             "desired": .number(Double(disabled ? 0 : total))],
                "instances": .array(instances),
                "instanceCounts": ["total": .number(Double(total)), "up": .number(Double(up)), "down": .number(Double(down)),
                                   "unknown": .number(Double(unknown)), "outOfService": .number(Double(oos)), "starting": .number(Double(starting))],
                "labels": kubernetes ? ["app.kubernetes.io/name": .string(app.name), "app.kubernetes.io/managed-by": "spinnaker"] : [:],
                "loadBalancers": [], "securityGroups": [],
            ]
        }
    }
}

extension SimulatorCatalog {
    /// How many pipeline triggers and tasks were received (for tests).
    public func recordedTriggerCount() -> Int { triggers.count }

    /// Every trigger and task received, oldest first (for tests and `GET /_sim/triggers`).
    public func recordedTriggerBodies() -> [JSONValue] { triggers }
}
