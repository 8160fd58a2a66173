import Foundation
import Testing

/// `scamflow stream` end to end: the seed scenarios' event streams, bad lines, signals, and
/// resuming from `--state` after kill -9.
@Suite(.serialized) struct StreamTests {
    static let events = CLIRunner.packageRoot.appendingPathComponent("Corpus/events")

    func alerts(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func stream(_ file: String, _ extra: [String] = []) throws -> (alerts: [[String: Any]], result: CLIRunner.Result) {
        let input = try Data(contentsOf: Self.events.appendingPathComponent(file))
        let r = try CLIRunner.run(["stream", "-q"] + extra, in: CLIRunner.packageRoot, stdin: input)
        return (try alerts(r.stdout), r)
    }

    /// The alerts of flow `id`: written on their own, or folded into an alert on the same record
    /// (one scam, one alert: then listed under `related`, with the alert they joined giving the
    /// record and the evidence).
    func flowAlerts(_ alerts: [[String: Any]], _ id: String) -> [[String: Any]] {
        alerts.compactMap { alert in
            if alert["id"] as? String == id { return alert }
            guard let joined = (alert["related"] as? [[String: Any]])?.first(where: { $0["id"] as? String == id }) else { return nil }
            return alert.merging(joined.filter { ["step", "step_name", "severity", "alert_id", "kind"].contains($0.key) }) { $1 }
        }
    }

    @Test func closePasswordFreeAlertsAtToolingBeforeAnyPaymentAndEscalates() throws {
        let (alerts, r) = try stream("scam-close-password-free.jsonl")
        #expect(r.status == 0)
        let flow = flowAlerts(alerts, "flow.close-password-free")
        #expect(flow.map { $0["step"] as! Int } == [2, 3, 4], "one alert per step reached, never duplicated")
        #expect(flow.map { $0["severity"] as! String } == ["medium", "high", "critical"])
        // The first flow alert comes from a line before the first payment event (line 13).
        let firstLine = Int((flow[0]["source"] as! String).split(separator: ":").last!)!
        #expect(firstLine < 13)
        #expect(flow[0]["step_name"] as? String == "tooling")
        let last = flow[2]["evidence"] as! [[String: Any]]
        let steps = Set(last.map { $0["signal"] as! String })
        #expect(steps.count >= 4, "evidence from every step: \(steps)")
        #expect(Set(alerts.map { $0["alert_id"] as! String }).count == alerts.count, "alert ids are unique")
        #expect(alerts.contains { ($0["related"] as? [[String: Any]])?.isEmpty == false },
                "a message alert and a flow alert on one record are one alert")
    }

