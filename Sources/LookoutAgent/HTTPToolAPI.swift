import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import Spinnaker

/// The MCP tools over a Lookout server's HTTP API, for `lookout mcp` on stdio: `LOOKOUT_URL` and an API
/// token in `LOOKOUT_TOKEN`. The token is sent only as a Bearer header.
public final class HTTPToolAPI: LookoutToolAPI {
    let baseURL: String
    let token: String
    let http: HTTPClient

    public init(baseURL: String, token: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.token = token
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(120))))
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    public func spinnakerRCA(_ arguments: JSONValue) async throws -> JSONValue {
        try await send(.POST, "/api/v1/tools/spinnaker_rca", body: arguments)
    }

    public func incidents(status: String?) async throws -> JSONValue {
        try await send(.GET, "/api/v1/incidents" + (status.map { "?status=\(Self.encode($0))" } ?? ""))
    }

    public func incident(id: String) async throws -> JSONValue {
        try await send(.GET, "/api/v1/incidents/\(Self.encode(id))")
    }

    public func rcaReport(incidentId: String) async throws -> JSONValue {
        try await send(.GET, "/api/v1/incidents/\(Self.encode(incidentId))/rca")
    }

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try body.serialized()))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(120))
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw MCPTools.ToolError("Lookout at \(baseURL) is unreachable.")
        }
        let value = (try? JSONValue.parse(Data(bytes.readableBytesView))) ?? .null
        guard (200..<300).contains(Int(response.status.code)) else {
            throw MCPTools.ToolError(value["error"]?["message"]?.stringValue ?? "Lookout answered HTTP \(response.status.code).")
        }
        return value
    }
}
