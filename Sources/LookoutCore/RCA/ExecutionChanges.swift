public import Spinnaker

/// One difference between the failing run and the last successful run of the same pipeline.
public struct ExecutionChange: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case parameter, artifact, image, build, trigger, stage, stageConfiguration
    }

    public var kind: Kind
    public var name: String
    public var before: String?
    public var after: String?

    public init(kind: Kind, name: String, before: String?, after: String?) {
        self.kind = kind
        self.name = name
        self.before = before
        self.after = after
    }

    public var sentence: String {
        switch (before, after) {
        case (nil, let after?): return "\(kind.label) \(name) added: \(after)"
        case (let before?, nil): return "\(kind.label) \(name) removed (was \(before))"
        case (let before?, let after?): return "\(kind.label) \(name): \(before) → \(after)"
        default: return "\(kind.label) \(name) changed"
        }
    }
}

extension ExecutionChange.Kind {
    var label: String {
        switch self {
        case .parameter: return "parameter"
        case .artifact: return "artifact"
        case .image: return "image"
        case .build: return "build"
        case .trigger: return "trigger"
        case .stage: return "stage"
        case .stageConfiguration: return "stage setting"
        }
    }
}

/// Compares two executions of one pipeline (full Orca JSON): parameters, artifacts, images anywhere in
/// stage contexts, build numbers, trigger type/user, the list of stages and a few stage settings.
public enum ExecutionChanges {
    static let comparedStageSettings = ["account", "credentials", "namespace", "cloudProvider", "strategy", "manifestName", "cluster",
                                        "regions", "capacity", "targetHealthyDeployPercentage", "waitTime", "url", "method"]

    public static func between(previous: JSONValue, current: JSONValue) -> [ExecutionChange] {
        var changes: [ExecutionChange] = []
        let before = previous["trigger"] ?? .null
        let after = current["trigger"] ?? .null

        let oldParameters = before["parameters"]?.objectValue ?? [:]
        let newParameters = after["parameters"]?.objectValue ?? [:]
        for key in Set(oldParameters.keys).union(newParameters.keys).sorted() {
            let a = oldParameters[key].map(text), b = newParameters[key].map(text)
            if a != b { changes.append(ExecutionChange(kind: .parameter, name: key, before: a, after: b)) }
        }

        let oldArtifacts = artifacts(previous), newArtifacts = artifacts(current)
        for key in Set(oldArtifacts.keys).union(newArtifacts.keys).sorted() where oldArtifacts[key] != newArtifacts[key] {
            changes.append(ExecutionChange(kind: .artifact, name: key, before: oldArtifacts[key], after: newArtifacts[key]))
        }

        let oldImages = images(previous), newImages = images(current)
        for repository in Set(oldImages.keys).union(newImages.keys).sorted() where oldImages[repository] != newImages[repository] {
            // Already said by an artifact change of the same image.
            if changes.contains(where: { $0.kind == .artifact && ($0.after ?? "").hasPrefix(repository) }) { continue }
            changes.append(ExecutionChange(kind: .image, name: repository, before: oldImages[repository], after: newImages[repository]))
        }

        let oldBuild = build(before), newBuild = build(after)
        if oldBuild != newBuild { changes.append(ExecutionChange(kind: .build, name: "number", before: oldBuild, after: newBuild)) }
        for field in ["type", "user"] {
            let a = before[field]?.nonEmptyString, b = after[field]?.nonEmptyString
            if a != b { changes.append(ExecutionChange(kind: .trigger, name: field, before: a, after: b)) }
        }

        let oldStages = stages(previous), newStages = stages(current)
        let oldNames = oldStages.map(\.0), newNames = newStages.map(\.0)
        for name in newNames where !oldNames.contains(name) {
            changes.append(ExecutionChange(kind: .stage, name: name, before: nil, after: newStages.first { $0.0 == name }?.1["type"]?.stringValue))
        }
        for name in oldNames where !newNames.contains(name) {
            changes.append(ExecutionChange(kind: .stage, name: name, before: oldStages.first { $0.0 == name }?.1["type"]?.stringValue, after: nil))
        }
        for (name, stage) in newStages {
            guard let old = oldStages.first(where: { $0.0 == name })?.1 else { continue }
            for key in comparedStageSettings {
                let a = old["context"]?[key].map(text), b = stage["context"]?[key].map(text)
                if a != b { changes.append(ExecutionChange(kind: .stageConfiguration, name: "\(name).\(key)", before: a, after: b)) }
            }
        }
        return changes
    }

    static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.serializedString()
    }

    static func artifacts(_ execution: JSONValue) -> [String: String] {
        var found: [String: String] = [:]
        let lists = [execution["trigger"]?["artifacts"], execution["trigger"]?["resolvedExpectedArtifacts"]]
        for artifact in lists.compactMap({ $0?.arrayValue }).joined() {
            let item = artifact["boundArtifact"] ?? artifact
            guard let name = item["name"]?.nonEmptyString ?? item["reference"]?.nonEmptyString else { continue }
            found[name] = item["reference"]?.nonEmptyString ?? item["version"]?.nonEmptyString ?? name
        }
        return found
    }

    /// Container/machine images named anywhere in stage contexts: `image`, `imageId`, `amiName`, `images[]`.
    static func images(_ execution: JSONValue) -> [String: String] {
        var found: [String: String] = [:]
        func visit(_ value: JSONValue, key: String?, depth: Int) {
            guard depth < 24 else { return }
            switch value {
            case .string(let s) where ["image", "imageId", "amiName", "images"].contains(key ?? ""):
                let repository = s.split(separator: "@").first.map(String.init).flatMap { ref -> String? in
                    guard let colon = ref.lastIndex(of: ":"), !ref[colon...].contains("/") else { return ref }
                    return String(ref[..<colon])
                } ?? s
                found[repository] = s
            case .object(let members):
                for (k, v) in members { visit(v, key: k, depth: depth + 1) }
            case .array(let items):
                for item in items { visit(item, key: key, depth: depth + 1) }
            default:
                break
            }
        }
        for stage in execution["stages"]?.arrayValue ?? [] { visit(stage["context"] ?? .null, key: nil, depth: 0) }
        return found
    }

    static func build(_ trigger: JSONValue) -> String? {
        trigger["buildInfo"]?["number"]?.nonEmptyString ?? trigger["buildNumber"]?.nonEmptyString
    }

    static func stages(_ execution: JSONValue) -> [(String, JSONValue)] {
        (execution["stages"]?.arrayValue ?? []).filter { $0["syntheticStageOwner"]?.nonEmptyString == nil }
            .compactMap { stage in stage["name"]?.nonEmptyString.map { ($0, stage) } }
    }
}
