import ArgumentParser
import Foundation
import NATS
import ScamEngine
import ScamIO
import ScamPacks

/// `scamflow nats ...`: what a deployment on NATS needs besides the consumer, so it runs with
/// nothing but nats-server and scamflow (README, "Run on NATS"): make the streams, publish
/// JSON lines on the partitioned subjects, read the alerts back, announce a pack reload.
struct NATSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nats",
        abstract: "Set up and feed NATS JetStream for `scamflow stream --nats`.",
        subcommands: [NATSInitCommand.self, NATSPublishCommand.self, NATSAlertsCommand.self, NATSReloadCommand.self]
    )
}

/// `--nats URLS`, shared by the `nats` subcommands.
struct NATSServerOption: ParsableArguments {
    @Option(name: .customLong("nats"), help: ArgumentHelp("Server URLs, comma-separated.", valueName: "urls"))
    var urls = "nats://127.0.0.1:4222"

    var servers: [String] { urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    /// A connection, or exit 2 with a message that says what to check.
    func connect() throws -> NATSConnection {
        do {
            return try NATSConnection(urls: servers, name: "scamflow nats")
        } catch let error as NATSError {
            Console.shared.err("scamflow: cannot connect to \(NATSNames.masked(urls)): \(NATSNames.masked(error.message)); is nats-server running there with JetStream (-js)?\n")
            throw ExitCode(2)
        }
    }

    /// Said when JetStream does not answer (no responders): the server runs without it.
    var noJetStream: String {
        "JetStream does not answer on \(NATSNames.masked(urls)): start nats-server with -js (or jetstream {} in its configuration file)"
    }

    /// Exits 2 at once, with the fix, when the server runs without JetStream (rather than
    /// retrying "no responders" as a node away).
    func requireJetStream(_ js: JetStream) throws {
        do {
            _ = try js.streamNames(storing: "scamflow.probe")
        } catch let error as NATSError where error.kind == .noResponders {
            Console.shared.err("scamflow: \(noJetStream)\n")
            throw ExitCode(2)
        } catch {
            // Anything else (an election, a slow node) is met by the retries of what follows.
        }
    }
}

struct NATSInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the events stream and the alerts stream (nothing changes when they exist alike).")

    @OptionGroup var server: NATSServerOption

    @Option(help: ArgumentHelp("The events stream; stores PREFIX.>.", valueName: "name"))
    var stream = "EVENTS"

    @Option(name: .customLong("subject-prefix"), help: ArgumentHelp("Events are published on PREFIX.PARTITION.SUBJECT.", valueName: "prefix"))
    var subjectPrefix = "events"

    @Option(name: .customLong("alerts-stream"), help: ArgumentHelp("The alerts stream; stores SUBJECT.>.", valueName: "name"))
    var alertsStream = "ALERTS"

    @Option(name: .customLong("alerts-subject"), help: ArgumentHelp("Alerts are published on SUBJECT.SEVERITY.", valueName: "subject"))
    var alertsSubject = "scamflow.alerts"

    @Option(help: "Copies of each stream (1 alone, 3 in a 3-node cluster).")
    var replicas = 1

    @Option(name: .customLong("dupe-window"), help: ArgumentHelp("How long the alerts stream remembers an alert_id: a consumer restarted within it writes no alert twice (e.g. 2h).", valueName: "duration"))
    var dupeWindow = "2h"

    @Option(name: .customLong("max-age"), help: ArgumentHelp("How long events are kept (0: until removed).", valueName: "duration"))
    var maxAge = "7d"

    func validate() throws {
        guard DurationText.parse(dupeWindow) != nil, maxAge == "0" || DurationText.parse(maxAge) != nil else {
            throw ValidationError("--dupe-window and --max-age take durations such as 2h or 7d")
        }
        guard NATSNames.isName(stream), NATSNames.isName(alertsStream) else { throw ValidationError("stream names take letters, digits, - and _") }
    }

    func run() throws {
        let js = try server.connect().jetStream()
        try server.requireJetStream(js)
        let window = Double(DurationText.parse(dupeWindow)!) / 1000
        let age = maxAge == "0" ? 0 : Double(DurationText.parse(maxAge)!) / 1000
        do {
            try NATSRetry.run("create stream \(stream)") {
                try js.addStream(.init(name: stream, subjects: ["\(subjectPrefix).>"], replicas: replicas, maxAge: age))
            }
            try NATSRetry.run("create stream \(alertsStream)") {
                try js.addStream(.init(name: alertsStream, subjects: ["\(alertsSubject).>"], replicas: replicas, duplicateWindow: window))
            }
        } catch let error as NATSError {
            Console.shared.err("scamflow: \(error)" + (error.kind == .noResponders ? "; \(server.noJetStream)" : "") + "\n")
            throw ExitCode(2)
        }
        Console.shared.err("scamflow: stream \(stream) stores \(subjectPrefix).>, stream \(alertsStream) stores \(alertsSubject).> "
                           + "(duplicate window \(dupeWindow)), \(replicas) replica\(replicas == 1 ? "" : "s")\n")
    }
}

