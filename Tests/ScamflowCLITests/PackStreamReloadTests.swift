import Foundation
import ScamPacks
import ScamStore
import Testing

/// A running `scamflow stream` and the pack store: installs, updates and rollbacks are picked up
/// within the watch interval, flow state survives them, and refused installs or a store broken
/// on disk leave the running packs in force.
@Suite(.serialized) struct PackStreamReloadTests {
    final class Stream {
        let process = Process()
        let stdin = Pipe()
        let out: URL, err: URL
        var lines = 0

        init(_ ws: PackWorkspace) throws {
            out = ws.dir.appendingPathComponent("stream.out")
            err = ws.dir.appendingPathComponent("stream.err")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = CLIRunner.binary
            process.arguments = ["stream", "--watch-store", "0.2"]
            var env = CLIRunner.hermeticEnvironment
            for (k, v) in ws.environment { env[k] = v }
            process.environment = env
            process.standardInput = stdin
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }

        /// Sends one JSON line; returns its line number.
        @discardableResult
        func send(_ json: String) -> Int {
            stdin.fileHandleForWriting.write(Data((json + "\n").utf8))
            lines += 1
            return lines
        }

        @discardableResult
        func say(_ text: String, subject: String = "u1") -> Int {
            send(#"{"subject":"\#(subject)","channel":"sms","text":"\#(text)"}"#)
        }

        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

        var alerts: [[String: Any]] {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        /// The packs of the alerts raised for input line `line`.
        func packs(atLine line: Int) -> [String] {
            alerts.filter { $0["source"] as? String == "<stdin>:\(line)" }.compactMap { $0["pack"] as? String }
        }

        /// Waits (at most 10 s) until `condition` holds.
        func wait(_ condition: () -> Bool) -> Bool {
            for _ in 0..<200 {
                if condition() { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        func count(_ needle: String) -> Int { stderr.components(separatedBy: needle).count - 1 }

        func stop() -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test func aRunningStreamPicksUpInstallsAndRollbacksKeepsFlowStateAndSurvivesEveryFailure() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let key = try ws.trustedKey()
        let rules1 = PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp")
        let rules2 = PackWorkspace.rules(["蓝鲸暗号", "白鲸暗号"], idPrefix: "demo-otp")
        let v1 = try ws.write(try ws.craft(version: "1.0.0", rules: rules1, key: key), to: "v1.sfpack")
        #expect(try ws.run(["pack", "install", v1]).status == 0)

        let stream = try Stream(ws)
        defer { if stream.process.isRunning { _ = stream.stop() } }
        var line = stream.say("蓝鲸暗号")
        #expect(stream.wait { stream.packs(atLine: line) == ["demo-otp@1.0.0"] }, "the installed pack is in force at start")

        // A scam call begins (the pretext step of flow.close-password-free) before any reload.
        let scam = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Corpus/events/scam-close-password-free.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for l in scam.prefix(4) { stream.send(l) }

        // Every refusal leaves the store, and so the stream, as they were.
        var tampered = try ws.craft(version: "1.1.0", rules: rules2, key: key)
        let phrase = Array("白鲸".utf8)
        let at = try #require((0..<(tampered.count - phrase.count)).first { Array(tampered[$0..<($0 + phrase.count)]) == phrase })
        tampered[at] = UInt8(ascii: "x")
        let bad = [
            try ws.write(tampered, to: "bad/tampered.sfpack"),
            try ws.write(try ws.craft(version: "1.1.0", rules: rules2, key: SigningKey.generate(name: "x")), to: "bad/stranger.sfpack"),
            try ws.write(try ws.craft(version: "1.1.0", rules: PackWorkspace.rules(["白鲸暗号"], idPrefix: "demo-otp", pattern: { "(" + $0 }), key: key), to: "bad/regex.sfpack"),
            try ws.write(try ws.craft(version: "1.1.0", minEngine: "99.0.0", rules: rules2, key: key), to: "bad/engine.sfpack"),
            try ws.write(try ws.craft(name: "other-pack", version: "1.0.0", rules: rules1, key: key), to: "bad/clash.sfpack"),
        ]
        for path in bad { #expect(try ws.run(["pack", "install", path]).status == 2, "\(path)") }
        Thread.sleep(forTimeInterval: 0.6)
        #expect(!stream.stderr.contains("reload"), "nothing changed, nothing reloaded: \(stream.stderr)")
        line = stream.say("蓝鲸暗号")
        #expect(stream.wait { stream.packs(atLine: line) == ["demo-otp@1.0.0"] })

        // The store damaged on disk (a rule edited by hand), then its generation bumped: the
        // reload sets the broken version aside, says why (on stderr and in the alert stream),
        // and the version already running stays in force.
        let active = ws.store + "/demo-otp/1.0.0/rules/r.yaml"
        let original = try Data(contentsOf: URL(fileURLWithPath: active))
        try Data(rules2.utf8).write(to: URL(fileURLWithPath: active))
        try Data("41\n".utf8).write(to: URL(fileURLWithPath: ws.store + "/.generation"))
        #expect(stream.wait { stream.stderr.contains("is broken and set aside") }, "\(stream.stderr)")
        #expect(stream.stderr.contains("was changed on disk") && stream.stderr.contains("demo-otp 1.0.0, already running, stays in force"))
        #expect(stream.wait { stream.alerts.contains { $0["id"] as? String == "pack.broken" && $0["pack"] as? String == "demo-otp@1.0.0" } })
        #expect((stream.alerts.first { $0["id"] as? String == "pack.broken" }?["instead"] as? [String: String]) == ["pack": "demo-otp@1.0.0", "kind": "running"])
        line = stream.say("蓝鲸暗号")
        #expect(stream.wait { stream.packs(atLine: line) == ["demo-otp@1.0.0"] }, "the running pack stayed in force")
        line = stream.say("白鲸暗号")
        try original.write(to: URL(fileURLWithPath: active))

        // An update: reloaded within the watch interval, flow state kept.
        let v2 = try ws.write(try ws.craft(version: "1.1.0", rules: rules2, key: key), to: "v2.sfpack")
        #expect(try ws.run(["pack", "install", v2]).status == 0)
        #expect(stream.wait { stream.stderr.contains("demo-otp@1.1.0") }, "\(stream.stderr)")
        #expect(stream.stderr.contains("the pack store changed"))
        #expect(stream.stderr.contains("flow attempts kept"))
        #expect(stream.packs(atLine: line).isEmpty, "白鲸暗号 meant nothing before the update")
        line = stream.say("白鲸暗号")
        #expect(stream.wait { stream.packs(atLine: line) == ["demo-otp@1.1.0"] })

        // The scam call goes on after the reload: the flow remembers its pretext step.
        for l in scam.dropFirst(4) { stream.send(l) }
        #expect(stream.wait {
            stream.alerts.contains { alert in
                // On its own, or folded into the message alert of the same record (one scam, one alert).
                (alert["id"] as? String == "flow.close-password-free" && alert["step"] as? Int == 2 && (alert["steps"] as? [String])?.first == "pretext")
                    || ((alert["related"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "flow.close-password-free" && $0["step"] as? Int == 2 }
            }
        }, "the flow attempt started before the reload advanced after it")

        // Rollback: picked up too.
        let reloads = stream.count("reloaded packs")
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0)
        #expect(stream.wait { stream.count("reloaded packs") > reloads })
        let afterRollback = stream.say("白鲸暗号")
        line = stream.say("蓝鲸暗号")
        #expect(stream.wait { stream.packs(atLine: line) == ["demo-otp@1.0.0"] })
        #expect(stream.packs(atLine: afterRollback).isEmpty)

        #expect(stream.stop() == 0)
        // The summary names the version set aside at the reload, no longer so since.
        #expect(stream.stderr.contains("installed pack set aside (broken): demo-otp 1.0.0 (SF110); demo-otp 1.0.0, already running, "
                                       + "stays in force in its place (no longer after a reload)"), "\(stream.stderr)")
    }
}
