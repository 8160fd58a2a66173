import Foundation

/// The counters of a NATS consumer, said as a periodic health line on stderr and written as
/// Prometheus text (`--metrics FILE`).
///
/// Why a file and not a `/metrics` port or swift-prometheus: the package is not among those
/// this project can fetch, an HTTP listener would be a second thread serving the network in a
/// tool that otherwise only talks to NATS, and node_exporter's textfile collector (or any
/// agent that tails a file) reads the same exposition format from a file written atomically.
final class NATSHealth {
    let stream: String
    let consumer: String
    let metricsPath: String?

    var records = 0
    var badMessages = 0
    var late = 0
    var misrouted = 0
    var redeliveries = 0
    var repositions = 0
    var checkpoints = 0
    var checkpointBytes = 0
    var reloads = 0
    /// Messages of the consumer not yet delivered (`NATSLag`).
    var lag: UInt64 = 0
    private(set) var alertsBySeverity: [String: Int] = [:]
    private(set) var duplicatesAcknowledged = 0

    private let started = Date()
    private var lastTick = Date()
    private var recordsAtLastTick = 0
    private var metricsFailureSaid = false

    init(stream: String, consumer: String, metricsPath: String?) {
        self.stream = stream
        self.consumer = consumer
        self.metricsPath = metricsPath
    }

    var alerts: Int { alertsBySeverity.values.reduce(0, +) }

    /// Counts a published alert; `duplicate` when the stream already held its id from an
    /// earlier process (a replay after a restart), as its acknowledgement said
    /// (`JetStream.confirm`).
    func alerted(severity: String, duplicate: Bool) {
        if duplicate {
            duplicatesAcknowledged += 1
        } else {
            alertsBySeverity[severity, default: 0] += 1
        }
    }

    /// The health line (when `console` is given) and the metrics file.
    func tick(checkpointed: UInt64, subjects: Int, console: Console?) {
        let now = Date()
        let rate = Double(records - recordsAtLastTick) / max(now.timeIntervalSince(lastTick), 1e-3)
        lastTick = now
        recordsAtLastTick = records
        // The file first: whoever reads the line may look at the file next.
        if let metricsPath {
            do {
                let text = exposition(rate: rate, checkpointed: checkpointed, subjects: subjects)
                try AtomicFile.write(to: metricsPath) { write in try write(Array(text.utf8)) }
            } catch {
                if !metricsFailureSaid { Console.shared.err("scamflow: cannot write metrics to \(metricsPath): \(error)\n") }
                metricsFailureSaid = true
            }
        }
        console?.err(String(format: "scamflow: health %@: %d records (%.0f/s), lag %llu, %d alerts, %d bad, checkpoint at %llu, %d subjects\n",
                            consumer, records, rate, lag, alerts, badMessages, checkpointed, subjects))
    }

    /// Prometheus text exposition format 0.0.4.
    func exposition(rate: Double, checkpointed: UInt64, subjects: Int) -> String {
        let labels = "stream=\"\(stream)\",consumer=\"\(consumer)\""
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            out += "# HELP scamflow_\(name) \(help)\n# TYPE scamflow_\(name) \(type)\n"
            for (extra, value) in samples { out += "scamflow_\(name){\(labels)\(extra)} \(value)\n" }
        }
        metric("records_total", "counter", "Event messages processed.", [("", "\(records)")])
        metric("bad_messages_total", "counter", "Messages that are not a record (skipped and said on stderr).", [("", "\(badMessages)")])
        metric("alerts_total", "counter", "Alerts published and stored, by severity.",
               alertsBySeverity.keys.sorted().map { (",severity=\"\($0)\"", "\(alertsBySeverity[$0]!)") })
        metric("alert_duplicates_total", "counter", "Alerts the alerts stream already held (replayed after a restart).", [("", "\(duplicatesAcknowledged)")])
        metric("redeliveries_total", "counter", "Messages delivered again and skipped (already in the state).", [("", "\(redeliveries)")])
        metric("misrouted_total", "counter", "Records whose subject belongs to another partition.", [("", "\(misrouted)")])
        metric("checkpoints_total", "counter", "Checkpoints written to the key-value bucket.", [("", "\(checkpoints)")])
        metric("checkpoint_bytes", "gauge", "Size of the last checkpoint.", [("", "\(checkpointBytes)")])
        metric("checkpoint_sequence", "gauge", "Stream sequence the stored checkpoint covers.", [("", "\(checkpointed)")])
        metric("lag_messages", "gauge", "Messages of this consumer not yet delivered.", [("", "\(lag)")])
        metric("records_per_second", "gauge", "Records processed per second since the last tick.", [("", String(format: "%.1f", rate))])
        metric("subjects_tracked", "gauge", "Subjects whose flow state is held.", [("", "\(subjects)")])
        metric("pack_reloads_total", "counter", "Pack reloads (SIGHUP or the reload subject).", [("", "\(reloads)")])
        return out
    }

    /// The closing summary's numbers.
    func summary(checkpointed: UInt64) -> String {
        let seconds = Date().timeIntervalSince(started)
        return "\(records) records, \(alerts) alerts published"
            + (duplicatesAcknowledged > 0 ? " (\(duplicatesAcknowledged) more already in the stream)" : "")
            + ", \(badMessages) bad messages, \(late) late signals, \(redeliveries) redeliveries skipped, \(checkpoints) checkpoints (last at \(checkpointed))"
            + (misrouted > 0 ? ", \(misrouted) misrouted" : "") + (repositions > 0 ? ", \(repositions) repositions" : "")
            + String(format: ", %.1f s", seconds)
    }
}

/// The consumer's lag between lookups: the server's count of messages not yet delivered
/// (`consumerInfo().pending`), asked at most every `lookupEvery` seconds, less the messages
/// delivered since.
///
/// Not a lookup at every health line: each is a JetStream API request that the consumer's
/// leader answers, and at the tests' health ticks of 0.1-0.2 s (5-10 a second per consumer)
/// on a loaded 3-node cluster they took 0.2-0.6 s each, sometimes the full 5 s timeout, and
/// the consumers' fetches trickled (1-6 messages a second with thousands pending). Not each
/// delivery's own `pending` either: it reads 0 after a reconnect to a restarted server while
/// thousands remain.
struct NATSLag {
    /// Seconds between lookups, at least (a health tick further apart asks at each tick).
    static let lookupEvery: Double = 5

    private var counted: UInt64 = 0
    private var deliveredSince: UInt64 = 0
    private var askedAt: Date?

    /// The server's last count less the first deliveries since (never below 0).
    var value: UInt64 { counted > deliveredSince ? counted - deliveredSince : 0 }

    /// True when the last lookup (answered or not) is `lookupEvery` seconds old, or none was made.
    func due(at now: Date = Date()) -> Bool {
        askedAt.map { now.timeIntervalSince($0) >= NATSLag.lookupEvery } ?? true
    }

    /// A lookup made at `now`: `pending` is the server's answer, nil when it failed (the
    /// estimate goes on from the last answer).
    mutating func asked(_ pending: UInt64?, at now: Date = Date()) {
        askedAt = now
        guard let pending else { return }
        counted = pending
        deliveredSince = 0
    }

    /// Messages delivered for the first time (a redelivery was never counted as pending).
    mutating func delivered(_ count: Int) {
        deliveredSince += UInt64(max(count, 0))
    }
}
