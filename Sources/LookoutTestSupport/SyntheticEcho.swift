public import Foundation
public import Spinnaker

/// SYNTHETIC Echo events: real Orca executions from the fixtures wrapped in the envelope Echo's
/// `RestEventListener` sends (no captured Echo REST body exists publicly; see
/// `shared/docs/reference/spinnaker-wire.md` §5). Every event built here is labelled synthetic.
public enum SyntheticEcho {
    /// The raw (`wrap: false`) envelope: `{"details", "content", "eventId"}`.
    public static func raw(type: String, execution: JSONValue?, executionId: String? = nil, stage: JSONValue? = nil,
                           taskName: String? = nil, eventId: String? = UUID().uuidString, created: Int64 = 1_745_292_110_432) -> JSONValue {
        let id = executionId ?? execution?["id"]?.stringValue ?? "unknown"
        var content: [String: JSONValue] = ["executionId": .string(id)]
        if let execution { content["execution"] = execution }
        if let stage {
            content["stageId"] = stage["id"] ?? .null
            content["name"] = stage["name"] ?? .null
            content["context"] = stage["context"] ?? .object([:])
            content["startTime"] = stage["startTime"] ?? .null
            content["endTime"] = stage["endTime"] ?? .null
            content["standalone"] = .bool(false)
            content["canceled"] = .bool(false)
            content["isSynthetic"] = .bool(false)
        }
        if let taskName { content["taskName"] = .string(taskName) }
        var event: [String: JSONValue] = [
            "details": .object([
                "source": .string("orca"),
                "type": .string(type),
                "created": .string(String(created)),
                "application": execution?["application"] ?? .string("app"),
                "requestHeaders": .object([:]),
            ]),
            "content": .object(content),
        ]
        if let eventId { event["eventId"] = .string(eventId) }
        return .object(event)
    }

    /// `wrap: true`: `{"eventName": "spinnaker_events", "payload": <raw event>}`.
    public static func wrapped(_ raw: JSONValue, eventName: String = "spinnaker_events", field: String = "payload") -> JSONValue {
        .object(["eventName": .string(eventName), field: raw])
    }

    /// `flatten: true`: `details` and `content` become JSON strings.
    public static func flattened(_ raw: JSONValue) -> JSONValue {
        guard var members = raw.objectValue else { return raw }
        for key in ["details", "content"] {
            if let value = members[key] { members[key] = .string(value.serializedString()) }
        }
        return .object(members)
    }

    /// A copy of an execution with a new id, status and (optionally) stage statuses.
    public static func execution(_ base: JSONValue, id: String, status: String, stageStatus: ((Int, JSONValue) -> String?)? = nil) -> JSONValue {
        guard var members = base.objectValue else { return base }
        members["id"] = .string(id)
        members["status"] = .string(status)
        if let stageStatus, let stages = members["stages"]?.arrayValue {
            members["stages"] = .array(stages.enumerated().map { index, stage in
                guard var s = stage.objectValue, let newStatus = stageStatus(index, stage) else { return stage }
                s["status"] = .string(newStatus)
                return .object(s)
            })
        }
        return .object(members)
    }

    public static func body(_ value: JSONValue) -> Data {
        (try? value.serialized()) ?? Data()
    }
}
