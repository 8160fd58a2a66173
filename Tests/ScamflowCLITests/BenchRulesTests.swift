import Foundation
import Testing

/// `scamflow bench rules`: the per-rule cost table a rule author reads (Patterns/README.md,
/// "Fast by default").
@Suite struct BenchRulesTests {
    @Test func listsTheRulesThatRanWithTheirMatches() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-bench-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = [#"{"text":"爸，我手机押在网吧了，你先转我800，明天还你"}"#, #"{"text":"明天下午三点开会"}"#, "not json, a plain line"]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let r = try CLIRunner.run(["bench", "rules", "--no-builtin", "--packs", "Patterns/zh-telecom-fraud", "--top", "400", file.path],
                                  in: CLIRunner.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("3 texts, "), "\(r.stdout)")
        // The rule the first text was written for ran once on it and matched.
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasSuffix(" zh.tel.kin-address-money") }, "\(r.stdout)")
        let fields = row.split(separator: " ")
        #expect(fields.count == 6 && Int(fields[2]) ?? 0 >= 1 && fields[3] == "1", "\(row)")
    }
}
