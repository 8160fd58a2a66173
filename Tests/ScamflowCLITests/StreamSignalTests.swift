import Foundation
import Testing

/// Signals that arrive while `stream` is still loading its packs (a second or more at start):
/// the handlers are installed before the packs load, so a SIGHUP then is kept and acted on
/// once the stream runs, and SIGTERM ends it with exit 0, instead of the default action
/// killing the process without a word.
@Suite struct StreamSignalTests {
    /// Starts `stream` reading from a pipe; returns the process, its stdin and its stderr file.
    func start(_ dir: URL, _ tag: String) throws -> (Process, Pipe, URL) {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = ["stream"]
        let stdin = Pipe()
        let err = dir.appendingPathComponent("\(tag).err")
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, stdin, err)
    }

    /// Waits until `process` holds SIGHUP (its main thread blocks it: the stream has reached
    /// the first line of `run`, before the packs load), so the test does not depend on how long
    /// the binary takes to start on a busy machine.
    static func waitUntilHeld(_ process: Process) {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
               let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16),
               mask & (1 << (UInt64(SIGHUP) - 1)) != 0 { return }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    /// Waits for `process` to end, at most `seconds`; kills it (and returns false) if it does not.
    static func finish(_ process: Process, within seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }

    /// A signal as soon as the stream holds them (while the packs load), and 300 ms later.
    @Test(arguments: [0, 300])
    func aSignalWhileThePacksLoadIsHandled(afterMilliseconds delay: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-signals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let (hup, hupIn, hupErr) = try start(dir, "hup")
        StreamSignalTests.waitUntilHeld(hup)
        Thread.sleep(forTimeInterval: Double(delay) / 1000)
        kill(hup.processIdentifier, SIGHUP)
        hupIn.fileHandleForWriting.write(Data(#"{"subject":"a","text":"你好"}"#.utf8 + [0x0A]))
        try hupIn.fileHandleForWriting.close()
        #expect(StreamSignalTests.finish(hup), "SIGHUP at \(delay) ms: the stream did not end")
        let said = try String(contentsOf: hupErr, encoding: .utf8)
        #expect(hup.terminationReason == .exit && hup.terminationStatus == 0, "SIGHUP at \(delay) ms: \(hup.terminationReason.rawValue)/\(hup.terminationStatus) \(said)")
        #expect(said.contains("reloaded packs"), "the SIGHUP that came during the load reloads once the stream runs: \(said)")

        let (term, termIn, _) = try start(dir, "term")
        StreamSignalTests.waitUntilHeld(term)
        Thread.sleep(forTimeInterval: Double(delay) / 1000)
        kill(term.processIdentifier, SIGTERM)
        #expect(StreamSignalTests.finish(term), "SIGTERM at \(delay) ms was lost: the stream still ran")
        try? termIn.fileHandleForWriting.close()
        #expect(term.terminationReason == .exit && term.terminationStatus == 0, "SIGTERM at \(delay) ms ends it with exit 0")
    }
}

/// A storm of SIGHUPs (a supervisor that retries, a script in a loop), while the packs load
/// at start and again in the middle of the input: the stream neither dies nor
/// loses or invents an alert, flow state survives every reload, and stdout stays whole lines.
@Suite struct StreamSignalStormTests {
    /// Forty subjects, each told a pretext and, after the storm, asked for the code: the flow
    /// alert needs the first step kept across the reloads.
    static let firstHalf = (0..<40).map { #"{"subject":"s\#($0)","channel":"call","text":"我是银行客服"}"# }
    static let secondHalf = (0..<40).map { #"{"subject":"s\#($0)","channel":"call","text":"请把验证码念给我"}"# }

    /// Runs `stream` on both halves; `storm` runs between them (and at start) with the process id.
    func run(storm: (Int32) -> Void) throws -> (status: Int32, reason: Process.TerminationReason, ids: [String], stdout: String, stderr: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-storm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        for file in [out, err] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = ["stream", "--format", "ndjson"]
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        StreamSignalTests.waitUntilHeld(process)
        storm(process.processIdentifier)
        stdin.fileHandleForWriting.write(Data((StreamSignalStormTests.firstHalf.joined(separator: "\n") + "\n").utf8))
        storm(process.processIdentifier)
        stdin.fileHandleForWriting.write(Data((StreamSignalStormTests.secondHalf.joined(separator: "\n") + "\n").utf8))
        try stdin.fileHandleForWriting.close()
        #expect(StreamSignalTests.finish(process), "the stream did not end")
        let stdout = try String(contentsOf: out, encoding: .utf8)
        let ids = try stdout.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "a whole JSON line: \(line)")
            return try #require(object["alert_id"] as? String)
        }
        return (process.terminationStatus, process.terminationReason, ids.sorted(), stdout, try String(contentsOf: err, encoding: .utf8))
    }

    @Test func aStormOfHangupsLosesNoAlertAndKeepsFlowState() throws {
        let clean = try run { _ in }
        #expect(clean.status == 0 && clean.ids.count >= 80, "one rule alert and one flow alert a subject: \(clean.stderr)")
        let stormy = try run { pid in
            for _ in 0..<50 {
                kill(pid, SIGHUP)
                Thread.sleep(forTimeInterval: 0.004)
            }
        }
        #expect(stormy.reason == .exit && stormy.status == 0, "\(stormy.reason.rawValue)/\(stormy.status): \(stormy.stderr)")
        #expect(stormy.stderr.contains("reloaded packs"), "\(stormy.stderr)")
        #expect(stormy.ids == clean.ids, "the same alerts as a run without signals")
    }
}
