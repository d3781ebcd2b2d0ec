import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutServer
import LookoutTestSupport
import Spinnaker
import Testing

/// Keeps `openapi.yaml` true: every documented operation is routed, and every route in the
/// controllers is documented.
@Suite struct OpenAPITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// (method, path) pairs from the document's `paths:` section.
    static func documentedOperations() throws -> Set<String> {
        let text = try String(contentsOf: repository.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var operations: Set<String> = []
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(method)) { operations.insert("\(method.uppercased()) \(path)") }
            }
        }
        return operations
    }

    /// (method, path) pairs registered by the controllers, read from their source.
    static func routedOperations() throws -> Set<String> {
        let controllers = repository.appendingPathComponent("Sources/LookoutServer/Controllers")
        let pattern = try NSRegularExpression(pattern: #"(router|group)\.(get|post|put|patch|delete)\("([^"]+)""#)
        var operations: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: controllers.path) where file.hasSuffix(".swift") {
            let source = try String(contentsOf: controllers.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
                let receiver = String(source[Range(match.range(at: 1), in: source)!])
                let method = String(source[Range(match.range(at: 2), in: source)!]).uppercased()
                var path = String(source[Range(match.range(at: 3), in: source)!])
                if receiver == "group" { path = "/api/v1" + path }
                path = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                operations.insert("\(method) /\(path)")
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() async throws {
        let documented = try Self.documentedOperations()
        let routed = try Self.routedOperations()
        #expect(routed.count > 10)
        #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")

        // And the running application answers each documented operation (not "no such route").
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                for operation in documented {
                    let parts = operation.split(separator: " ")
                    let uri = String(parts[1]).replacingOccurrences(of: "{token}", with: tenant.webhookToken)
                        .replacingOccurrences(of: "{executionId}", with: "x").replacingOccurrences(of: "{id}", with: "x")
                    let response = try await client.execute(uri: uri, method: HTTPRequest.Method(String(parts[0]))!,
                        headers: [.authorization: "Bearer \(tenant.admin)", .contentType: "application/json"], body: ByteBuffer(string: "{}"))
                    #expect(response.errorCode != "no_route" && response.status != .methodNotAllowed, "\(operation) → \(response.status)")
                }
                let unknown = try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: [.authorization: "Bearer \(tenant.admin)"])
                #expect(unknown.status == .notFound && unknown.errorCode == "no_route")
                let document = try await client.execute(uri: "/openapi.yaml", method: .get)
                #expect(document.status == .ok && String(buffer: document.body).hasPrefix("openapi: 3"))
            }
        }
    }
}
