public import Prometheus
import Synchronization
import LookoutCore
import Logging
import Foundation

/// The Prometheus metrics Lookout exposes at `/metrics`. A registry per application (not the global
/// swift-metrics bootstrap) so that tests can run several applications in one process.
public final class LookoutMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let ingestLatency: DurationHistogram
    private let counters = Mutex<[String: Counter]>([:])

    public init() {
        ingestLatency = registry.makeDurationHistogram(
            name: "lookout_ingest_duration_seconds",
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)],
            help: "Time from receiving a webhook request to its durable acknowledgement"
        )
    }

    /// Counts a webhook event by Echo type (or `invalid`) and outcome (stored, duplicate, other, rejected, error).
    public func eventReceived(type: String, outcome: String) {
        counter("lookout_events_received_total", help: "Webhook events received, by Echo type and outcome",
                labels: [("type", type), ("outcome", outcome)]).increment()
    }

    public func alertsReceived(source: String, count: Int) {
        counter("lookout_alerts_received_total", help: "Alerts received, by source", labels: [("source", source)]).increment(by: Int64(count))
    }

    public func ingestFinished(after duration: Duration) {
        ingestLatency.record(duration)
    }

    public func jobFinished(kind: String, outcome: String) {
        counter("lookout_jobs_total", help: "Background jobs run, by kind and outcome",
                labels: [("kind", kind), ("outcome", outcome)]).increment()
    }

    public func setJobsByState(_ counts: [String: Int]) {
        for state in ["queued", "leased", "done", "dead"] {
            registry.makeGauge(name: "lookout_jobs", labels: [("state", state)], help: "Jobs in the queue by state")
                .set(Double(counts[state] ?? 0))
        }
    }

    private func counter(_ name: String, help: String, labels: [(String, String)]) -> Counter {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { cache in
            if let existing = cache[key] { return existing }
            let made = registry.makeCounter(name: name, labels: labels, help: help)
            cache[key] = made
            return made
        }
    }
}
