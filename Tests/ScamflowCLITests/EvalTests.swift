import Foundation
import Testing

/// `scamflow eval` end to end on a small labelled fixture (Golden/eval) with a fixed pack
/// (Golden/eval/pack, rules and one flow), so these files change only when eval does.
///
/// What the fixture holds: in `labelled.jsonl`, fix/1 (safe account, one rule over the
/// threshold), fix/2 (a dialogue whose two hits score 50, caught only by the flow running inside
/// the record), fix/3 (a scam no rule sees), fix/4 and fix/5 (English), fix/6 (an anti-fraud
/// warning the `unless` silences), fix/9 (a benign message the prize rule trips), fix/11 (spam
/// the prize rule trips). In `sequence.jsonl`, subject u1's two messages are each below the
/// threshold and are caught together by the flow; u2's lone meeting-app message is not.
@Suite struct EvalTests {
    static let directory = CLIRunner.golden.appendingPathComponent("eval")

    func run(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["eval", "--no-builtin", "--packs", "pack"] + arguments, in: Self.directory)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func textReportPerFileAndCategory() throws {
        let r = try run(["--quiet", "labelled.jsonl", "sequence.jsonl",
                         "--fail-under", "recall=0.6,false-alarm=30%", "--fail-under", "file=labelled,category=otp,recall=1"])
        #expect(r.status == 0, "every threshold is met: \(r.stderr)")
        #expect(r.stderr.isEmpty)
        try CLIRunner.assertGolden(r.stdout, "eval/report.txt")
    }

    @Test func jsonReport() throws {
        let r = try run(["--quiet", "--format", "json", "labelled.jsonl", "sequence.jsonl", "--fail-under", "recall=0.6,spam=0.4"])
        #expect(r.status == 1, "spam 1/2 is over 0.4")
        try CLIRunner.assertGolden(r.stdout, "eval/report.json")
        let report = try json(r.stdout)
        let files = try #require(report["files"] as? [[String: Any]])
        #expect(files.count == 2)
        #expect(files[0]["recall"] as? Double == 0.8)
        #expect(files[0]["precision"] as? Double == 0.8)
        #expect(files[0]["false_alarm_rate"] as? Double == 0.2)
        #expect(files[0]["spam_rate"] as? Double == 0.5)
        #expect(files[1]["spam_rate"] is NSNull, "no spam in the file: undefined, not 0")
        let counts = try #require(files[0]["counts"] as? [String: Int])
        #expect(counts == ["scam": 5, "scam_flagged": 4, "benign": 5, "benign_flagged": 1, "spam": 2, "spam_flagged": 1])
        let categories = try #require(files[0]["categories"] as? [[String: Any]])
        #expect(categories.map { $0["category"] as? String } == ["authority", "otp", "prize"])
        #expect(report["passed"] as? Bool == false)
        let checks = try #require(report["thresholds"] as? [[String: Any]])
        #expect(checks.filter { $0["passed"] as? Bool == false }.map { $0["file"] as? String } == ["labelled.jsonl"])
    }

    @Test func flowsFlagRecordsNoRuleAlertNames() throws {
        let r = try run(["--quiet", "--format", "json", "sequence.jsonl"])
        let file = try #require((try json(r.stdout)["files"] as? [[String: Any]])?.first)
        let counts = try #require(file["counts"] as? [String: Int])
        #expect(counts["scam_flagged"] == 2, "u1's pretext and app request each score under 60; the flow names both")
        #expect(counts["benign_flagged"] == 0, "u2's meeting app without a pretext raises nothing")
    }

    @Test func failUnderNotMetExitsOne() throws {
        let r = try run(["--quiet", "labelled.jsonl", "--fail-under", "false-alarm=0.1", "--fail-under", "category=authority,recall=0.9"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL  labelled.jsonl              false-alarm 20.00% (max 10.00%)"))
        #expect(r.stdout.contains("FAIL  labelled.jsonl [authority]  recall 0.667 (min 0.900)"))
        #expect(r.stdout.hasSuffix("2 of 2 thresholds not met\n"))
    }

    @Test func missesAreWrittenForReview() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try run(["--quiet", "labelled.jsonl", "sequence.jsonl", "--misses", out.path])
        #expect(r.status == 0)
        var all = ""
        for name in ["labelled.missed", "labelled.false-alarms", "labelled.spam-flagged", "sequence.missed", "sequence.false-alarms", "sequence.spam-flagged"] {
            let text = try String(contentsOf: out.appendingPathComponent("\(name).jsonl"), encoding: .utf8)
            all += "== \(name).jsonl\n" + text
            for line in text.split(separator: "\n") {
                let object = try json(String(line))
                #expect(object["text"] != nil && object["truth"] != nil, "the original record is kept")
                #expect((object["eval"] as? [String: Any])?["outcome"] != nil)
            }
        }
        try CLIRunner.assertGolden(all, "eval/misses.txt")
    }

    @Test func unusableLinesAreReportedAndSkipped() throws {
        let r = try run(["bad.jsonl"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("bad.jsonl:2: bad field value: `truth` is maybe"))
        #expect(r.stderr.contains("bad.jsonl:3: malformed JSON"))
        #expect(r.stderr.contains("bad.jsonl:4: bad field value: `truth` is missing"))
        #expect(r.stdout.hasPrefix("bad.jsonl: 2 records (1 scam, 1 benign, 0 spam)"))
        let strict = try run(["--quiet", "--strict", "bad.jsonl"])
        #expect(strict.status == 2)
    }

    @Test(arguments: [
        (["labelled.jsonl", "--fail-under", "recall=1.5"], "is not a fraction"),
        (["labelled.jsonl", "--fail-under", "recal=0.9"], "unknown metric 'recal'"),
        (["labelled.jsonl", "--fail-under", "file=labelled"], "names no metric"),
        (["labelled.jsonl", "--fail-under", "file=nosuch,recall=0.9"], "no input has file 'nosuch'"),
        (["labelled.jsonl", "--fail-under", "category=nosuch,recall=0.9"], "no input has category 'nosuch'"),
        (["nosuch.jsonl"], "nosuch.jsonl: unreadable file"),
        (["pack/pack.yaml"], "no labelled record"),
        (["--format", "xml", "labelled.jsonl"], "unknown --format 'xml'"),
        ([], "give labelled JSON lines files"),
    ])
    func errorsExitTwo(arguments: [String], message: String) throws {
        let r = try run(["--quiet"] + arguments)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
