public import Spinnaker

/// Finds the way back for an application: its rollback pipeline (by name, or by a `rollbackCluster` /
/// `rollbackServerGroup` stage), or else Spinnaker's own `rollbackServerGroup` task from the newest
/// enabled server group to the one before it in the same cluster. Naming a pipeline "rollback" is only
/// a convention, so stage types count as much as names.
public enum RollbackPlanner {
    static let rollbackStageTypes: Set<String> = ["rollbackCluster", "rollbackServerGroup"]

    public static func isRollbackPipeline(_ config: JSONValue) -> Bool {
        if config["name"]?.stringValue?.lowercased().contains("rollback") == true { return true }
        return (config["stages"]?.arrayValue ?? []).contains { rollbackStageTypes.contains($0["type"]?.stringValue ?? "") }
    }

    /// Parameter values for a run: the defaults of `parameterConfig`, then `overrides`. Returns the
    /// required parameters still missing too.
    public static func parameters(of config: JSONValue, overrides: [String: JSONValue] = [:]) -> (values: [String: JSONValue], missing: [String]) {
        var values: [String: JSONValue] = [:]
        var missing: [String] = []
        for parameter in config["parameterConfig"]?.arrayValue ?? [] {
            guard let name = parameter["name"]?.nonEmptyString else { continue }
            if let value = overrides[name] { values[name] = value; continue }
            if let value = parameter["default"], value.nonEmptyString != nil { values[name] = value; continue }
            if parameter["required"]?.boolValue == true { missing.append(name) }
        }
        for (name, value) in overrides where values[name] == nil { values[name] = value }
        return (values, missing)
    }

    public static func plan(application: String, pipelineConfigs: [JSONValue], health: ApplicationHealth?) -> RollbackOption? {
        let candidates = pipelineConfigs.filter(isRollbackPipeline)
        let preferred = candidates.first { ($0["stages"]?.arrayValue ?? []).contains { rollbackStageTypes.contains($0["type"]?.stringValue ?? "") } }
            ?? candidates.first
        if let config = preferred, let name = config["name"]?.nonEmptyString {
            let byStage = (config["stages"]?.arrayValue ?? []).contains { rollbackStageTypes.contains($0["type"]?.stringValue ?? "") }
            return RollbackOption(kind: .pipeline, application: application, pipelineName: name, pipelineId: config["id"]?.nonEmptyString,
                                  parameters: parameters(of: config).values,
                                  reason: byStage ? "pipeline '\(name)' has a rollback stage" : "pipeline '\(name)' is named as a rollback")
        }
        guard let health else { return nil }
        for cluster in health.clusters {
            let groups = cluster.serverGroups.sorted { ($0.createdTime ?? 0) > ($1.createdTime ?? 0) }
            guard let current = groups.first(where: { !$0.disabled }),
                  let previous = groups.first(where: { ($0.createdTime ?? 0) < (current.createdTime ?? 0) }) else { continue }
            return RollbackOption(kind: .serverGroup, application: application, serverGroup: current.name, restoreServerGroup: previous.name,
                                  account: cluster.account, region: cluster.region, cloudProvider: current.cloudProvider,
                                  reason: "\(application) has no rollback pipeline; \(current.name) is the newest enabled server group of \(cluster.name)")
        }
        return nil
    }
}
