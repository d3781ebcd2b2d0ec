import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import Spinnaker

/// Plays Echo event sequences to a webhook URL, as Echo's `rest` listener would (POST, JSON,
/// optional extra headers such as `Authorization: Bearer <token>`).
public struct EchoEmitter: Sendable {
    public var webhookURL: String
    public var headers: [String: String]

    public init(webhookURL: String, headers: [String: String] = [:]) {
        self.webhookURL = webhookURL
        self.headers = headers
    }

    /// Posts every event of `run` in order; returns the HTTP status of each. Also records the final
    /// execution in `catalog`, so the Gate simulator knows the run Echo announced.
    @discardableResult
    public func play(_ run: SimulatedExecution, catalog: SimulatorCatalog? = nil, delay: Duration = .zero) async throws -> [Int] {
        var statuses: [Int] = []
        for event in EchoScenario.events(for: run) {
            statuses.append(try await post(event))
            if delay > .zero { try await Task.sleep(for: delay) }
        }
        await catalog?.record(execution: run.json())
        return statuses
    }

    public func post(_ event: JSONValue) async throws -> Int {
        var request = HTTPClientRequest(url: webhookURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try event.serialized()))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
