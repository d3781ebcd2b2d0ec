import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutSecrets
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import Testing

/// No secret (Gate password, token, private key, webhook token) reaches a log line, an API response or
/// the database file in plain text.
@Suite struct SecretHandlingTests {
    static let password = "p4ss-W0rd-that-must-not-leak"
    static let gateToken = "gate-token-that-must-not-leak-7f3a"

    @Test func secretsNeverAppearInLogsResponsesOrTheDatabase() async throws {
        let recorder = LogRecorder()
        var responses: [String] = []
        var webhookTokenSeen = ""
        try await withGateSimulator(username: "deployer", password: Self.password) { port, _ in
            try await TestHarness.run({ _ in }, logger: recorder.logger()) { harness in
                let acme = try await harness.tenant("acme")
                webhookTokenSeen = acme.webhookToken
                responses = try await harness.test { (client) async throws -> [String] in
                    var bodies: [String] = []
                    func call(_ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil, token: String = acme.admin) async throws {
                        let response = try await client.send(method, uri, token: token, json: json)
                        bodies.append(String(buffer: response.body))
                    }
                    let good = #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","username":"deployer","password":"\#(Self.password)"}"#
                    let bad = #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","username":"deployer","password":"\#(Self.password)-wrong"}"#
                    let token = #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","token":"\#(Self.gateToken)"}"#
                    try await call(.post, "/api/v1/connectors/spinnaker", bad)
                    try await call(.post, "/api/v1/connectors/spinnaker", token)
                    try await call(.post, "/api/v1/connectors/spinnaker", good)
                    try await call(.get, "/api/v1/connectors/spinnaker")
                    try await call(.get, "/api/v1/connectors/spinnaker?check=true")
                    try await call(.get, "/api/v1/connectors/spinnaker", token: acme.viewer)
                    try await call(.post, "/api/v1/connectors/spinnaker",
                                   #"{"gateUrl":"https://127.0.0.1:\#(port)","authMethod":"x509","certificatePem":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----","privateKeyPem":"-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END PRIVATE KEY-----"}"#)
                    try await call(.delete, "/api/v1/connectors/spinnaker")
                    try await call(.get, "/api/v1/connectors/spinnaker")
                    // The webhook token travels in URLs: it must not reach a log line either.
                    _ = try await client.postEvent(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: try Fixtures.terminalExecution()),
                                                   token: acme.webhookToken)
                    _ = try await client.postEvent(["nope": 1], token: acme.webhookToken)
                    _ = try await client.postJSON("/alerts/generic/\(acme.webhookToken)", #"{"title":"X","service":"y"}"#)
                    _ = try await client.waitForIncidents(1, token: acme.viewer)
                    return bodies
                }
                // The stored credentials are ciphertext: no file of the data directory holds them in plain text.
                try await harness.dependencies.secrets.put(organisationId: acme.organisation.id, name: "probe", value: Self.password)
                for file in try FileManager.default.contentsOfDirectory(atPath: harness.directory.path) {
                    let data = try Data(contentsOf: harness.directory.appendingPathComponent(file))
                    for secret in [Self.password, Self.gateToken, acme.webhookToken] {
                        #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret in plain text")
                    }
                }
                #expect(try await harness.dependencies.secrets.get(organisationId: acme.organisation.id, name: "probe") == Self.password)
            }
        }
        #expect(responses.count == 9)
        #expect(responses[0].contains("Invalid or expired credentials"))
        #expect(responses[6].contains("not usable PEM"))
        let logs = recorder.all
        #expect(logs.contains { $0.contains("Spinnaker connected") }, "the recorder sees the connector's logs")
        let gateSecrets = [Self.password, Self.gateToken, "SECRETKEYMATERIAL"]
        for text in responses {
            for secret in gateSecrets { #expect(!text.contains(secret), "a Gate secret in a response: \(text.prefix(200))") }
        }
        for line in logs {
            // The webhook token is shown to admins in responses on purpose, but never logged.
            for secret in gateSecrets + [webhookTokenSeen] { #expect(!line.contains(secret), "a secret in a log line: \(line.prefix(200))") }
        }
        #expect(!webhookTokenSeen.isEmpty)
    }

    @Test func credentialsDescriptionIsRedacted() {
        let credentials = GateCredentials(method: .basic, username: "u", password: Self.password, token: Self.gateToken)
        for text in ["\(credentials)", String(reflecting: credentials)] {
            #expect(!text.contains(Self.password) && !text.contains(Self.gateToken))
            #expect(text.contains("redacted"))
        }
    }
}
