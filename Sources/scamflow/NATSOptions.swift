import ArgumentParser
import Foundation

/// `scamflow stream --nats ...`: read events from a JetStream stream instead of stdin, publish
/// alerts to JetStream, keep flow state in a key-value bucket (README, "Run on NATS").
struct NATSOptions: ParsableArguments {
    @Option(name: .customLong("nats"), help: ArgumentHelp("Read from NATS JetStream instead of stdin: server URLs, comma-separated (nats://host:4222,...).", valueName: "urls"))
    var urls: String?

    @Option(name: .customLong("stream"), help: ArgumentHelp("With --nats: the JetStream stream holding the events.", valueName: "name"))
    var stream: String?

    @Option(help: ArgumentHelp("With --nats: the durable consumer's name (with --partition K/N the consumer is NAME-KofN); its checkpoints are in bucket scamflow_NAME.", valueName: "name"))
    var durable: String?

    @Option(name: .customLong("subject-prefix"), help: ArgumentHelp("With --nats: events are published on PREFIX.PARTITION.SUBJECT.", valueName: "prefix"))
    var subjectPrefix = "events"

    @Option(name: .customLong("alerts-subject"), help: ArgumentHelp("With --nats: alerts are published on SUBJECT.SEVERITY, with Nats-Msg-Id = alert_id.", valueName: "subject"))
    var alertsSubject = "scamflow.alerts"

    @Flag(help: "With --nats: also write the alerts to stdout.")
    var tee = false

    @Option(name: .customLong("reload-subject"), help: ArgumentHelp("With --nats: a message on this subject reloads the packs, keeping flow state (as SIGHUP).", valueName: "subject"))
    var reloadSubject = "scamflow.packs.reload"

    @Option(help: ArgumentHelp("With --nats: write Prometheus text metrics to this file at every health tick (for node_exporter's textfile collector).", valueName: "file"))
    var metrics: String?

    @Option(name: .customLong("health-every"), help: ArgumentHelp("With --nats: seconds between health lines on stderr (lag, rate, alerts) and metric writes (0: never).", valueName: "seconds"))
    var healthEvery: Double = 30

    @Option(help: ArgumentHelp("With --nats: messages asked for per fetch.", valueName: "n"))
    var batch = 500

    @Flag(name: .customLong("exit-when-caught-up"), help: "With --nats: checkpoint and exit 0 once the consumer has nothing left to deliver (for batch jobs and tests).")
    var exitWhenCaughtUp = false

    var enabled: Bool { urls != nil }

    var servers: [String] { (urls ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func validate() throws {
        guard let urls else {
            if stream != nil || durable != nil { throw ValidationError("--stream and --durable need --nats URL") }
            return
        }
        guard !servers.isEmpty, servers.allSatisfy({ $0.hasPrefix("nats://") || $0.hasPrefix("tls://") || !$0.contains("://") }) else {
            throw ValidationError("--nats takes server URLs such as nats://127.0.0.1:4222, comma-separated (got \(urls))")
        }
        guard let stream, NATSNames.isName(stream) else { throw ValidationError("--nats needs --stream NAME (letters, digits, - and _)") }
        guard let durable, NATSNames.isName(durable) else { throw ValidationError("--nats needs --durable NAME (letters, digits, - and _)") }
        for (flag, subject) in [("--subject-prefix", subjectPrefix), ("--alerts-subject", alertsSubject), ("--reload-subject", reloadSubject)] where !NATSNames.isSubject(subject) {
            throw ValidationError("\(flag) must be a NATS subject without wildcards (got \(subject))")
        }
        guard batch > 0, healthEvery >= 0 else { throw ValidationError("--batch must be positive and --health-every not negative") }
    }
}
