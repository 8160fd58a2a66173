import Foundation
import Testing

/// A `scamflow stream` started in the hermetic environment, reading a pipe the test writes to,
/// its stdout and stderr going to files (so nothing can block whatever the sizes). Killed and
/// its folder removed when dropped.
final class StreamProcess {
    let process = Process()
    private let input = Pipe()
    private let dir: URL
    private let out: URL, err: URL

    init(_ arguments: [String] = []) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        out = dir.appendingPathComponent("out")
        err = dir.appendingPathComponent("err")
        for file in [out, err] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        process.executableURL = CLIRunner.binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = ["stream"] + arguments
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dir)
    }

    var pid: Int32 { process.processIdentifier }

    func write(_ bytes: [UInt8]) { input.fileHandleForWriting.write(Data(bytes)) }
    func write(_ text: String) { write(Array(text.utf8)) }
    func closeInput() { try? input.fileHandleForWriting.close() }

    var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

    /// The `alert_id` of every line of stdout, each required to be one whole JSON object.
    func alertIDs() throws -> [String] {
        try stdout.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "a whole JSON line: \(line)")
            return try #require(object["alert_id"] as? String)
        }
    }

    /// True once it exited normally with status 0.
    var exitedCleanly: Bool { !process.isRunning && process.terminationReason == .exit && process.terminationStatus == 0 }

    /// Waits until the stream holds SIGHUP (its main thread blocks it: it has reached the first
    /// line of `run`, before the packs load), so a test does not depend on how long the binary
    /// takes to start on a busy machine.
    func waitUntilHeld() {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
               let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16),
               mask & (1 << (UInt64(SIGHUP) - 1)) != 0 { return }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    /// Waits until stderr says `text` (or the process ends, or `seconds` pass); true when it did.
    func waitForStderr(_ text: String, within seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// Waits for the stream to end, at most `seconds`; kills it (and returns false) if it does not.
    func finish(within seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard process.isRunning else { return true }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        return false
    }
}
