import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import Testing

/// Each kind of bad webhook input gets its own clear 4xx, stores nothing, and does not disturb the
/// requests around it.
@Suite struct BadInputTests {
    @Test func eachBadInputHasItsOwnAnswerAndStoresNothing() async throws {
        try await TestHarness.run({ $0.webhookMaxBody = 64 * 1024 }) { harness in
            let tenant = try await harness.tenant("acme")
            let good = SyntheticEcho.body(SyntheticEcho.raw(type: "orca:pipeline:starting",
                execution: SyntheticEcho.execution(try Fixtures.succeededExecution(), id: "01GOOD", status: "RUNNING")))
            let huge = Data(#"{"details":{"type":"orca:pipeline:starting"},"pad":""#.utf8) + Data(repeating: UInt8(ascii: "x"), count: 70 * 1024)
                + Data(#""}"#.utf8)
            struct Case { var name: String; var uri: String; var contentType: String?; var body: Data; var status: HTTPResponse.Status; var code: String }
            let url = "/spinnaker/webhook/\(tenant.webhookToken)"
            let cases = [
                Case(name: "not JSON", uri: url, contentType: "application/json", body: Data("{oops".utf8), status: .badRequest, code: "invalid_json"),
                Case(name: "empty", uri: url, contentType: "application/json", body: Data(), status: .badRequest, code: "bad_request"),
                Case(name: "a JSON array", uri: url, contentType: "application/json", body: Data("[{}]".utf8), status: .unprocessableContent, code: "not_an_object"),
                Case(name: "no known shape", uri: url, contentType: "application/json", body: Data(#"{"foo":"bar"}"#.utf8),
                     status: .unprocessableContent, code: "unknown_shape"),
                Case(name: "Orca event without execution id", uri: url, contentType: "application/json",
                     body: Data(#"{"details":{"source":"orca","type":"orca:pipeline:failed"},"content":{}}"#.utf8),
                     status: .unprocessableContent, code: "invalid_field"),
                Case(name: "wrong content type", uri: url, contentType: "text/plain", body: good, status: .unsupportedMediaType, code: "unsupported_media_type"),
                Case(name: "no content type", uri: url, contentType: nil, body: good, status: .unsupportedMediaType, code: "unsupported_media_type"),
                Case(name: "unknown token", uri: "/spinnaker/webhook/whk_unknown", contentType: "application/json", body: good,
                     status: .notFound, code: "unknown_webhook_token"),
                Case(name: "too large", uri: url, contentType: "application/json", body: huge, status: .contentTooLarge, code: "too_large"),
            ]
            try await harness.test { (client) async throws -> Void in
                for c in cases {
                    var headers: HTTPFields = [:]
                    if let type = c.contentType { headers[.contentType] = type }
                    async let bad = client.execute(uri: c.uri, method: .post, headers: headers, body: ByteBuffer(bytes: c.body))
                    // A good request at the same time is not disturbed.
                    async let fine = client.execute(uri: url, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: good))
                    let (badResponse, fineResponse) = try await (bad, fine)
                    #expect(badResponse.status == c.status, "\(c.name)")
                    #expect(badResponse.errorCode == c.code, "\(c.name)")
                    #expect(badResponse.json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(c.name) explains itself")
                    #expect(fineResponse.status == .accepted, "\(c.name) disturbed a good request")
                    if c.code == "too_large" {
                        #expect(badResponse.json?["error"]?["message"]?.stringValue?.contains("LOOKOUT_WEBHOOK_MAX_BODY") == true)
                    }
                }
            }
            let counts = try await harness.dependencies.executions.counts(organisationId: tenant.organisation.id)
            // Only the good event was stored (its copies are duplicates of one).
            #expect(counts.executions == 1 && counts.events == 1 && counts.otherEvents == 0)
        }
    }

    @Test func apiRejectsBadQueriesAndBodies() async throws {
        try await TestHarness.run { harness in
            let tenant = try await harness.tenant("acme")
            try await harness.test { (client) async throws -> Void in
                #expect(try await client.get("/api/v1/deployments?status=BOGUS", token: tenant.viewer).status == .badRequest)
                #expect(try await client.get("/api/v1/deployments?limit=0", token: tenant.viewer).status == .badRequest)
                #expect(try await client.get("/api/v1/deployments?cursor=@@@", token: tenant.viewer).status == .badRequest)
                #expect(try await client.get("/api/v1/deployments/nope", token: tenant.viewer).status == .notFound)
                #expect(try await client.get("/api/v1/incidents?status=maybe", token: tenant.viewer).status == .badRequest)
                let put = { (body: String) in
                    try await client.execute(uri: "/api/v1/settings", method: .put,
                        headers: [.authorization: "Bearer \(tenant.admin)", .contentType: "application/json"], body: ByteBuffer(string: body))
                }
                #expect(try await put("{nope").status == .badRequest)
                #expect(try await put(#"{"createIncidentFor":["SUCCEEDED"]}"#).status == .unprocessableContent)
                #expect(try await put(#"{"createIncidentFor":["WHAT"]}"#).status == .unprocessableContent)
                #expect(try await put(#"{"correlationWindowMinutes":"soon"}"#).status == .unprocessableContent)
                let unchanged = try await client.json("/api/v1/settings", token: tenant.viewer)
                #expect(unchanged["createIncidentFor"]?.arrayValue?.count == 3, "a rejected change changes nothing")
            }
        }
    }
}
