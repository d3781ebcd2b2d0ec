import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import Testing

/// X.509 client certificates against the Gate simulator behind a real nginx with
/// `ssl_verify_client on` (Gate's port 8085 stand-in). Needs nginx and openssl.
@Suite(.serialized) struct MutualTLSTests {
    /// Runs `body` with the simulator behind nginx, or records why it cannot (a failure under
    /// `LOOKOUT_REQUIRE_COMPONENTS=1`, as in `./scripts/test.sh` and CI).
    func withMutualTLS(_ body: (Int, TestCertificates) async throws -> Void) async throws {
        let certificates: TestCertificates
        do {
            certificates = try TestCertificates.make()
        } catch ComponentError.missing(let what) {
            if Components.required { Issue.record("\(what) is required for the mTLS tests") } else { print("skipped: \(what) missing") }
            return
        }
        try await withGateSimulator { simulatorPort, _ in
            let proxy: MutualTLSProxy
            do {
                proxy = try await MutualTLSProxy(upstreamPort: simulatorPort, certificates: certificates)
            } catch ComponentError.missing(let what) {
                if Components.required { Issue.record("\(what) is required for the mTLS tests") } else { print("skipped: \(what) missing") }
                return
            }
            defer { proxy.stop() }
            try await body(proxy.port, certificates)
        }
    }

    func client(_ host: String, _ port: Int, _ credentials: GateCredentials) throws -> GateClient {
        try GateClient(baseURL: URL(string: "https://\(host):\(port)")!, credentials: credentials)
    }

    @Test func eachCertificateSituationHasItsOwnAnswer() async throws {
        try await withMutualTLS { port, certs in
            let ca = try certs.pem("ca.crt")
            // The right certificate, with the key in each PEM form.
            for (certificate, key) in [("client.crt", "client.key"), ("client.crt", "client-pkcs1.key"), ("client-ec.crt", "client-ec-sec1.key")] {
                let gate = try client("localhost", port, GateCredentials(method: .x509, certificatePEM: try certs.pem(certificate),
                                                                         privateKeyPEM: try certs.pem(key), caBundlePEM: ca))
                #expect(try await gate.credentialsList().count == 4, "\(key)")
                await gate.shutdown()
            }
            let cases: [(String, GateCredentials, GateError)] = [
                ("localhost", GateCredentials(method: .basic, token: "t", caBundlePEM: ca), .clientCertificateMissing),
                ("localhost", GateCredentials(method: .x509, certificatePEM: try certs.pem("stranger.crt"), privateKeyPEM: try certs.pem("stranger.key"),
                                              caBundlePEM: ca), .clientCertificateRejected("the proxy in front of Gate did not accept it")),
                ("127.0.0.2", GateCredentials(method: .x509, certificatePEM: try certs.pem("client.crt"), privateKeyPEM: try certs.pem("client.key"),
                                              caBundlePEM: ca), .tlsHostnameMismatch(host: "127.0.0.2")),
                ("localhost", GateCredentials(method: .x509, certificatePEM: try certs.pem("client.crt"), privateKeyPEM: try certs.pem("client.key")),
                 .serverCertificateUntrusted("certificate verify failed")),
            ]
            for (host, credentials, expected) in cases {
                let gate = try client(host, port, credentials)
                do {
                    _ = try await gate.credentialsList()
                    Issue.record("\(expected) expected, the call succeeded")
                } catch {
                    #expect(error as? GateError == expected)
                }
                await gate.shutdown()
            }
            #expect(throws: GateError.encryptedPrivateKey) {
                _ = try GateClient(baseURL: URL(string: "https://localhost:\(port)")!, credentials: GateCredentials(
                    method: .x509, certificatePEM: try certs.pem("client.crt"), privateKeyPEM: try certs.pem("client-encrypted.key")))
            }
        }
    }

    @Test func connectWithX509ThroughTheAPI() async throws {
        try await withMutualTLS { port, certs in
            try await TestHarness.run { harness in
                let acme = try await harness.tenant("acme")
                let request: JSONValue = ["gateUrl": .string("https://localhost:\(port)"), "authMethod": "x509",
                                          "certificatePem": .string(try certs.pem("client.crt")), "privateKeyPem": .string(try certs.pem("client.key")),
                                          "caBundlePem": .string(try certs.pem("ca.crt"))]
                try await harness.test { (client) async throws -> Void in
                    let response = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin, json: request.serializedString())
                    #expect(response.status == .ok)
                    #expect(response.json?["gate"]?["authMethod"] == "x509")
                    #expect(response.json?["gate"]?["accounts"]?.arrayValue?.count == 4)
                    let text = String(buffer: response.body)
                    #expect(!text.contains("PRIVATE KEY") && !text.contains("BEGIN CERTIFICATE"))
                    var wrongHost = request
                    if case .object(var members) = wrongHost { members["gateUrl"] = .string("https://127.0.0.2:\(port)"); wrongHost = .object(members) }
                    let mismatch = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin, json: wrongHost.serializedString())
                    #expect(mismatch.status == .badGateway)
                    #expect(mismatch.json?["error"]?["message"] == "TLS certificate does not match host 127.0.0.2.")
                }
                // The stored client works for later calls (built again from the sealed secret).
                let gate = try #require(try await harness.dependencies.spinnaker.client(organisationId: acme.organisation.id))
                #expect(try await gate.applications().count == 5)
            }
        }
    }
}