    /// A flow whose first step counts (`flow.password-free-burst`) holds an attempt at step 0
    /// while it counts: a checkpoint taken then is a state the next run resumes (it was refused
    /// as damaged).
    @Test func aStateWithAnAttemptStillCountingResumes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-count-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("s.json").path
        let input = try Data(contentsOf: Self.events.appendingPathComponent("scam-password-free-drain.jsonl"))
        let lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let head = Data(lines.prefix(3).joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")])
        let first = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: head)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try String(contentsOfFile: state, encoding: .utf8).contains("password-free-burst"), "the checkpoint holds the counting attempt")
        let resumed = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: input)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let clean = try stream("scam-password-free-drain.jsonl")
        #expect(try alerts(first.stdout + resumed.stdout).map { $0["alert_id"] as! String }.sorted()
                == clean.alerts.map { $0["alert_id"] as! String }.sorted(), "the two runs write the alerts of one")
    }

    @Test func facePayAndDrainAlertOrdinaryDayIsSilent() throws {
        #expect(try stream("scam-face-pay.jsonl").alerts.contains { $0["id"] as? String == "flow.face-pay-takeover" })
        #expect(try stream("scam-password-free-drain.jsonl").alerts.contains { $0["id"] as? String == "flow.password-free-drain" })
        #expect(try stream("scam-recovery-code.jsonl").alerts.contains { $0["id"] as? String == "flow.recovery-code-theft" },
                "CloudEvents and ECS lines are read")
        #expect(try stream("ordinary-day.jsonl").alerts.isEmpty)
    }

    /// Flows that read context: where the phone last was (`device.location`) and who the
    /// person is (`profile.set`), with nothing but device and platform events.
    @Test func contextFlowsFromDeviceEventsAlone() throws {
        let away = try stream("scam-face-pay-away.jsonl").alerts
        let flow = away.filter { $0["id"] as? String == "flow.face-pay-away" }
        #expect(flow.map { $0["subject"] as? String } == ["dev-7f03", "dev-7f03"], "the traveller paying where the phone is stays silent")
        #expect(flow.map { $0["step"] as? Int } == [1, 2])
        #expect(flow.allSatisfy { $0["severity"] as? String == "critical" }, "an elder's alert is escalated")
        let place = (flow.first?["evidence"] as? [[String: Any]])?.first { $0["signal"] as? String == "context.last_city" }
        #expect(place?["source"] as? String == "<stdin>:2", "the place is evidenced by the record that said it")

        let takeover = try stream("scam-events-only-takeover.jsonl").alerts
        let steps = takeover.filter { $0["id"] as? String == "flow.remote-takeover-after-call" }
        #expect(steps.map { $0["step"] as? Int } == [2, 3, 4])
        #expect(steps.allSatisfy { $0["lang"] as? String == "zh" }, "events have no language: the pack's own is spoken")
        #expect(!takeover.contains { $0["id"] as? String == "flow.close-password-free" }, "no pretext was heard: the scam is not named")
        #expect(!takeover.contains { $0["subject"] as? String == "dev-51c0" }, "a long call with a contact, then a meeting, is not a pretext")
    }

    @Test func badLinesAreReportedAndTheStreamGoesOn() throws {
        let input = Data("{\"subject\":\"u\",\"text\":\"把验证码告诉我，我是平台客服\"}\nnot json\n{\"subject\":\"u\",\"text\":\"我是京东客服，把收到的验证码发给我\"}\n".utf8)
        let r = try CLIRunner.run(["stream"], in: CLIRunner.packageRoot, stdin: input)
        #expect(r.status == 0)
        #expect(r.stderr.contains("<stdin>:2: malformed JSON"))
        #expect(r.stderr.contains("1 bad line,"))
        #expect(try alerts(r.stdout).contains { ($0["source"] as? String) == "<stdin>:3" })

        // A line that is both broken JSON and broken UTF-8 gets one message, not two.
        var bad = Data("{\"subject\":\"u\",\"text\":\"a".utf8)
        bad.append(contentsOf: [0xFF, 0x0A])
        let b = try CLIRunner.run(["stream"], in: CLIRunner.packageRoot, stdin: bad)
        let lines = b.stderr.split(separator: "\n").filter { $0.contains("<stdin>:1") }
        #expect(lines.count == 1 && lines[0].contains("invalid UTF-8 at byte 24"), "\(b.stderr)")
    }

    /// A fresh folder (the caller removes it), a state file path in it, and the seed scenario.
    func closePasswordFreeWithState(_ tag: String) throws -> (folder: URL, state: String, input: Data) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let input = try Data(contentsOf: Self.events.appendingPathComponent("scam-close-password-free.jsonl"))
        return (dir, dir.appendingPathComponent("state.json").path, input)
    }

    @Test func aClosedStdoutStopsTheStreamAndTheStateKeepsWhatWasNotWritten() throws {
        let (dir, state, input) = try closePasswordFreeWithState("closed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clean = try alerts(CLIRunner.run(["stream", "-q"], in: CLIRunner.packageRoot, stdin: input).stdout)
        #expect(clean.count >= 3)

        // The consumer is gone before the first alert: stdout is a pipe whose reader closed.
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = ["stream", "--state", state]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try stdout.fileHandleForReading.close()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(message.contains("stdout is closed"), "\(message)")

        // Nothing was delivered, so a restart on the same input raises every alert again.
        let again = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: input)
        #expect(try alerts(again.stdout).map { $0["alert_id"] as! String } == clean.map { $0["alert_id"] as! String })
    }

    @Test func aStateOfAnotherPartitionIsRefused() throws {
        let (dir, state, input) = try closePasswordFreeWithState("part")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLIRunner.run(["stream", "-q", "--partition", "0/3", "--state", state], in: CLIRunner.packageRoot, stdin: input).status == 0)
        let other = try CLIRunner.run(["stream", "-q", "--partition", "1/3", "--state", state], in: CLIRunner.packageRoot, stdin: input)
        #expect(other.status == 2)
        #expect(other.stderr.contains("--partition 0/3") && other.stderr.contains("its own --state"), "\(other.stderr)")
        #expect(try CLIRunner.run(["stream", "-q", "--partition", "0/3", "--state", state], in: CLIRunner.packageRoot, stdin: input).status == 0)
    }

    @Test func resumesAfterKill9WithoutLosingOrRepeatingAlerts() throws {
        // Four scenarios on four subjects, one after the other.
        var lines: [String] = []
        for file in ["scam-close-password-free.jsonl", "scam-face-pay.jsonl", "scam-password-free-drain.jsonl", "scam-recovery-code.jsonl"] {
            lines += try String(contentsOf: Self.events.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let input = Data((lines.joined(separator: "\n") + "\n").utf8)
        let clean = try alerts(CLIRunner.run(["stream", "-q"], in: CLIRunner.packageRoot, stdin: input).stdout).map { $0["alert_id"] as! String }
        #expect(clean.count >= 6)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json").path

        // First run: half the input, then kill -9 while it waits for more.
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = ["stream", "-q", "--state", state, "--checkpoint-every", "0.2"]
        let stdin = Pipe()
        let outURL = dir.appendingPathComponent("out1")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let half = lines.count / 2
        stdin.fileHandleForWriting.write(Data((lines[..<half].joined(separator: "\n") + "\n").utf8))
        var first: [String] = []
        for _ in 0..<100 {  // wait (at most 10 s) until the alerts of the first half are out
            Thread.sleep(forTimeInterval: 0.1)
            first = try alerts(String(decoding: Data(contentsOf: outURL), as: UTF8.self)).map { $0["alert_id"] as! String }
            if first.count >= 3 { break }
        }
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        first = try alerts(String(decoding: Data(contentsOf: outURL), as: UTF8.self)).map { $0["alert_id"] as! String }
        #expect(!first.isEmpty && first.count < clean.count, "killed half-way")
        #expect(FileManager.default.fileExists(atPath: state), "a checkpoint was written")

        // Second run: the same input from the start, same state.
        let second = try CLIRunner.run(["stream", "--state", state], in: CLIRunner.packageRoot, stdin: input)
        #expect(second.status == 0)
        #expect(second.stderr.contains("skipping its first"))
        let rest = try alerts(second.stdout).map { $0["alert_id"] as! String }
        #expect(Set(first).isDisjoint(with: rest), "no alert twice")
        #expect((first + rest).sorted() == clean.sorted(), "together exactly the alerts of one clean run")

        // The state holds no message text.
        let saved = try String(contentsOf: URL(fileURLWithPath: state), encoding: .utf8)
        #expect(!saved.contains("免密支付") && !saved.contains("验证码"))
    }

    @Test func sighupReloadsKeepingStateAndABrokenPackLeavesTheOldOneRunning() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-reload-\(UUID().uuidString)")
        let pack = dir.appendingPathComponent("p")
        try FileManager.default.createDirectory(at: pack.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: p\nversion: 1.0.0\nthreshold: 60\nlanguages: [zh]\n".write(to: pack.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        func rules(_ pattern: String) throws {
            try """
            - {id: p.a, title: A, signal: request.sms_code, match: '\(pattern)', score: 60, examples: {match: ['x'], no_match: ['y']}}
            """.write(to: pack.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        }
        try rules("甲乙丙")

        let process = Process()
        process.executableURL = CLIRunner.binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = ["stream", "--no-builtin", "--packs", pack.path]
        let stdin = Pipe()
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        func send(_ text: String) { stdin.fileHandleForWriting.write(Data("{\"subject\":\"u\",\"text\":\"\(text)\"}\n".utf8)) }
        func waitFor(_ needle: String, in url: URL) -> Bool {
            for _ in 0..<100 {
                if (try? String(contentsOf: url, encoding: .utf8))?.contains(needle) == true { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }
        send("甲乙丙")
        #expect(waitFor("p.a", in: outURL), "the first pack alerts")

        try rules("(丁戊")   // broken
        kill(process.processIdentifier, SIGHUP)
        #expect(waitFor("reload failed", in: errURL))
        send("甲乙丙 again")
        #expect(waitFor("<stdin>:2", in: outURL), "the running pack stayed in force")

        try rules("丁戊")
        kill(process.processIdentifier, SIGHUP)
        #expect(waitFor("reloaded packs", in: errURL))
        send("丁戊")
        #expect(waitFor("<stdin>:3", in: outURL), "the new pack is in force")

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "SIGTERM drains and exits 0")
    }
}
