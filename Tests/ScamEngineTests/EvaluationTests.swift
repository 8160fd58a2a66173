import ScamPacks
import Testing
@testable import ScamEngine

/// Evaluation: counting outcomes, undefined metrics, `--fail-under` specs and their checks.
@Suite struct EvaluationTests {
    static let pack = """
    name: t
    version: 1.0.0
    threshold: 60
    languages: [zh]
    """
    static let rules = """
    - {id: a, title: A, signal: s.a, match: '甲', score: 60, examples: {match: ['甲'], no_match: ['乙']}}
    """

    func evaluator() throws -> Evaluator {
        let result = PackLoader.load(files: [PackFile(path: "pack.yaml", contents: Self.pack),
                                             PackFile(path: "rules/r.yaml", contents: Self.rules)], root: "t", origin: .builtin)
        let pack = try #require(result.pack, "\(result.diagnostics)")
        return Evaluator(ruleSet: try #require(RuleSet.compile([pack]).0))
    }

    func labelled(_ items: [(String, Truth, String?)]) -> [LabelledRecord] {
        items.enumerated().map { i, item in
            LabelledRecord(record: Record(text: item.0, source: SourcePosition(file: "f", line: i + 1), lang: "zh"),
                           label: EvalLabel(truth: item.1, category: item.2))
        }
    }

    @Test func countsPerFileAndCategory() throws {
        let result = try evaluator().evaluate(file: "f", records: labelled([
            ("甲", .scam, "x"), ("乙", .scam, "x"), ("甲", .scam, "y"), ("乙", .benign, nil), ("甲", .benign, nil), ("甲", .spam, nil),
        ]))
        #expect(result.total.scams == 3 && result.total.caught == 2)
        #expect(result.total.recall == 2.0 / 3.0)
        #expect(result.total.precision == 2.0 / 3.0)
        #expect(result.total.falseAlarmRate == 0.5)
        #expect(result.total.spamRate == 1)
        #expect(result.categoryNames == ["x", "y"])
        #expect(result.categories["x"]?.recall == 0.5)
        #expect(result.outcomes.map(\.isMiss) == [false, true, false, false, false, false])
        #expect(result.outcomes[4].isFalseAlarm && result.outcomes[4].alerts == ["a"])
    }

    @Test func metricsWithoutDenominatorAreUndefined() {
        var tally = EvalTally()
        tally.add(.benign, flagged: false)
        #expect(tally.recall == nil && tally.precision == nil && tally.spamRate == nil)
        #expect(tally.falseAlarmRate == 0)
    }

    @Test func parsesSpecs() throws {
        let plain = try EvalThreshold.parse("recall=0.9, false-alarm=0.5%,spam=0.05")
        #expect(plain == [EvalThreshold(metric: .recall, limit: 0.9), EvalThreshold(metric: .falseAlarm, limit: 0.005),
                          EvalThreshold(metric: .spam, limit: 0.05)])
        let scoped = try EvalThreshold.parse("file=a.jsonl,category=impersonation.authority,precision=1")
        #expect(scoped == [EvalThreshold(file: "a.jsonl", category: "impersonation.authority", metric: .precision, limit: 1)])
        for bad in ["recall", "recall=", "recall=x", "recall=1.01", "recall=-0.1", "rec=0.9", "file=a", ""] {
            #expect(throws: EvalThreshold.ParseError.self, "\(bad)") { try EvalThreshold.parse(bad) }
        }
    }

    @Test func fileScopeMatchesPathBaseOrStem() {
        let t = EvalThreshold(file: "telecom-fraud-texts-5", metric: .recall, limit: 0.9)
        #expect(t.applies(toFile: "../shared/eval/telecom-fraud-texts-5.jsonl"))
        #expect(!t.applies(toFile: "../shared/eval/telecom-fraud-texts-50.jsonl"))
        #expect(EvalThreshold(file: "x/a.jsonl", metric: .recall, limit: 1).applies(toFile: "x/a.jsonl"))
    }

    @Test func checksFloorsCeilingsAndScopes() throws {
        var a = FileEvaluation(file: "dir/a.jsonl")
        a.total.add(.scam, flagged: true); a.total.add(.scam, flagged: false)
        a.total.add(.benign, flagged: false)
        a.categories["loan"] = a.total
        let b = FileEvaluation(file: "b.jsonl")
        let checks = try EvalThreshold.check(
            [EvalThreshold(metric: .recall, limit: 0.5), EvalThreshold(metric: .falseAlarm, limit: 0),
             EvalThreshold(file: "a", category: "loan", metric: .recall, limit: 0.6)], on: [a, b])
        #expect(checks.map(\.passed) == [true, true, true, true, false])
        #expect(checks[1].value == nil, "b has no scams: nothing to measure, not a failure")
        #expect(throws: EvalThreshold.ParseError.self) {
            try EvalThreshold.check([EvalThreshold(category: "nosuch", metric: .recall, limit: 0.5)], on: [a, b])
        }
    }
}