struct NATSPublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish JSON lines (stdin or files) as events, each on PREFIX.PARTITION.SUBJECT.",
        discussion: """
        PARTITION is the partition of the record's subject out of --partitions (FNV-1a 64 of its UTF-8 bytes and \
        one 0xFF byte, modulo N: the hash of `stream --partition`). Every non-blank line is published, one message \
        each, in order; one that is not a record goes to the partition of no subject, so its consumer reports it.
        """)

    @OptionGroup var server: NATSServerOption

    @Option(name: .customLong("subject-prefix"), help: ArgumentHelp("Events are published on PREFIX.PARTITION.SUBJECT.", valueName: "prefix"))
    var subjectPrefix = "events"

    @Option(help: "How many partitions the consumers split the subjects into.")
    var partitions = 1

    @Argument(help: "JSON lines files (default: stdin).")
    var files: [String] = []

    func validate() throws {
        guard partitions > 0 else { throw ValidationError("--partitions must be positive") }
    }

    func run() throws {
        let js = try server.connect().jetStream()
        try server.requireJetStream(js)
        let probe = "\(subjectPrefix).0.x"
        if let names = try? NATSRetry.run("list streams storing \(probe)", for: 20, noResponders: false, { try js.streamNames(storing: probe) }), names.isEmpty {
            Console.shared.err("scamflow: no stream stores \(subjectPrefix).> on \(NATSNames.masked(server.urls)); create one first: "
                               + "scamflow nats init --nats \(NATSNames.masked(server.urls)) --subject-prefix \(subjectPrefix)\n")
            throw ExitCode(2)
        }
        var published = 0
        var failures = 0
        var firstFailure: String?
        for file in files.isEmpty ? ["-"] : files {
            let fd = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                Console.shared.err("scamflow: cannot open \(file): \(String(cString: strerror(errno)))\n")
                throw ExitCode(2)
            }
            defer { if fd != 0 { close(fd) } }
            var lines = LineReader(fd: fd, maxLineBytes: 64 << 20)
            while let line = lines.next() {
                guard case .text(let number, let bytes) = line, !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { continue }
                var subject: String?
                if case .record(let record) = StreamRecordParser.parse(bytes, source: SourcePosition(file: file, line: number)) { subject = record.subject }
                let natsSubject = NATSNames.publishSubject(prefix: subjectPrefix, subject: subject, count: partitions)
                // No message id (publishing again could store an event twice): an answer is
                // waited for as long as the wait below, not given up on after 5 s.
                try NATSRetry.run("publish \(file):\(number)") { try js.publishAsync(natsSubject, Array(bytes), timeout: 60) }
                published += 1
                if published % 4096 == 0 {
                    let outcome = js.waitForAsyncPublishes(timeout: 60)
                    failures += outcome.failed
                    firstFailure = firstFailure ?? outcome.firstFailure
                }
            }
        }
        let outcome = js.waitForAsyncPublishes(timeout: 60)
        failures += outcome.failed
        firstFailure = firstFailure ?? outcome.firstFailure
        if failures > 0 {
            Console.shared.err("scamflow: \(failures) of \(published) events not stored: \(firstFailure ?? "")\n")
            throw ExitCode(2)
        }
        Console.shared.err("scamflow: published \(published) event\(published == 1 ? "" : "s") on \(subjectPrefix).0-\(partitions - 1).*\n")
    }
}

struct NATSAlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Write the alerts stored in the alerts stream to stdout, one a line, oldest first.")

    @OptionGroup var server: NATSServerOption

    @Option(name: .customLong("alerts-stream"), help: ArgumentHelp("The alerts stream.", valueName: "name"))
    var alertsStream = "ALERTS"

    @Option(help: ArgumentHelp("The first stream sequence to write.", valueName: "seq"))
    var from: UInt64 = 1

    func run() throws {
        let js = try server.connect().jetStream()
        let console = Console.shared
        do {
            let state = try NATSRetry.run("look up stream \(alertsStream)") { try js.streamInfo(alertsStream) }
            guard state.messages > 0 else { return }
            for sequence in max(from, state.firstSequence)...state.lastSequence {
                let message: NATSMessage
                do {
                    message = try NATSRetry.run("read alert \(sequence)") { try js.message(stream: alertsStream, sequence: sequence) }
                } catch let error as NATSError where error.kind == .notFound {
                    continue  // deleted
                }
                console.out(bytes: message.bytes + [0x0A])
            }
        } catch let error as NATSError where error.kind == .notFound {
            console.err("scamflow: no stream \(alertsStream) on \(NATSNames.masked(server.urls)); create it first: "
                        + "scamflow nats init --nats \(NATSNames.masked(server.urls)) --alerts-stream \(alertsStream)\n")
            throw ExitCode(2)
        } catch let error as NATSError {
            console.err("scamflow: \(error)" + (error.kind == .noResponders ? "; \(server.noJetStream)" : "") + "\n")
            throw ExitCode(2)
        }
        console.flush()
    }
}

struct NATSReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Announce a pack reload: every `stream --nats` listening reloads its packs, keeping flow state.")

    @OptionGroup var server: NATSServerOption

    @Option(name: .customLong("reload-subject"), help: ArgumentHelp("The subject the consumers listen on.", valueName: "subject"))
    var reloadSubject = "scamflow.packs.reload"

    func run() throws {
        let connection = try server.connect()
        try connection.publish(reloadSubject, Array("reload".utf8))
        try connection.flush()
        Console.shared.err("scamflow: reload announced on \(reloadSubject)\n")
    }
}
