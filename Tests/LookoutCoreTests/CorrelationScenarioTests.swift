import Foundation
import LookoutCore
import Spinnaker
import Testing

/// Precision and recall of the top-ranked suspect on the labelled scenarios in
/// `Tests/Scenarios/correlation.json` (aim: at least 0.9 of both).
@Suite struct CorrelationScenarioTests {
    struct File: Decodable {
        var windowMinutes: Int
        var scenarios: [Scenario]
    }

    struct Scenario: Decodable {
        var name: String
        var labels: [String: String]
        var aliases: [String: [String]]?
        var deployments: [Deployment]
        var cause: String?
    }

    struct Deployment: Decodable {
        var id: String
        var application: String
        var status: String
        /// Minutes before the alert the run ended (negative: after).
        var before: Double
        var duration: Double?
        var targets: [String]?
        var failedStage: String?
    }

    @Test func topSuspectPrecisionAndRecall() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scenarios/correlation.json")
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        let alertAt: Int64 = 1_800_000_000_000
        var predictions = 0, correct = 0, labelled = 0
        var misses: [String] = []
        for scenario in file.scenarios {
            let candidates = scenario.deployments.map { d in
                let end = alertAt - Int64(d.before * 60_000)
                return DeploymentCandidate(executionId: d.id, application: d.application, pipelineName: "Deploy",
                                           status: ExecutionStatus(rawValue: d.status)!, startTime: end - Int64((d.duration ?? 4) * 60_000),
                                           endTime: end, targets: d.targets ?? [], failedStage: d.failedStage)
            }
            let ranked = CorrelationEngine.rank(AlertSignal(labels: scenario.labels, startsAt: alertAt), candidates: candidates,
                                                aliases: scenario.aliases ?? [:], windowMs: Int64(file.windowMinutes) * 60_000)
            if scenario.cause != nil { labelled += 1 }
            if let top = ranked.first {
                predictions += 1
                #expect(!top.reasons.isEmpty, "\(scenario.name): a suspect always says why")
                if top.executionId == scenario.cause { correct += 1 } else { misses.append("\(scenario.name): got \(top.executionId), expected \(scenario.cause ?? "none")") }
            } else if scenario.cause != nil {
                misses.append("\(scenario.name): no suspect, expected \(scenario.cause!)")
            }
        }
        let precision = predictions == 0 ? 0 : Double(correct) / Double(predictions)
        let recall = labelled == 0 ? 0 : Double(correct) / Double(labelled)
        print("correlation scenarios: \(file.scenarios.count), labelled causes: \(labelled), predictions: \(predictions), correct top suspects: \(correct)")
        print(String(format: "correlation precision %.3f, recall %.3f", precision, recall))
        for miss in misses { print("  miss: \(miss)") }
        #expect(file.scenarios.count >= 20)
        #expect(precision >= 0.9)
        #expect(recall >= 0.9)
    }

    @Test func reasonsSayWhyInWords() {
        let alertAt: Int64 = 1_800_000_000_000
        let ranked = CorrelationEngine.rank(
            AlertSignal(labels: ["service": "payments-api"], startsAt: alertAt),
            candidates: [DeploymentCandidate(executionId: "e1", application: "payments-api", pipelineName: "Deploy", status: .terminal,
                                             startTime: alertAt - 600_000, endTime: alertAt - 360_000, targets: [], failedStage: "Deploy")],
            aliases: [:], windowMs: 7_200_000)
        #expect(ranked.first?.reasons == ["deployed 6 min before the first alert", "application payments-api = alert label service",
                                          "pipeline failed at stage Deploy"])
    }
}
