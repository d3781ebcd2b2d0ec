import Foundation
import Hummingbird
import HummingbirdTesting
import LookoutSecrets
import LookoutServer
import LookoutStore
import LookoutTestSupport
import Spinnaker
import SQLKit
import Testing

/// The Vault backend against a real OpenBao dev server. `./scripts/test.sh` starts one and sets
/// `LOOKOUT_TEST_VAULT_ADDR` and `LOOKOUT_TEST_VAULT_TOKEN`.
@Suite struct VaultSecretStoreTests {
    var vault: (address: String, token: String)? {
        guard let address = Components.environment("LOOKOUT_TEST_VAULT_ADDR"),
              let token = Components.environment("LOOKOUT_TEST_VAULT_TOKEN") else {
            if Components.required { Issue.record("OpenBao is required: LOOKOUT_TEST_VAULT_ADDR/TOKEN are not set") }
            else { print("skipped: no OpenBao (LOOKOUT_TEST_VAULT_ADDR)") }
            return nil
        }
        return (address, token)
    }

    @Test func storeReadReplaceDeleteAndWrongToken() async throws {
        guard let vault else { return }
        let store = VaultSecretStore(address: vault.address, token: vault.token, mount: "secret")
        let org = "org-\(UUID().uuidString.prefix(8))"
        try await store.checkReady()
        #expect(try await store.get(organisationId: org, name: "spinnaker-gate") == nil)
        try await store.put(organisationId: org, name: "spinnaker-gate", value: "first")
        #expect(try await store.get(organisationId: org, name: "spinnaker-gate") == "first")
        try await store.put(organisationId: org, name: "spinnaker-gate", value: "second")
        #expect(try await store.get(organisationId: org, name: "spinnaker-gate") == "second")
        try await store.delete(organisationId: org, name: "spinnaker-gate")
        #expect(try await store.get(organisationId: org, name: "spinnaker-gate") == nil)
        await store.shutdown()

        let wrong = VaultSecretStore(address: vault.address, token: "not-the-token", mount: "secret")
        do {
            try await wrong.checkReady()
            Issue.record("a wrong token passed the readiness check")
        } catch {
            #expect("\(error)".contains("refused the token"))
            #expect(!"\(error)".contains("not-the-token"))
        }
        await #expect(throws: SecretsError.self) { try await wrong.put(organisationId: org, name: "x", value: "y") }
        await wrong.shutdown()

        let unreachable = VaultSecretStore(address: "http://127.0.0.1:\(try Components.freePort())", token: vault.token, mount: "secret")
        do {
            try await unreachable.checkReady()
            Issue.record("an unreachable Vault passed the readiness check")
        } catch {
            #expect("\(error)".contains("unreachable"))
        }
        await unreachable.shutdown()
    }

    @Test func connectorCredentialsLiveInVault() async throws {
        guard let vault else { return }
        try await withGateSimulator(username: "deployer", password: "vault-kept-password") { port, _ in
            try await TestHarness.run({
                $0.secrets = .vault
                $0.vaultAddress = vault.address
                $0.vaultToken = vault.token
            }) { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    let ready = try await client.execute(uri: "/readyz", method: .get)
                    #expect(ready.status == .ok && ready.json?["checks"]?["secrets"] == "ok (vault)")
                    let response = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin,
                        json: #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","username":"deployer","password":"vault-kept-password"}"#)
                    #expect(response.status == .ok && response.json?["gate"]?["secretBackend"] == "vault")
                }
                let document = try await harness.dependencies.secrets.get(organisationId: acme.organisation.id, name: "spinnaker-gate")
                #expect(document?.contains("vault-kept-password") == true)
                let secretRows = try await harness.dependencies.database.read { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM secrets").first()?.decode(column: "n", as: Int.self) ?? -1
                }
                #expect(secretRows == 0, "nothing of the Gate secret is in the database with the vault backend")
            }
        }
    }

    @Test func aWrongVaultTokenIsClearAtReadinessAndAtConnect() async throws {
        guard let vault else { return }
        try await withGateSimulator { port, _ in
            try await TestHarness.run({
                $0.secrets = .vault
                $0.vaultAddress = vault.address
                $0.vaultToken = "wrong-token"
            }) { harness in
                let acme = try await harness.tenant("acme")
                try await harness.test { (client) async throws -> Void in
                    let ready = try await client.execute(uri: "/readyz", method: .get)
                    #expect(ready.status == .serviceUnavailable)
                    #expect(ready.json?["checks"]?["secrets"]?.stringValue?.contains("refused the token") == true)
                    let response = try await client.send(.post, "/api/v1/connectors/spinnaker", token: acme.admin,
                        json: #"{"gateUrl":"http://127.0.0.1:\#(port)","authMethod":"basic","token":"t"}"#)
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.json?["error"]?["message"]?.stringValue?.contains("refused the token") == true)
                }
            }
        }
    }
}
