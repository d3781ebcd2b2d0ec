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
            descriptor: Self.name("ingest_duration", unit: "seconds", help: "Time from receiving a webhook request to its durable acknowledgement"),
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]
        )
    }

    /// Counts a webhook event by Echo type (or `invalid`) and outcome (stored, duplicate, other, rejected, error).
    public func eventReceived(type: String, outcome: String) {
        counter("events_received", help: "Webhook events received, by Echo type and outcome",
                labels: [("type", type), ("outcome", outcome)]).increment()
    }

    public func alertsReceived(source: String, count: Int) {
        counter("alerts_received", help: "Alerts received, by source", labels: [("source", source)]).increment(by: Int64(count))
    }

    public func ingestFinished(after duration: Duration) {
        ingestLatency.record(duration)
    }

    public func jobFinished(kind: String, outcome: String) {
        counter("jobs", help: "Background jobs run, by kind and outcome",
                labels: [("kind", kind), ("outcome", outcome)]).increment()
    }

    public func setJobsByState(_ counts: [String: Int]) {
        for state in ["queued", "leased", "done", "dead"] {
            registry.makeGauge(descriptor: Self.name("jobs", unit: "", help: "Jobs in the queue by state"), labels: [("state", state)])
                .set(Double(counts[state] ?? 0))
        }
    }

    /// `lookout_<metric>_<unit>`.
    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lookout", metricName: metric, unitName: unit, helpText: help)
    }

    /// A `lookout_<metric>_total` counter with these labels (made once, then reused).
    private func counter(_ metric: String, help: String, labels: [(String, String)]) -> Counter {
        let key = metric + labels.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { cache in
            if let existing = cache[key] { return existing }
            let made = registry.makeCounter(descriptor: Self.name(metric, unit: "total", help: help), labels: labels)
            cache[key] = made
            return made
        }
    }
}
