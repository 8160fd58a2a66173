import Foundation
import Testing

/// `stream --state` under faults: kill -9 at random points, state files that parse but cannot
/// be right, temporaries of a killed run, a full disk, and the idle sweep bounding memory.
@Suite(.serialized) struct StreamStateFaultTests {
    /// The close-password-free scenario played by `subjects` people, each an hour after the
    /// last: many alerts spread along a few thousand lines.
    static func manySubjects(_ subjects: Int) throws -> Data {
        let url = CLIRunner.packageRoot.appendingPathComponent("Corpus/events/scam-close-password-free.jsonl")
        let template = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        var out = ""
        for s in 0..<subjects {
            for line in template {
                var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                object["subject"] = "dev-\(s)"
                if let time = object["time"] as? String, let date = ISO8601DateFormatter().date(from: time) {
                    object["time"] = ISO8601DateFormatter().string(from: date.addingTimeInterval(Double(s) * 3600))
                }
                out += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
            }
        }
        return Data(out.utf8)
    }

    static func ids(_ stdout: String) -> [String] {
        // A line cut by the kill is not an alert that was delivered.
        stdout.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["alert_id"] as? String
        }
    }

    func folder(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Twenty runs, each killed with SIGKILL at a random moment while checkpointing every 20 ms,
    /// then restarted on the same input with the same state: every alert of a clean run is
    /// written by one of the two runs, none is invented, and none is written twice.
    @Test func killNineAtRandomPointsLosesAndRepeatsNothing() throws {
        let input = try Self.manySubjects(150)
        let started = Date()
        let clean = Self.ids(try CLIRunner.run(["stream", "-q"], in: CLIRunner.packageRoot, stdin: input).stdout)
        // Kills land within what a clean run takes (start-up included), so they fall while the
        // stream runs however fast this machine and this build are.
        let cleanSeconds = max(0.05, Date().timeIntervalSince(started))
        #expect(clean.count >= 450)
        var generator = SystemRandomNumberGenerator()
        var runsWithRepeats = 0, killedMidway = 0
        for run in 0..<20 {
            let dir = try folder("kill-\(run)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let state = dir.appendingPathComponent("state.json").path
            let inputURL = dir.appendingPathComponent("input.jsonl")
            try input.write(to: inputURL)
            let outURL = dir.appendingPathComponent("out1")
            FileManager.default.createFile(atPath: outURL.path, contents: nil)
            let process = Process()
            process.executableURL = CLIRunner.binary
            process.environment = CLIRunner.hermeticEnvironment
            process.arguments = ["stream", "-q", "--state", state, "--checkpoint-every", "0.02"]
            process.standardInput = try FileHandle(forReadingFrom: inputURL)
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: (0.1 * cleanSeconds)...(0.9 * cleanSeconds), using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let first = Self.ids(String(decoding: try Data(contentsOf: outURL), as: UTF8.self))
            if process.terminationReason == .uncaughtSignal && first.count < clean.count { killedMidway += 1 }

            let second = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: input)
            #expect(second.status == 0, "\(second.stderr)")
            let rest = Self.ids(second.stdout)
            let all = first + rest
            #expect(Set(all) == Set(clean), "run \(run): no alert lost, none invented")
            // The one window left: a kill between the write of a flush to stdout and its
            // journal append (one system call apart). What it repeats is that last flush: the
            // alerts written twice are a block at the end of the killed run's output.
            let twice = Set(first).intersection(rest)
            if !twice.isEmpty {
                runsWithRepeats += 1
                #expect(Set(first.suffix(twice.count)) == twice, "run \(run): \(twice.count) alerts written twice, not the last flush")
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "temporaries left: \(leftovers)")
        }
        #expect(killedMidway >= 5, "the kills must land while the stream runs (\(killedMidway) of 20 did)")
        // Twenty runs rarely hit that window (once, on a machine with three builds running).
        #expect(runsWithRepeats <= 2, "\(runsWithRepeats) of 20 runs wrote alerts twice")
    }

    /// Checkpoints change nothing: subjects out of step (one an hour ahead of the other), lines
    /// arriving slowly, a snapshot every 100 ms: the same alerts as a run without `--state`.
    /// (The timer once expired every attempt against the newest time of any subject.)
    @Test func checkpointsOfSubjectsOutOfStepChangeNoAlert() throws {
        let ahead = "{\"time\":\"2025-03-06T11:00:00+08:00\",\"subject\":\"other\",\"channel\":\"event\",\"event\":\"payment.face_pay.enabled\",\"attrs\":{\"channel\":\"store\",\"city\":\"遵义\",\"home_city\":\"深圳\"}}\n"
        let scenario = try Data(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Corpus/events/scam-close-password-free.jsonl"))
        let input = Data(ahead.utf8) + scenario
        let clean = Self.ids(try CLIRunner.run(["stream", "-q"], in: CLIRunner.packageRoot, stdin: input).stdout)
        #expect(clean.count >= 4)
        let dir = try folder("outofstep")
        defer { try? FileManager.default.removeItem(at: dir) }
        try input.write(to: dir.appendingPathComponent("input.jsonl"))
        let r = try FaultInjection.shell("""
            while IFS= read -r line; do printf '%s\\n' "$line"; sleep 0.15; done < "$DIR/input.jsonl" \\
              | "$SCAMFLOW" stream -q --state "$DIR/state.json" --checkpoint-every 0.05
            """, environment: ["DIR": dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.ids(r.stdout) == clean)
    }

    @Test(arguments: [
        ("{\"version\":99,\"input\":{\"lines\":0,\"firstLineHash\":\"\",\"lastLineHash\":\"\"},\"flows\":{\"version\":2,\"now\":0,\"subjects\":[],\"evictions\":0,\"lateSignals\":0,\"alertsRaised\":0}}", "state version 99"),
        ("{\"version\":1,\"input\":{\"lines\":-5,\"firstLineHash\":\"\",\"lastLineHash\":\"\"},\"flows\":{\"version\":2,\"now\":0,\"subjects\":[],\"evictions\":0,\"lateSignals\":0,\"alertsRaised\":0}}", "-5 input lines"),
        ("{\"version\":1,\"input\":{\"lines\":3,\"firstLineHash\":\"\",\"lastLineHash\":\"\"},\"flows\":{\"version\":7,\"now\":0,\"subjects\":[],\"evictions\":0,\"lateSignals\":0,\"alertsRaised\":0}}", "flow state version 7"),
        ("{\"version\":1,\"input\":{\"lines\":3,\"firstLineHash\":\"\",\"lastLineHash\":\"\"},\"flows\":{\"version\":2,\"now\":5,\"evictions\":0,\"lateSignals\":0,\"alertsRaised\":0,\"subjects\":[{\"subject\":\"u\",\"lastTime\":5,\"attempts\":[{\"flow\":\"flow.close-password-free\",\"id\":\"a\",\"reached\":2,\"start\":0,\"last\":5,\"lang\":\"zh\",\"alerted\":3,\"evidence\":[],\"countTimes\":[]}]}]}}", "alerted at step 3 of an attempt at step 2"),
        ("{\"version\":1,\"input\":{\"lines\":3,\"firstLineHash\":\"\",\"lastLineHash\":\"\"},\"flows\":{\"version\":2,\"now\":5,\"evictions\":0,\"lateSignals\":0,\"alertsRaised\":0,\"subjects\":[{\"subject\":\"u\",\"lastTime\":5,\"attempts\":[{\"flow\":\"flow.close-password-free\",\"id\":\"a\",\"reached\":0,\"start\":0,\"last\":5,\"lang\":\"zh\",\"alerted\":0,\"evidence\":[],\"countTimes\":[]}]}]}}", "an attempt at step 0"),
        ("{\"version\":1,\"input\":{\"lines\":3}}", "not a scamflow state file"),
        ("[1, 2, 3]", "not a scamflow state file"),
        ("{\"version\":1,\"input\":{\"lines\":3}}", "at input: no `firstLineHash`"),
        ("{\"version\":1,\"input\":{\"lines\":\"three\",\"firstLineHash\":\"\",\"lastLineHash\":\"\"}}", "at input.lines:"),
        ("{\"version\":1,", "not valid JSON"),
    ])
    func aStateThatCannotBeRightIsRefused(content: String, message: String) throws {
        let dir = try folder("badstate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json")
        try Data(content.utf8).write(to: state)
        let r = try CLIRunner.run(["stream", "--state", state.path], in: CLIRunner.packageRoot, stdin: Data("{\"text\":\"hi\"}\n".utf8))
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot resume from \(state.path)") && r.stderr.contains(message), "\(r.stderr)")
        #expect(try Data(contentsOf: state) == Data(content.utf8), "a refused state is left as it was")
    }

    /// A run that read no record (no input yet, or only lines that are not records) writes the
    /// engine's time before any event; the next run resumes from it (it was refused as a
    /// "negative time", so a supervisor restarting the stream got exit 2 for ever).
    @Test func aStateOfARunWithoutRecordsResumes() throws {
        let dir = try folder("empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json").path
        for input in ["", "not json\n", ""] {
            let r = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: Data(input.utf8))
            #expect(r.status == 0, "after input \(input.debugDescription): \(r.stderr)")
        }
    }

    /// Attempts the loaded flows cannot hold (a flow no pack defines, a step beyond the flow's
    /// last). Written with the packs in force now, no run made them: the state is refused like
    /// any other damage, saying which attempt. Written with other packs, the flows changed:
    /// the attempts are dropped and the reason said for each kind (a step beyond a loaded
    /// flow was once reported as a flow "no longer loaded").
    @Test func attemptsTheFlowsCannotHoldAreRefusedUnlessThePacksChanged() throws {
        let dir = try folder("steps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json")
        #expect(try CLIRunner.run(["stream", "-q", "--state", state.path], in: CLIRunner.packageRoot, stdin: Data()).status == 0)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as! [String: Any]
        let packsNow = try #require(written["packs"] as? [String])
        func attempt(_ flow: String, step: Int) -> [String: Any] {
            ["flow": flow, "id": "a-\(flow)", "reached": step, "start": 0, "last": 5, "lang": "zh", "alerted": 2, "evidence": [], "countTimes": []]
        }
        let beyond = attempt("flow.close-password-free", step: 9), gone = attempt("flow.no-such-flow", step: 2)
        func resume(packs: [String], _ attempts: [[String: Any]]) throws -> (status: Int32, stderr: String, unchanged: Bool) {
            var content = written
            content["packs"] = packs
            content["flows"] = ["version": 2, "now": 5, "evictions": 0, "lateSignals": 0, "alertsRaised": 0,
                                "subjects": [["subject": "u", "lastTime": 5, "attempts": attempts]]]
            let bytes = try JSONSerialization.data(withJSONObject: content)
            try bytes.write(to: state)
            let r = try CLIRunner.run(["stream", "--state", state.path], in: CLIRunner.packageRoot, stdin: Data("{\"text\":\"hi\"}\n".utf8))
            return (r.status, r.stderr, try Data(contentsOf: state) == bytes)
        }

        let same = try resume(packs: packsNow, [beyond])
        #expect(same.status == 2 && same.unchanged, "\(same.stderr)")
        #expect(same.stderr.contains("cannot resume from \(state.path): the file is damaged or another stream's: "
                                     + "subject u, flow.close-password-free: an attempt at step 9 of a flow of 4 steps")
                && same.stderr.contains("move it away") && !same.stderr.contains("no longer loaded"), "\(same.stderr)")
        let sameGone = try resume(packs: packsNow, [gone])
        #expect(sameGone.status == 2 && sameGone.stderr.contains("subject u, flow.no-such-flow: an attempt of a flow none of the packs defines"),
                "\(sameGone.stderr)")

        let older = packsNow.map { $0.hasPrefix("zh-payment-scams@") ? "zh-payment-scams@0.9.0" : $0 }
        let changed = try resume(packs: older, [beyond, gone])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stderr.contains("resumed 0 flow attempts of 0 subjects from \(state.path) (1 attempt of flows no longer loaded dropped; "
                                        + "1 attempt at a step their flow no longer has dropped: the flow changed with the packs)"), "\(changed.stderr)")
    }

    @Test func aFolderAsStateIsNamed() throws {
        let dir = try folder("dirstate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLIRunner.run(["stream", "--state", dir.path], in: CLIRunner.packageRoot, stdin: Data())
        #expect(r.status == 2)
        #expect(r.stderr.contains("it is a folder; --state takes a file path"), "\(r.stderr)")
    }

    /// A state of another input is rebased, and says so: the flows continue, the lines are new.
    @Test func anotherInputOrOtherPacksAreSaidNotSilentlyApplied() throws {
        let dir = try folder("foreign")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json").path
        let first = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot,
                                      stdin: Data("{\"subject\":\"u\",\"text\":\"我是支付宝客服，您的免密支付开通了会员，每月自动扣费\"}\n".utf8))
        #expect(first.status == 0)
        let other = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot,
                                      stdin: Data("{\"subject\":\"v\",\"text\":\"今晚一起吃饭\"}\n".utf8))
        #expect(other.status == 0)
        #expect(other.stderr.contains("does not start with the checkpoint's first line"), "\(other.stderr)")

        let pack = dir.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: pack.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try Data("name: extra-test\nversion: 1.0.0\nmin_engine: 0.1.0\nthreshold: 60\nlanguages: [zh]\n".utf8).write(to: pack.appendingPathComponent("pack.yaml"))
        try Data("- {id: x.one, title: 测试, signal: request.sms_code, match: '测试验证码', score: 60, examples: {match: ['测试验证码'], no_match: ['验证']}}\n".utf8)
            .write(to: pack.appendingPathComponent("rules/rules.yaml"))
        let packs = try CLIRunner.run(["stream", "-q", "--state", state, "--packs", pack.path], in: CLIRunner.packageRoot, stdin: Data())
        #expect(packs.status == 0)
        #expect(packs.stderr.contains("the state was written with other packs (now: extra-test@1.0.0)"), "\(packs.stderr)")
    }

    /// Input that starts like the checkpoint's but ends before the line it had reached: every
    /// line was skipped as already processed, so the end says it is probably another input
    /// (it used to pass in silence). A whole replay, or no input at all, says nothing of it.
    @Test func aReplayShorterThanTheCheckpointIsSaidAtTheEnd() throws {
        let dir = try folder("short")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json").path
        let lines = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Corpus/events/scam-close-password-free.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { $0 + "\n" }
        #expect(lines.count >= 4)
        let whole = Data(lines.joined().utf8)
        #expect(try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: whole).status == 0)
        let warning = "the input ended at line 2 but the state had consumed \(lines.count) lines: it is probably not the same input"
        let short = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: Data(lines.prefix(2).joined().utf8))
        #expect(short.status == 0)
        #expect(short.stderr.contains(warning) && short.stderr.contains("start without --state or with a fresh state file"), "\(short.stderr)")
        for input in [whole, Data()] {
            let r = try CLIRunner.run(["stream", "-q", "--state", state], in: CLIRunner.packageRoot, stdin: input)
            #expect(r.status == 0 && !r.stderr.contains("the input ended at line"), "\(r.stderr)")
        }
    }

    @Test func temporariesOfAKilledRunAreRemovedAtStart() throws {
        let dir = try folder("stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json").path
        // Process ids above the kernel's pid_max (4194304 at most) never run.
        let stale = dir.appendingPathComponent(".state.json.tmp-4194305")
        try Data("{\"half".utf8).write(to: stale)
        let r = try CLIRunner.run(["stream", "--state", state], in: CLIRunner.packageRoot, stdin: Data())
        #expect(r.status == 0)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(r.stderr.contains("removed 1 temporary state file left by an interrupted run"))
    }

    /// Subjects idle longer than `--idle-ttl` are forgotten as the stream goes, whether or not
    /// anything alerts (the sweep once ran only after an alert).
    @Test func idleSubjectsAreSweptWithoutAnyAlert() throws {
        var lines = ""
        let start = ISO8601DateFormatter().date(from: "2025-01-01T00:00:00Z")!
        for s in 0..<6000 {
            let time = ISO8601DateFormatter().string(from: start.addingTimeInterval(Double(s) * 60))
            // An unconfirmed password-free agreement each: the first step of a flow that waits 24 hours.
            lines += "{\"time\":\"\(time)\",\"subject\":\"s\(s)\",\"channel\":\"event\",\"event\":\"payment.passwordless.enabled\",\"attrs\":{\"merchant\":\"m\",\"confirmed\":false}}\n"
        }
        func tracked(_ extra: [String]) throws -> Int {
            let r = try CLIRunner.run(["stream"] + extra, in: CLIRunner.packageRoot, stdin: Data(lines.utf8))
            #expect(r.stdout.isEmpty, "one step of a flow alerts nothing")
            let m = r.stderr.firstMatch(of: /(\d+) subjects tracked/)
            return Int(m!.1)!
        }
        // 6,000 subjects, one a minute: at most 1,440 within the flow's 24 hours, plus the
        // sweep's lag (it visits every subject once per 10 passes of 1,000 records).
        let kept = try tracked([])
        let swept = try tracked(["--idle-ttl", "10m"])
        #expect(kept > 1_000 && kept < 3_000, "subjects past the flow's 24 hours are forgotten: \(kept) of 6,000 tracked")
        #expect(swept < kept, "with --idle-ttl 10m: \(swept) tracked, without: \(kept)")
    }
    /// The state folder fills up while the stream runs (a 48 KiB tmpfs in a private mount
    /// namespace, see `FaultInjection`): the stream says so once, goes on writing every alert,
    /// and leaves the last state that fitted, which a restart accepts, and no temporary behind.
    @Test(FaultInjection.mounting)
    func aFullDiskLosesNoAlertAndLeavesAUsableState() throws {
        let dir = try folder("full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.manySubjects(150)
        try input.write(to: dir.appendingPathComponent("input.jsonl"))
        let clean = Self.ids(try CLIRunner.run(["stream", "-q"], in: CLIRunner.packageRoot, stdin: input).stdout)
        let r = try FaultInjection.shell("""
            mnt=$(mktemp -d); mount -t tmpfs -o size=48k tmpfs "$mnt"
            rc=0; "$SCAMFLOW" stream -q --state "$mnt/state.json" --checkpoint-every 0.01 < "$DIR/input.jsonl" > "$DIR/out" 2> "$DIR/err" || rc=$?
            echo "$rc" > "$DIR/rc"
            ls -a "$mnt" > "$DIR/ls"
            if [ -f "$mnt/state.json" ]; then "$SCAMFLOW" stream -q --state "$mnt/state.json" < /dev/null 2> "$DIR/err2"; echo "resumed $?" > "$DIR/rc2"; fi
            umount "$mnt"
            """, environment: ["DIR": dir.path], privateMounts: true)
        #expect(r.status == 0, "\(r.stderr)")
        func read(_ name: String) -> String { (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        #expect(read("rc") == "0\n")
        #expect(Self.ids(read("out")) == clean, "every alert written, in order")
        #expect(read("err").components(separatedBy: "cannot write state").count == 2, "said once: \(read("err"))")
        #expect(!read("ls").contains(".tmp-"), "no temporary left: \(read("ls"))")
        if !read("rc2").isEmpty { #expect(read("rc2") == "resumed 0\n", "\(read("err2"))") }
    }
}
