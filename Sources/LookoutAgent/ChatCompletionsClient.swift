import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import Spinnaker

/// An OpenAI-compatible `/v1/chat/completions` client (any server that speaks that format). The API
/// key travels only in the `Authorization` header and never appears in errors.
public final class ChatCompletionsClient: Sendable {
    public let model: String
    private let endpoint: String
    private let apiKey: String?
    private let http: HTTPClient
    private let timeout: TimeAmount

    public init(baseURL: String, apiKey: String?, model: String, timeoutSeconds: Int64 = 30) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        endpoint = base.hasSuffix("/v1") ? "\(base)/chat/completions" : "\(base)/v1/chat/completions"
        self.apiKey = apiKey
        self.model = model
        timeout = .seconds(timeoutSeconds)
        http = HTTPClient(eventLoopGroupProvider: .singleton,
                          configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(timeoutSeconds))))
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreachable
        case timedOut
        case http(Int)
        case malformed

        public var description: String {
            switch self {
            case .unreachable: return "the LLM service is unreachable"
            case .timedOut: return "the LLM service did not answer in time"
            case .http(let code): return "the LLM service answered HTTP \(code)"
            case .malformed: return "the LLM service's answer is not a chat completion"
            }
        }
    }

    /// Sends messages (and tools, for tool calling); returns the first choice's message.
    public func complete(messages: [JSONValue], tools: [JSONValue] = [], temperature: Double = 0.2) async throws(Failure) -> JSONValue {
        var body: [String: JSONValue] = ["model": .string(model), "messages": .array(messages), "temperature": .number(temperature)]
        if !tools.isEmpty { body["tools"] = .array(tools) }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: (try? JSONValue.object(body).serialized()) ?? Data()))
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 8 << 20)
        } catch {
            if "\(error)".contains("deadline") || "\(error)".contains("Timeout") || "\(error)".contains("timeout") { throw .timedOut }
            throw .unreachable
        }
        guard (200..<300).contains(status) else { throw .http(status) }
        guard let answer = try? JSONValue.parse(Data(bytes.readableBytesView)),
              let message = answer["choices"]?.arrayValue?.first?["message"], message.objectValue != nil else { throw .malformed }
        return message
    }
}
