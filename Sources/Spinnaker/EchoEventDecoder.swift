public import Foundation

/// Reads an Echo `rest` notification in any of the shapes Echo can send:
/// - raw (`wrap: false`, the default): `{"details", "content", "eventId"}`;
/// - wrapped (`wrap: true`): `{"eventName": …, "<fieldName>": <raw event>}`, also via a template that
///   puts the event under any single key;
/// - `flatten: true`: `details` and `content` are JSON strings;
/// - the flat legacy shape: `{"application", "pipeline", "execution_id", "status", "event_type", …}`.
public enum EchoEventDecoder {
    public static func decode(_ body: Data) throws(EchoDecodingError) -> EchoEvent {
        let document: JSONValue
        do {
            document = try JSONValue.parse(body, shape: EchoShapes.envelope)
        } catch {
            throw .notJSON
        }
        return try decode(document)
    }

    public static func decode(_ document: JSONValue) throws(EchoDecodingError) -> EchoEvent {
        guard case .object(let top) = document else {
            throw .notAnObject(kind: document.kindName)
        }
        if let raw = rawEvent(in: top) {
            return try decodeRaw(raw)
        }
        if let flat = flatLegacyEvent(top) {
            return flat
        }
        throw .unknownShape(keys: top.keys.sorted())
    }

    // MARK: - Shapes

    /// The raw event at the top level, or one level down when wrapped (`payload` or a template key).
    private static func rawEvent(in top: [String: JSONValue]) -> [String: JSONValue]? {
        if top["details"] != nil { return top }
        var preferred: [String] = ["payload"]
        if let field = top["fieldName"]?.nonEmptyString { preferred.insert(field, at: 0) }
        for key in preferred {
            if let inner = top[key]?.objectValue, inner["details"] != nil { return inner }
        }
        for (key, value) in top.sorted(by: { $0.key < $1.key }) where key != "eventName" {
            if let inner = value.objectValue, inner["details"] != nil { return inner }
        }
        return nil
    }

    private static func decodeRaw(_ event: [String: JSONValue]) throws(EchoDecodingError) -> EchoEvent {
        guard let details = try unflatten(event["details"], field: "details", shape: .everything)?.objectValue else {
            throw .invalidField("details", "expected an object")
        }
        let content = try unflatten(event["content"], field: "content", shape: EchoShapes.content)
        let eventId = event["eventId"]?.nonEmptyString
        let type = details["type"]?.nonEmptyString
        let createdAt = details["created"]?.int64Value

        guard let type, let parsed = parseOrcaType(type), details["source"]?.stringValue ?? "orca" == "orca" else {
            return .other(ForeignEvent(
                eventId: eventId,
                source: details["source"]?.stringValue,
                type: type,
                application: details["application"]?.nonEmptyString,
                createdAt: createdAt,
                body: .object(["details": .object(details), "content": content ?? .null])
            ))
        }
        let content_ = content?.objectValue ?? [:]
        let executionJSON = content_["execution"].flatMap { $0.objectValue == nil ? nil : $0 }
        let execution = executionJSON.map(ExecutionSnapshot.init(json:))
        guard let executionId = content_["executionId"]?.nonEmptyString ?? execution?.id else {
            throw .invalidField("content.executionId", "an Orca event must name its execution")
        }
        var stageId = content_["stageId"]?.nonEmptyString
        var stageName = parsed.scope.isExecutionLevel ? nil : content_["name"]?.nonEmptyString
        if parsed.scope.isExecutionLevel { stageId = nil }
        if stageName == nil, let stageId, let stage = execution?.stages.first(where: { $0.id == stageId }) {
            stageName = stage.name
        }
        return .orca(OrcaEvent(
            eventId: eventId,
            type: type,
            scope: parsed.scope,
            phase: parsed.phase,
            application: details["application"]?.nonEmptyString ?? execution?.application,
            createdAt: createdAt,
            executionId: executionId,
            stageId: stageId,
            stageName: stageName,
            taskName: parsed.scope == .task ? content_["taskName"]?.nonEmptyString : nil,
            execution: execution,
        ))
    }

    /// The whole execution JSON inside a stored event body, whatever its shape (for RCA, which
    /// compares runs stage by stage).
    public static func fullExecution(fromBody body: Data) -> JSONValue? {
        guard case .object(let top)? = try? JSONValue.parse(body) else { return nil }
        if let raw = rawEvent(in: top) {
            let content: JSONValue? = (try? unflatten(raw["content"], field: "content", shape: .everything)) ?? nil
            if let execution = content?["execution"], execution.objectValue != nil { return execution }
            return nil
        }
        if let execution = top["execution"], execution.objectValue != nil { return execution }
        return .object(top)
    }

