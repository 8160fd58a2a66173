import Foundation
import Testing

/// Signals that arrive while `stream` is still loading its packs (a second or more at start):
/// the handlers are installed before the packs load, so a SIGHUP then is kept and acted on
/// once the stream runs, and SIGTERM ends it with exit 0, instead of the default action
/// killing the process without a word (or, with the signal ignored before its handler was
/// armed, the signal being lost).
@Suite struct StreamSignalTests {
    /// A signal as soon as the stream holds them (while the packs load), and 300 ms later (in
    /// a debug build still during the load; an optimized one may be reading stdin by then,
    /// where a SIGHUP reloads at once). The input stays open until the reload is announced:
    /// at end of input the stream exits, and a reload racing with that exit has no one to serve.
    @Test(arguments: [0, 300])
    func aSignalWhileThePacksLoadIsHandled(afterMilliseconds delay: Int) throws {
        let hup = try StreamProcess()
        hup.waitUntilHeld()
        Thread.sleep(forTimeInterval: Double(delay) / 1000)
        kill(hup.pid, SIGHUP)
        hup.write(#"{"subject":"a","text":"你好"}"# + "\n")
        let reloaded = hup.waitForStderr("reloaded packs")
        hup.closeInput()
        #expect(hup.finish(), "SIGHUP at \(delay) ms: the stream did not end")
        #expect(hup.exitedCleanly, "SIGHUP at \(delay) ms: \(hup.process.terminationReason.rawValue)/\(hup.process.terminationStatus) \(hup.stderr)")
        #expect(reloaded, "the SIGHUP that came during the load reloads once the stream runs: \(hup.stderr)")

        let term = try StreamProcess()
        term.waitUntilHeld()
        Thread.sleep(forTimeInterval: Double(delay) / 1000)
        kill(term.pid, SIGTERM)
        #expect(term.finish(), "SIGTERM at \(delay) ms was lost: the stream still ran")
        #expect(term.exitedCleanly, "SIGTERM at \(delay) ms ends it with exit 0")
    }
}

/// A storm of SIGHUPs (a supervisor that retries, a script in a loop), while the packs load
/// at start and again in the middle of the input: the stream neither dies nor loses or invents
/// an alert, flow state survives every reload, and stdout stays whole lines.
@Suite struct StreamSignalStormTests {
    /// Forty subjects, each told a pretext and, after the storm, asked for the code: the flow
    /// alert needs the first step kept across the reloads.
    static let firstHalf = (0..<40).map { #"{"subject":"s\#($0)","channel":"call","text":"我是银行客服"}"# }
    static let secondHalf = (0..<40).map { #"{"subject":"s\#($0)","channel":"call","text":"请把验证码念给我"}"# }

    /// Runs `stream` on both halves; `storm` runs before each with the process id.
    func run(storm: (Int32) -> Void) throws -> (stream: StreamProcess, ids: [String]) {
        let stream = try StreamProcess(["--format", "ndjson"])
        stream.waitUntilHeld()
        storm(stream.pid)
        stream.write(StreamSignalStormTests.firstHalf.joined(separator: "\n") + "\n")
        storm(stream.pid)
        stream.write(StreamSignalStormTests.secondHalf.joined(separator: "\n") + "\n")
        stream.closeInput()
        #expect(stream.finish(), "the stream did not end")
        return (stream, try stream.alertIDs().sorted())
    }

    @Test func aStormOfHangupsLosesNoAlertAndKeepsFlowState() throws {
        let clean = try run { _ in }
        // One alert a subject: the code request's rule alert, with the flow alert on the same
        // record folded in (one scam, one alert).
        #expect(clean.stream.exitedCleanly && clean.ids.count >= 40, "one alert a subject: \(clean.stream.stderr)")
        #expect(clean.stream.stdout.components(separatedBy: "flow.pretext-then-request").count - 1 >= 40, "every subject's flow alert, on its own or folded")
        let stormy = try run { pid in
            for _ in 0..<50 {
                kill(pid, SIGHUP)
                Thread.sleep(forTimeInterval: 0.004)
            }
        }
        #expect(stormy.stream.exitedCleanly, "\(stormy.stream.process.terminationReason.rawValue)/\(stormy.stream.process.terminationStatus): \(stormy.stream.stderr)")
        #expect(stormy.stream.stderr.contains("reloaded packs"), "\(stormy.stream.stderr)")
        #expect(stormy.ids == clean.ids, "the same alerts as a run without signals")
    }
}
