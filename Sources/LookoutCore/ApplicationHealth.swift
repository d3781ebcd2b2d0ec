public import Spinnaker

/// Health of an application across accounts, regions and clusters, from Gate's server groups and
/// their `instanceCounts` (Clouddriver's up/down/outOfService/starting/unknown/total).
public struct ApplicationHealth: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable, Comparable {
        case healthy, degraded, down, unknown

        var severity: Int {
            switch self {
            case .healthy: return 0
            case .unknown: return 1
            case .degraded: return 2
            case .down: return 3
            }
        }

        public static func < (a: Verdict, b: Verdict) -> Bool { a.severity < b.severity }
    }

    public struct InstanceCounts: Sendable, Codable, Equatable {
        public var total = 0
        public var up = 0
        public var down = 0
        public var outOfService = 0
        public var starting = 0
        public var unknown = 0

        public init() {}

        init(json: JSONValue?) {
            total = Int(json?["total"]?.int64Value ?? 0)
            up = Int(json?["up"]?.int64Value ?? 0)
            down = Int(json?["down"]?.int64Value ?? 0)
            outOfService = Int(json?["outOfService"]?.int64Value ?? 0)
            starting = Int(json?["starting"]?.int64Value ?? 0)
            unknown = Int(json?["unknown"]?.int64Value ?? 0)
        }

        static func + (a: InstanceCounts, b: InstanceCounts) -> InstanceCounts {
            var sum = InstanceCounts()
            sum.total = a.total + b.total
            sum.up = a.up + b.up
            sum.down = a.down + b.down
            sum.outOfService = a.outOfService + b.outOfService
            sum.starting = a.starting + b.starting
            sum.unknown = a.unknown + b.unknown
            return sum
        }

        /// healthy: every instance up; down: instances but none up; degraded: some not up; unknown: none.
        public var verdict: Verdict {
            if total == 0 { return .unknown }
            if up == 0 { return down + outOfService > 0 ? .down : (starting > 0 ? .degraded : .unknown) }
            return up == total ? .healthy : .degraded
        }
    }

    public struct ServerGroup: Sendable, Codable, Equatable {
        public var name: String
        public var account: String
        public var region: String
        public var cluster: String
        public var cloudProvider: String?
        public var disabled: Bool
        public var capacity: Capacity
        public var instances: InstanceCounts
        public var images: [String]
        public var createdTime: Int64?
    }

    public struct Capacity: Sendable, Codable, Equatable {
        public var min: Int?
        public var max: Int?
        public var desired: Int?
    }

    public struct Cluster: Sendable, Codable, Equatable {
        public var account: String
        public var region: String
        public var name: String
        public var verdict: Verdict
        public var instances: InstanceCounts
        public var serverGroups: [ServerGroup]
    }

    public var application: String
    public var verdict: Verdict
    public var instances: InstanceCounts
    public var clusters: [Cluster]
    public var cloudProviders: [String]
    public var accounts: [String]

    /// Builds the health from Gate's `GET /applications/{app}/serverGroups`. Disabled server groups
    /// are listed but do not count towards the verdict (they take no traffic).
    public init(application: String, serverGroups json: [JSONValue]) {
        self.application = application
        let groups = json.map { group in
            ServerGroup(
                name: group["name"]?.nonEmptyString ?? "?",
                account: group["account"]?.nonEmptyString ?? "?",
                region: group["region"]?.nonEmptyString ?? "?",
                cluster: group["cluster"]?.nonEmptyString ?? group["moniker"]?["cluster"]?.nonEmptyString ?? group["name"]?.stringValue ?? "?",
                cloudProvider: group["cloudProvider"]?.nonEmptyString ?? group["type"]?.nonEmptyString,
                disabled: group["isDisabled"]?.boolValue ?? false,
                capacity: Capacity(min: group["capacity"]?["min"]?.int64Value.map(Int.init),
                                   max: group["capacity"]?["max"]?.int64Value.map(Int.init),
                                   desired: group["capacity"]?["desired"]?.int64Value.map(Int.init)),
                instances: InstanceCounts(json: group["instanceCounts"]),
                images: (group["buildInfo"]?["images"]?.arrayValue ?? []).compactMap(\.stringValue),
                createdTime: group["createdTime"]?.int64Value)
        }
        var byCluster: [String: [ServerGroup]] = [:]
        var order: [String] = []
        for group in groups {
            let key = "\(group.account)|\(group.region)|\(group.cluster)"
            if byCluster[key] == nil { order.append(key) }
            byCluster[key, default: []].append(group)
        }
        clusters = order.map { key in
            let members = byCluster[key]!.sorted { ($0.createdTime ?? 0) > ($1.createdTime ?? 0) }
            let active = members.filter { !$0.disabled }
            let counts = active.reduce(InstanceCounts()) { $0 + $1.instances }
            return Cluster(account: members[0].account, region: members[0].region, name: members[0].cluster,
                           verdict: active.isEmpty ? .unknown : counts.verdict, instances: counts, serverGroups: members)
        }
        instances = clusters.reduce(InstanceCounts()) { $0 + $1.instances }
        let verdicts = clusters.map(\.verdict)
        if verdicts.isEmpty || verdicts.allSatisfy({ $0 == .unknown }) {
            verdict = .unknown
        } else if verdicts.allSatisfy({ $0 == .down || $0 == .unknown }) {
            verdict = .down
        } else if verdicts.contains(where: { $0 == .down || $0 == .degraded }) {
            verdict = .degraded
        } else {
            verdict = .healthy
        }
        cloudProviders = Array(Set(groups.compactMap(\.cloudProvider))).sorted()
        accounts = Array(Set(groups.map(\.account))).sorted()
    }

    /// One line for reports and chat: "degraded: 6 of 9 instances up; deployment api-gateway in k8s-prod/prod degraded (1 up, 2 down)".
    public var summary: String {
        let problems = clusters.filter { $0.verdict != .healthy }.map {
            "\($0.name) in \($0.account)/\($0.region) \($0.verdict.rawValue) (\($0.instances.up) up, \($0.instances.down) down\($0.instances.outOfService > 0 ? ", \($0.instances.outOfService) out of service" : "")\($0.instances.starting > 0 ? ", \($0.instances.starting) starting" : ""))"
        }
        let head = "\(verdict.rawValue): \(instances.up) of \(instances.total) instances up across \(clusters.count) cluster\(clusters.count == 1 ? "" : "s")"
        return problems.isEmpty ? head : head + "; " + problems.joined(separator: "; ")
    }
}