    /// The shape older integrations (and Aurora's normaliser output) post: one flat object.
    private static func flatLegacyEvent(_ top: [String: JSONValue]) -> EchoEvent? {
        let executionJSON = top["execution"].flatMap { $0.objectValue == nil ? nil : $0 }
        guard let executionId = top["execution_id"]?.nonEmptyString ?? top["executionId"]?.nonEmptyString
            ?? executionJSON?["id"]?.nonEmptyString
        else { return nil }
        let statusText = top["status"]?.nonEmptyString ?? executionJSON?["status"]?.nonEmptyString
        guard statusText != nil || executionJSON != nil else { return nil }

        var members: [String: JSONValue] = executionJSON?.objectValue ?? [:]
        func fill(_ key: String, _ value: JSONValue?) {
            if members[key] == nil || members[key] == .null, let value, value != .null { members[key] = value }
        }
        fill("id", .string(executionId))
        fill("application", top["application"] ?? top["service"])
        fill("name", top["pipeline_name"] ?? top["pipeline"])
        fill("status", statusText.map(JSONValue.string))
        fill("startTime", top["start_time"])
        fill("endTime", top["end_time"])
        fill("stages", top["stages"])
        fill("type", .string("PIPELINE"))
        if members["trigger"]?.objectValue == nil {
            var trigger: [String: JSONValue] = [:]
            if let t = top["trigger_type"] { trigger["type"] = t }
            if let u = top["trigger_user"] { trigger["user"] = u }
            if let p = top["parameters"] { trigger["parameters"] = p }
            members["trigger"] = .object(trigger)
        }
        let json = JSONValue.object(members)
        let execution = ExecutionSnapshot(json: json)

        let declared = top["event_type"]?.nonEmptyString ?? ""
        let parsed = parseOrcaType(declared) ?? (
            scope: .pipeline,
            phase: execution.status.isComplete ? (execution.status.isSuccessful ? .complete : .failed) : .starting
        )
        let type = parseOrcaType(declared) == nil ? "orca:pipeline:\(parsed.phase.rawValue)" : declared
        return .orca(OrcaEvent(
            eventId: top["eventId"]?.nonEmptyString ?? top["event_id"]?.nonEmptyString,
            type: type,
            scope: parsed.scope,
            phase: parsed.phase,
            application: execution.application,
            createdAt: top["created"]?.int64Value,
            executionId: executionId,
            stageId: nil,
            stageName: nil,
            taskName: nil,
            execution: execution,
        ))
    }

    // MARK: - Helpers

    /// `flatten: true` sends `details` and `content` as JSON text.
    private static func unflatten(_ value: JSONValue?, field: String, shape: JSONShape) throws(EchoDecodingError) -> JSONValue? {
        guard case .string(let text)? = value else { return value }
        do {
            return try JSONValue.parse(Data(text.utf8), shape: shape)
        } catch {
            throw .invalidField(field, "a flattened field must hold JSON text")
        }
    }

    /// `orca:<scope>:<phase>`.
    public static func parseOrcaType(_ type: String) -> (scope: OrcaEventScope, phase: OrcaEventPhase)? {
        let parts = type.split(separator: ":")
        guard parts.count == 3, parts[0] == "orca",
              let scope = OrcaEventScope(rawValue: String(parts[1])),
              let phase = OrcaEventPhase(rawValue: String(parts[2]))
        else { return nil }
        return (scope, phase)
    }
}

/// What of an Echo event the decoder builds: everything except the bulk of the execution (stage
/// contexts and outputs, initial config, the parent execution's stages), which `ExecutionSnapshot` does
/// not read. Skipping it is most of the cost of an 85 KB event.
enum EchoShapes {
    static let execution: JSONShape = .only([
        "id": .everything, "type": .everything, "application": .everything, "name": .everything,
        "description": .everything, "status": .everything, "buildTime": .everything, "startTime": .everything,
        "endTime": .everything, "canceled": .everything, "canceledBy": .everything, "cancellationReason": .everything,
        "pipelineConfigId": .everything, "authentication": .everything,
        "trigger": .all(except: ["parentExecution": .only(["id": .everything, "name": .everything, "application": .everything])]),
        "stages": .array(.only([
            "id": .everything, "refId": .everything, "type": .everything, "name": .everything, "status": .everything,
            "startTime": .everything, "endTime": .everything, "parentStageId": .everything,
            "syntheticStageOwner": .everything, "requisiteStageRefIds": .everything, "tasks": .everything,
            "context": .only(["exception": .everything, "kato.tasks": .everything, "failureMessage": .everything,
                              "manifestName": .everything, "cluster": .everything, "serverGroupName": .everything,
                              "moniker": .everything, "deploy.server.groups": .everything, "account": .everything,
                              "credentials": .everything, "judgmentStatus": .everything, "lastModifiedBy": .everything,
                              "clusters": .array(.only(["application": .everything, "stack": .everything,
                                                        "freeFormDetails": .everything, "account": .everything]))]),
        ])),
    ])

    /// `content` of an Orca event: the stage `context` repeats what the execution has.
    static let content: JSONShape = .all(except: ["execution": execution, "context": .only([:])])

    /// The envelope, raw or wrapped (`payload`), or the flat legacy shape (top-level `execution`).
    static let envelope: JSONShape = .all(except: [
        "content": content,
        "execution": execution,
        "payload": .all(except: ["content": content]),
    ])
}

/// Why a body is not an Echo event. Each case is a different thing for the sender to fix.
public enum EchoDecodingError: Error, Equatable, CustomStringConvertible {
    case notJSON
    case notAnObject(kind: String)
    case unknownShape(keys: [String])
    case invalidField(String, String)

    public var description: String {
        switch self {
        case .notJSON:
            return "The body is not valid JSON."
        case .notAnObject(let kind):
            return "Expected an Echo event (a JSON object), got a JSON \(kind)."
        case .unknownShape(let keys):
            let shown = keys.prefix(8).joined(separator: ", ")
            return "Not an Echo event: no 'details'/'content' (raw), no wrapped event, and no flat 'execution_id'+'status'. Keys seen: [\(shown)]."
        case .invalidField(let field, let problem):
            return "Invalid field '\(field)': \(problem)."
        }
    }
}

extension JSONValue {
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
