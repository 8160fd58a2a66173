import Foundation
import Testing

/// `scamflow scan` end to end on fixed inputs with a fixed pack (Golden/scan/pack), so these
/// files change only when the scanner or the output format does, not when built-in rules do.
@Suite struct ScanGoldenTests {
    static let base = ["scan", "--no-builtin", "--packs", "pack"]

    func run(_ extra: [String], stdin: Data? = nil) throws -> CLIRunner.Result {
        try CLIRunner.run(Self.base + extra, in: CLIRunner.golden.appendingPathComponent("scan"), stdin: stdin)
    }

    @Test func ndjsonOutput() throws {
        let r = try run(["--quiet", "messages.jsonl", "call.txt", "lines.txt"])
        #expect(r.status == 1, "alerts were raised, so the exit code is 1")
        try CLIRunner.assertGolden(r.stdout, "scan/all.ndjson")
        // Every line is a JSON object with the documented fields.
        for line in r.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            for key in ["alert_id", "kind", "id", "title", "severity", "score", "pack", "source", "evidence"] {
                #expect(object?[key] != nil, "alert has no \(key)")
            }
        }
    }

    @Test func textOutput() throws {
        let r = try run(["--quiet", "--format", "text", "messages.jsonl", "call.txt"])
        try CLIRunner.assertGolden(r.stdout, "scan/all.txt")
    }

    /// Local time as the input gave it (`local_time`, and the text format's time), for
    /// offsets +08:00, -05:30 and Z; none for a time without a zone or an epoch number. The
    /// meeting-app rule's title names the app the message named (a slot).
    @Test func localTimeAndSlots() throws {
        let ndjson = try run(["--quiet", "--min-score", "30", "local-time.jsonl"])
        try CLIRunner.assertGolden(ndjson.stdout, "scan/local-time.ndjson")
        let local = try ndjson.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.map { $0["local_time"] as? String }
        #expect(local == ["2025-03-06T18:15:00+08:00", "2025-03-06T04:45:00-05:30", "2025-03-06T10:15:00Z", nil, nil])
        let text = try run(["--quiet", "--min-score", "30", "--format", "text", "local-time.jsonl"])
        try CLIRunner.assertGolden(text.stdout, "scan/local-time.txt")
    }

    @Test func badInputIsReportedCountedAndTheRestScanned() throws {
        let r = try run(["messages.jsonl", "lines.txt"])
        // The timing line varies; everything else on stderr is fixed.
        let stderr = r.stderr.split(separator: "\n").filter { !$0.contains(" MB in ") }.joined(separator: "\n")
        try CLIRunner.assertGolden(stderr + "\n", "scan/issues.stderr")
        #expect(r.stdout.split(separator: "\n").count == 3, "alerts after the bad lines are still raised")
        #expect(r.status == 1)
    }

    @Test func strictTurnsInputProblemsIntoExit2() throws {
        let r = try run(["--quiet", "--strict", "messages.jsonl"])
        #expect(r.status == 2)
        #expect(!r.stdout.isEmpty, "alerts are still written under --strict")
        #expect(r.stderr.contains("--strict: ") && r.stderr.contains("exit 2"), "the exit says why")
    }

    @Test func nothingFoundExitsZero() throws {
        let r = try run(["--quiet", "-"], stdin: Data("明天下午三点开会\nsee you tomorrow\n".utf8))
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }

    @Test func stdinAndOversizedLines() throws {
        let long = String(repeating: "啊", count: 400)
        let input = "验证码发给我\n\(long)\n把验证码告诉我\n"
        let r = try run(["--max-line-bytes", "1000", "-"], stdin: Data(input.utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("<stdin>:2: line too long: 1200 bytes, over the limit of 1000"))
        #expect(r.stdout.split(separator: "\n").count == 2, "lines on both sides of the long one are scanned")
    }

    @Test func unreadableFileIsReportedAndOthersScanned() throws {
        let r = try run(["--quiet", "no-such-file.txt", "lines.txt"])
        #expect(r.stderr.contains("no-such-file.txt: unreadable file"))
        #expect(r.status == 1)
    }

    @Test func redactMasksDigits() throws {
        let r = try run(["--quiet", "--redact", "-"], stdin: Data("{\"text\":\"验证码 6 2 8 4 1 9 发给我\"}\n{\"text\":\"Please read me the code 482913 now\"}\n".utf8))
        #expect(!r.stdout.contains("482913"))
    }

    @Test func minScoreOverridesThreshold() throws {
        let input = Data("请下载腾讯会议\n".utf8)
        #expect(try run(["--quiet", "-"], stdin: input).status == 0)
        #expect(try run(["--quiet", "--min-score", "30", "-"], stdin: input).status == 1)
    }

    @Test func badPackIsAnError() throws {
        let r = try CLIRunner.run(["scan", "--no-builtin", "--packs", "SF106-bad-regex", "-"],
                                  in: CLIRunner.golden.appendingPathComponent("lint"), stdin: Data("x\n".utf8))
        #expect(r.status == 2)
        #expect(r.stderr.contains("error[SF106]"))
    }
}
