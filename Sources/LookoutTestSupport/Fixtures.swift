public import Foundation
public import Spinnaker

/// The real Spinnaker and Alertmanager payloads in `../shared/fixtures/` (beside the repository, in
/// development and in CI).
public enum Fixtures {
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["LOOKOUT_FIXTURES"] {
            return URL(fileURLWithPath: override)
        }
        // Sources/LookoutTestSupport/Fixtures.swift → repository root → ../shared/fixtures
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    public static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    public static func json(_ name: String) throws -> JSONValue {
        try JSONValue.parse(data(name))
    }

    /// The real TERMINAL execution (canceled by its parent pipeline, STOPPED deploy stage with an exception).
    public static func terminalExecution() throws -> JSONValue {
        try json("spinnaker/orca-execution-pipeline-TERMINAL-canceled-STOPPED-stages-exception-pipeline-trigger.json")
    }

    /// The real expanded SUCCEEDED Kubernetes execution (about 90 KB).
    public static func succeededExecution() throws -> JSONValue {
        try json("spinnaker/gate-pipelines-id-k8s-SUCCEEDED.json")
    }
}
