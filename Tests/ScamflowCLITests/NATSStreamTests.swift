import Foundation
import NATSTestSupport
import Testing

/// `scamflow stream --nats` against a real `nats-server -js` on a loopback port: the alerts
/// stream holds exactly the alerts of one stdin run, a restart after `kill -9` adds none and
/// loses none, bad messages are counted and the rest processed, reloads announced on the
/// subject keep state, and a missing server or stream is said clearly.
@Suite(.enabled(if: NATSServer.available, Comment(rawValue: NATSServer.skipReason)), .serialized)
struct NATSStreamTests {
    /// The seed scenario streams (Corpus/events), each moved to one day and once with its own
    /// subject, plus `generated` events: copies of the scenarios for new subjects (a scam
    /// every tenth copy, an ordinary day otherwise); all in event-time order, as a live stream
    /// is. (The stream's sweep measures windows against the newest event time it has seen;
    /// out of time order, a partition that has not seen a later event keeps an attempt the
    /// whole stream has expired, and the alerts differ from one process's.)
    static func events(generated: Int) throws -> [String] {
        let dir = CLIRunner.packageRoot.appendingPathComponent("Corpus/events")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        // Each line once as a template: a mark after every subject (a copy puts its suffix
        // there) and its time, parsed once for all copies.
        let parser = ISO8601DateFormatter()
        var scenarios: [(name: String, lines: [(template: String, time: Date)])] = []
        for name in names {
            var last = Date.distantPast
            let lines = shiftedToOneDay(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map(String.init))
            scenarios.append((name, lines.map { line in
                if let match = line.firstMatch(of: /"(?:time|@timestamp)": *"([^"]+)"/), let time = parser.date(from: String(match.output.1)) { last = time }
                return (line.replacing(/dev-[0-9a-f]{4}/) { "\($0.output)\u{1}" }, last)
            }))
        }
        let ordinary = try #require(scenarios.first { $0.name == "ordinary-day.jsonl" })
        let scams = scenarios.filter { $0.name != ordinary.name }
        var streams = scenarios.map { s in s.lines.map { ($0.template.replacingOccurrences(of: "\u{1}", with: ""), $0.time) } }
        var count = 0
        var copy = 0
        while count < generated {
            let source = copy % 10 == 0 ? scams[(copy / 10) % scams.count] : ordinary
            let lines = source.lines.prefix(generated - count).map { ($0.template.replacingOccurrences(of: "\u{1}", with: "-g\(copy)"), $0.time) }
            streams.append(Array(lines))
            count += lines.count
            copy += 1
        }
        // Interleaved line by line, then sorted by time, stably.
        var keyed: [(time: Date, order: Int, line: String)] = []
        for i in 0..<(streams.map(\.count).max() ?? 0) {
            for s in streams where i < s.count { keyed.append((s[i].1, keyed.count, s[i].0)) }
        }
        return keyed.sorted { ($0.time, $0.order) < ($1.time, $1.order) }.map(\.line)
    }

    /// The lines with every date moved by the days between their first date and 2025-03-06.
    static func shiftedToOneDay(_ lines: [String]) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func day(_ text: Substring) -> Date {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
        }
        guard let first = lines.lazy.compactMap({ $0.firstMatch(of: /20[0-9]{2}-[0-9]{2}-[0-9]{2}/) }).first else { return lines }
        let offset = calendar.dateComponents([.day], from: day(first.output), to: day("2025-03-06")).day!
        return lines.map { line in
            line.replacing(/20[0-9]{2}-[0-9]{2}-[0-9]{2}(?=T)/) { match in
                let moved = calendar.date(byAdding: .day, value: offset, to: day(match.output))!
                let c = calendar.dateComponents([.year, .month, .day], from: moved)
                return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            }
        }
    }

    /// The alert ids of one clean stdin run, the input named as the NATS stream is (evidence
    /// sources, and so alert ids, hash the input's name and line; a stream's sequence is its
    /// message's line).
    static func stdinAlertIDs(_ lines: [String], stream: String) throws -> [String] {
        let r = try CLIRunner.run(["stream", "-q", "--input-name", stream], in: CLIRunner.packageRoot,
                                  stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(r.status == 0, "\(r.stderr)")
        return try ids(r.stdout)
    }

    static func ids(_ ndjson: String) throws -> [String] {
        try ndjson.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "a whole JSON line: \(line)")
            return try #require(object["alert_id"] as? String)
        }
    }

    /// `scamflow nats ...`, which must succeed.
    @discardableResult
    static func nats(_ arguments: [String], stdin: Data? = nil) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(["nats"] + arguments, in: CLIRunner.packageRoot, stdin: stdin)
        #expect(r.status == 0, "scamflow nats \(arguments.joined(separator: " ")): \(r.stderr)")
        return r
    }

    /// The alert ids stored in the alerts stream.
    static func storedAlertIDs(_ urls: String) throws -> [String] {
        try ids(nats(["alerts", "--nats", urls]).stdout)
    }

    /// Waits until a health line of `consumer` says its checkpoint covers stream sequence
    /// `sequence` or more.
    static func waitForCheckpoint(_ consumer: StreamProcess, atLeast sequence: Int = 1, within seconds: Double = 120) -> Bool {
        func reached() -> Bool {
            consumer.stderr.matches(of: /checkpoint at ([0-9]+)/).contains { Int($0.output.1).map { $0 >= sequence } ?? false }
        }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, consumer.process.isRunning {
            if reached() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return reached()
    }

    static func consumerArguments(_ urls: String, partition: String?) -> [String] {
        ["-q", "--nats", urls, "--stream", "EVENTS", "--durable", "scamflow", "--exit-when-caught-up", "--checkpoint-every", "0.2"]
            + (partition.map { ["--partition", $0] } ?? [])
    }

    /// Streams made on `server`, `lines` published, and one unpartitioned consumer at work on
    /// them (health every 0.1 s, `batch` messages a fetch), its stdin closed.
    static func consuming(_ lines: [String], on server: NATSServer, batch: Int) throws -> StreamProcess {
        try nats(["init", "--nats", server.url])
        try nats(["publish", "--nats", server.url], stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        let consumer = try StreamProcess(consumerArguments(server.url, partition: nil) + ["--health-every", "0.1", "--batch", "\(batch)"])
        consumer.closeInput()
        return consumer
    }

    @Test func threePartitionsStoreExactlyTheAlertsOfOneStdinRun() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        let lines = try Self.events(generated: 3_000)
        try Self.nats(["init", "--nats", server.url])
        try Self.nats(["publish", "--nats", server.url, "--partitions", "3"], stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        for k in 0..<3 {
            let r = try CLIRunner.run(["stream"] + Self.consumerArguments(server.url, partition: "\(k)/3"), in: CLIRunner.packageRoot)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let expected = try Self.stdinAlertIDs(lines, stream: "EVENTS")
        #expect(expected.count > 20, "the scenarios raise alerts")
        let stored = try Self.storedAlertIDs(server.url)
        #expect(stored.sorted() == expected.sorted())
        // Run again: the checkpoints cover everything, nothing new is published.
        let again = try CLIRunner.run(["stream", "--nats", server.url, "--stream", "EVENTS", "--durable", "scamflow", "--partition", "1/3", "--exit-when-caught-up"],
                                      in: CLIRunner.packageRoot)
        #expect(again.status == 0 && again.stderr.contains("0 records, 0 alerts published"), "\(again.stderr)")
        #expect(try Self.storedAlertIDs(server.url).count == stored.count)
    }

    /// With an 8 KiB max_payload, so that the checkpoints (tens to hundreds of KB of flow state)
    /// go in parts, and the restart reads them back from parts.
    @Test func killedAndRestartedLosesAndRepeatsNothing() throws {
        let server = try NATSServer.start(maxPayload: 8_192)
        defer { withExtendedLifetime(server) {} }
        let lines = try Self.events(generated: 20_000)
        // Small batches, so it is still at work when killed.
        let first = try Self.consuming(lines, on: server, batch: 20)
        // Killed once it has checkpointed some of the way, with more processed since.
        // Far enough into the stream for a state in several 4 KiB parts.
        #expect(Self.waitForCheckpoint(first, atLeast: 4_000), "\(first.stderr)")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(first.process.isRunning, "killed midway, not after the end: \(first.stderr)")
        kill(first.pid, SIGKILL)
        first.process.waitUntilExit()
        let restarted = try CLIRunner.run(["stream"] + Self.consumerArguments(server.url, partition: nil), in: CLIRunner.packageRoot)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(restarted.stderr.contains("resumed "), "it resumed from the checkpoint: \(restarted.stderr)")
        #expect(restarted.stderr.contains(/flow state in [0-9]+ parts/), "the checkpoint was read back from parts: \(restarted.stderr)")
        #expect(first.stderr.contains(/checkpoint at [1-9]/), "the killed run had checkpointed")
        let stored = try Self.storedAlertIDs(server.url)
        #expect(Set(stored).count == stored.count, "no alert twice")
        #expect(stored.sorted() == (try Self.stdinAlertIDs(lines, stream: "EVENTS")).sorted())
    }

    @Test func badMessagesAreCountedAndTheRestProcessed() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        try Self.nats(["init", "--nats", server.url])
        let scam = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Corpus/events/scam-close-password-free.jsonl"), encoding: .utf8)
        try Self.nats(["publish", "--nats", server.url], stdin: Data(("{not json\n" + scam).utf8))
        let r = try CLIRunner.run(["stream", "--nats", server.url, "--stream", "EVENTS", "--durable", "d", "--exit-when-caught-up", "--tee"],
                                  in: CLIRunner.packageRoot)
        #expect(r.status == 0)
        #expect(r.stderr.contains("EVENTS:1:"), "the bad message is said with its stream and sequence: \(r.stderr)")
        #expect(r.stderr.contains("1 bad messages") || r.stderr.contains("1 bad message"), "\(r.stderr)")
        #expect(try Self.ids(r.stdout).count == (try Self.storedAlertIDs(server.url)).count, "--tee writes what is published")
        #expect(!r.stdout.isEmpty)
    }

    @Test func reloadAnnouncedOnTheSubjectKeepsState() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        try Self.nats(["init", "--nats", server.url])
        let metrics = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-metrics-\(UUID().uuidString).prom")
        defer { try? FileManager.default.removeItem(at: metrics) }
        let consumer = try StreamProcess(["--nats", server.url, "--stream", "EVENTS", "--durable", "d", "--health-every", "0.2", "--metrics", metrics.path])
        consumer.closeInput()
        #expect(consumer.waitForStderr("consuming EVENTS"), "\(consumer.stderr)")
        try Self.nats(["reload", "--nats", server.url])
        #expect(consumer.waitForStderr("reloaded packs"), "\(consumer.stderr)")
        #expect(consumer.waitForStderr("health d:"), "\(consumer.stderr)")
        // The next tick's metrics count the reload.
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !text.contains("scamflow_pack_reloads_total{stream=\"EVENTS\",consumer=\"d\"} 1") {
            Thread.sleep(forTimeInterval: 0.05)
            text = (try? String(contentsOf: metrics, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("# TYPE scamflow_records_total counter") && text.contains("scamflow_pack_reloads_total{stream=\"EVENTS\",consumer=\"d\"} 1"), "\(text)")
        kill(consumer.pid, SIGTERM)
        #expect(consumer.finish(within: 20) && consumer.exitedCleanly, "SIGTERM checkpoints and exits 0: \(consumer.stderr)")
    }

    @Test func missingServerOrStreamIsSaidWithTheFix() throws {
        let port = try NATSServer.freePort()
        let down = try CLIRunner.run(["stream", "--nats", "nats://127.0.0.1:\(port)", "--stream", "EVENTS", "--durable", "d"], in: CLIRunner.packageRoot)
        #expect(down.status == 2 && down.stderr.contains("cannot connect to nats://127.0.0.1:\(port)") && down.stderr.contains("nats-server"), "\(down.stderr)")
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        let noStream = try CLIRunner.run(["stream", "--nats", server.url, "--stream", "EVENTS", "--durable", "d"], in: CLIRunner.packageRoot)
        #expect(noStream.status == 2 && noStream.stderr.contains("no stream EVENTS") && noStream.stderr.contains("scamflow nats init"), "\(noStream.stderr)")
        let bad = try CLIRunner.run(["stream", "--nats", "http://x", "--stream", "E", "--durable", "d"], in: CLIRunner.packageRoot)
        #expect(bad.status == 2 && bad.stderr.contains("--nats takes server URLs"), "\(bad.stderr)")
        let state = try CLIRunner.run(["stream", "--nats", server.url, "--stream", "E", "--durable", "d", "--state", "/tmp/x"], in: CLIRunner.packageRoot)
        #expect(state.status == 2 && state.stderr.contains("--state is for stdin"), "\(state.stderr)")
    }

    @Test func serverWithoutJetStreamMissingAlertsStreamAndPasswordsAreSaidWell() throws {
        let plain = try NATSServer.start(jetStream: false)
        defer { withExtendedLifetime(plain) {} }
        for arguments in [["init", "--nats", plain.url], ["publish", "--nats", plain.url]] {
            let started = Date()
            let r = try CLIRunner.run(["nats"] + arguments, in: CLIRunner.packageRoot, stdin: Data("{}\n".utf8))
            #expect(r.status == 2 && r.stderr.contains("-js") && Date().timeIntervalSince(started) < 20,
                    "nats \(arguments[0]) without JetStream fails at once with the fix: \(r.stderr)")
        }
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        let alerts = try CLIRunner.run(["nats", "alerts", "--nats", server.url], in: CLIRunner.packageRoot)
        #expect(alerts.status == 2 && alerts.stderr.contains("scamflow nats init"), "\(alerts.stderr)")
        let port = try NATSServer.freePort()
        for command in [["nats", "init"], ["stream", "--stream", "EVENTS", "--durable", "d"]] {
            let r = try CLIRunner.run(command + ["--nats", "nats://bob:s3cret@127.0.0.1:\(port)"], in: CLIRunner.packageRoot)
            #expect(r.status == 2 && !r.stderr.contains("s3cret") && r.stderr.contains("bob:***@127.0.0.1"), "the password is masked: \(r.stderr)")
        }
    }
}
