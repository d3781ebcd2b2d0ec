import Foundation
public import Spinnaker

/// What the MCP tools need from Lookout. The HTTP `/mcp` endpoint answers in-process; `lookout mcp`
/// (stdio, for desktop agents) answers by calling a Lookout server's API with an API token.
public protocol LookoutToolAPI: Sendable {
    func spinnakerRCA(_ arguments: JSONValue) async throws -> JSONValue
    func incidents(status: String?) async throws -> JSONValue
    func incident(id: String) async throws -> JSONValue
    func rcaReport(incidentId: String) async throws -> JSONValue
}

/// The MCP tools: `spinnaker_rca` plus read tools for incidents and RCA reports. There is no tool
/// that confirms a pending action: a trigger over MCP returns the action and where a person confirms it.
public enum MCPTools {
    public static let serverName = "lookout"
    public static let serverVersion = "0.1.0"

    public static let definitions: [JSONValue] = [
        ["name": "spinnaker_rca", "description": .string(SpinnakerRCATool.description), "inputSchema": SpinnakerRCATool.inputSchema],
        ["name": "list_incidents", "description": "Incidents of the organisation, newest first, with severity and status.",
         "inputSchema": ["type": "object", "properties": ["status": ["type": "string", "enum": ["open", "resolved"]]]]],
        ["name": "get_incident", "description": "One incident with its deployment, ranked suspect deployments (score and reasons) and alerts.",
         "inputSchema": ["type": "object", "properties": ["id": ["type": "string"]], "required": ["id"]]],
        ["name": "get_rca_report", "description": "The latest root-cause analysis of an incident, as Markdown and JSON.",
         "inputSchema": ["type": "object", "properties": ["incidentId": ["type": "string"]], "required": ["incidentId"]]],
    ]

    public struct ToolError: Error, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Runs a tool; returns its result as text (pretty JSON, or the RCA Markdown) and whether it failed.
    public static func call(name: String, arguments: JSONValue, api: any LookoutToolAPI) async -> (text: String, isError: Bool) {
        do {
            let result: JSONValue
            switch name {
            case "spinnaker_rca":
                result = try await api.spinnakerRCA(arguments)
            case "list_incidents":
                result = try await api.incidents(status: arguments["status"]?.nonEmptyString)
            case "get_incident":
                guard let id = arguments["id"]?.nonEmptyString else { return ("'id' is required.", true) }
                result = try await api.incident(id: id)
            case "get_rca_report":
                guard let id = arguments["incidentId"]?.nonEmptyString else { return ("'incidentId' is required.", true) }
                let report = try await api.rcaReport(incidentId: id)
                if let markdown = report["markdown"]?.stringValue { return (markdown, false) }
                result = report
            default:
                return ("Unknown tool '\(name)'.", true)
            }
            return (pretty(result), false)
        } catch {
            return ("\(error)", true)
        }
    }

    static func pretty(_ value: JSONValue) -> String {
        guard let data = try? value.serialized(), let object = try? JSONSerialization.jsonObject(with: data),
              let text = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return value.serializedString() }
        return String(decoding: text, as: UTF8.self)
    }

    /// Protocol versions this server speaks (newest first).
    public static let protocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    /// One JSON-RPC message of MCP's HTTP transport (`POST /mcp`): the answer, or nil for notifications.
    public static func handle(_ message: JSONValue, api: any LookoutToolAPI) async -> JSONValue? {
        let id = message["id"]
        let method = message["method"]?.stringValue ?? ""
        func result(_ value: JSONValue) -> JSONValue? { id.map { ["jsonrpc": "2.0", "id": $0, "result": value] } }
        func failure(_ code: Int, _ text: String) -> JSONValue? {
            ["jsonrpc": "2.0", "id": id ?? .null, "error": ["code": .number(Double(code)), "message": .string(text)]]
        }
        guard message["jsonrpc"]?.stringValue == "2.0", !method.isEmpty else { return failure(-32600, "Invalid JSON-RPC request") }
        switch method {
        case "initialize":
            let requested = message["params"]?["protocolVersion"]?.stringValue ?? protocolVersions[0]
            let version = protocolVersions.contains(requested) ? requested : protocolVersions[0]
            return result(["protocolVersion": .string(version), "capabilities": ["tools": ["listChanged": false]],
                           "serverInfo": ["name": .string(serverName), "version": .string(serverVersion)],
                           "instructions": "Lookout: Spinnaker deployments, incidents and RCA. Pipeline triggers need a person's confirmation in Lookout."])
        case "ping":
            return result([:])
        case "tools/list":
            return result(["tools": .array(definitions)])
        case "tools/call":
            guard let name = message["params"]?["name"]?.stringValue else { return failure(-32602, "tools/call needs a name") }
            let (text, isError) = await call(name: name, arguments: message["params"]?["arguments"] ?? [:], api: api)
            return result(["content": [["type": "text", "text": .string(text)]], "isError": .bool(isError)])
        default:
            if method.hasPrefix("notifications/") { return nil }
            return failure(-32601, "Method not found: \(method)")
        }
    }
}
