import ArgumentParser
import Foundation
import LookoutAgent
import MCP
import Spinnaker

/// `lookout mcp`: an MCP server on stdio for desktop agents. It talks to a Lookout server at
/// `LOOKOUT_URL` (default http://127.0.0.1:5080) with the API token in `LOOKOUT_TOKEN`. It offers
/// `spinnaker_rca` and read tools for incidents and RCA reports; it cannot confirm a pending action.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mcp", abstract: "Serve MCP on stdio (for desktop agents).")

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let url = environment["LOOKOUT_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:5080"
        guard let token = environment["LOOKOUT_TOKEN"], !token.isEmpty else {
            fail("LOOKOUT_TOKEN is not set: create an API token with 'lookout token create --email …'.")
        }
        let api = HTTPToolAPI(baseURL: url, token: token)
        let server = Server(name: MCPTools.serverName, version: MCPTools.serverVersion, capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            .init(tools: MCPTools.definitions.map { definition in
                Tool(name: definition["name"]?.stringValue ?? "", description: definition["description"]?.stringValue ?? "",
                     inputSchema: Self.value(definition["inputSchema"] ?? [:]))
            })
        }
        await server.withMethodHandler(CallTool.self) { params in
            let arguments = Self.json(params.arguments ?? [:])
            let (text, isError) = await MCPTools.call(name: params.name, arguments: arguments, api: api)
            return .init(content: [.text(text: text, annotations: nil, _meta: nil)], isError: isError)
        }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
        await api.shutdown()
    }

    /// JSONValue → the SDK's `Value` (both are plain JSON).
    static func value(_ json: JSONValue) -> Value {
        (try? JSONDecoder().decode(Value.self, from: json.serialized())) ?? .null
    }

    /// The SDK's arguments → JSONValue.
    static func json(_ arguments: [String: Value]) -> JSONValue {
        (try? JSONEncoder().encode(arguments)).flatMap { try? JSONValue.parse($0) } ?? [:]
    }
}
