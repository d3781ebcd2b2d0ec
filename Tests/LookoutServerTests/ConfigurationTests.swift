import Foundation
import LookoutServer
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsMatchTheProductContract() throws {
        let configuration = try LookoutConfiguration(values: [:])
        #expect(configuration.host == "127.0.0.1" && configuration.port == 5080)
        #expect(configuration.webhookMaxBody == 32 * 1024 * 1024)
        #expect(configuration.enableSpinnaker)
        #expect(configuration.sqlitePath.hasSuffix(".lookout/lookout.sqlite"))
        #expect(configuration.baseURL == "http://127.0.0.1:5080")
    }

    @Test func eachBadValueNamesItsVariable() {
        let bad: [String: String] = [
            "LOOKOUT_PORT": "80a", "LOOKOUT_PUBLIC_URL": "ftp://x", "LOOKOUT_DATABASE_URL": "mysql://x",
            "LOOKOUT_SECRETS": "kms", "LOOKOUT_MASTER_KEY": "short", "LOOKOUT_ENABLE_SPINNAKER": "maybe",
            "LOOKOUT_WEBHOOK_MAX_BODY": "lots", "LOOKOUT_LOG_LEVEL": "loud", "LOOKOUT_ADMIN_EMAIL": "nobody",
        ]
        for (name, value) in bad {
            do {
                _ = try LookoutConfiguration(values: [name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect("\(error)".contains(name), "the message for \(name) names it: \(error)")
            }
        }
        // A secret value is never echoed back in the message.
        do {
            _ = try LookoutConfiguration(values: ["LOOKOUT_MASTER_KEY": "c2VjcmV0LWJ1dC10b28tc2hvcnQ="])
        } catch {
            #expect(!"\(error)".contains("c2VjcmV0"))
        }
    }

    @Test func sizesFlagsAndDotEnv() throws {
        #expect(try LookoutConfiguration(values: ["LOOKOUT_WEBHOOK_MAX_BODY": "64MiB"]).webhookMaxBody == 64 << 20)
        #expect(try LookoutConfiguration(values: ["LOOKOUT_WEBHOOK_MAX_BODY": "1048576"]).webhookMaxBody == 1 << 20)
        #expect(try LookoutConfiguration(values: ["LOOKOUT_ENABLE_SPINNAKER": "false"]).enableSpinnaker == false)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(".env")
        try "# comment\nexport LOOKOUT_PORT=6000\nLOOKOUT_PUBLIC_URL=\"https://lookout.example.com/\"\n".write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try LookoutConfiguration.load(environment: [:], dotEnvPath: file.path)
        #expect(fromFile.port == 6000 && fromFile.baseURL == "https://lookout.example.com")
        let overridden = try LookoutConfiguration.load(environment: ["LOOKOUT_PORT": "7000"], dotEnvPath: file.path)
        #expect(overridden.port == 7000, "the environment wins over .env")
        try? FileManager.default.removeItem(at: directory)
    }
}
