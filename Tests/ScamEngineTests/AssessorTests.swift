import ScamPacks
import Testing
@testable import ScamEngine

/// Scoring: distinct signals add up, rules of one signal do not, `unless` drops, thresholds and
/// severity bands, channel and language filters, conversations scored as one unit.
@Suite struct AssessorTests {
    static let pack = """
    name: t
    version: 1.0.0
    threshold: 60
    languages: [zh]
    """
    static let rules = """
    - {id: a1, title: A1, signal: s.a, match: '甲', score: 30, examples: {match: ['甲'], no_match: ['乙']}}
    - {id: a2, title: A2, signal: s.a, match: '甲甲', score: 40, examples: {match: ['甲甲'], no_match: ['乙']}}
    - {id: b, title: B, signal: s.b, match: '乙', unless: '谨防', score: 30, examples: {match: ['乙'], no_match: ['谨防乙']}}
    - {id: c, title: C, signal: s.c, match: '丙', score: 100, channels: [call], examples: {match: ['丙'], no_match: ['乙']}}
    - {id: e, title: E, signal: s.e, match: 'code', lang: en, score: 60, examples: {match: ['code'], no_match: ['x']}}
    """

    func ruleSet() throws -> RuleSet {
        let result = PackLoader.load(files: [PackFile(path: "pack.yaml", contents: Self.pack),
                                             PackFile(path: "rules/r.yaml", contents: Self.rules)], root: "t", origin: .builtin)
        let pack = try #require(result.pack, "\(result.diagnostics)")
        return try #require(RuleSet.compile([pack]).0)
    }

    func alerts(_ texts: [String], channel: String? = nil, conversation: String? = nil) throws -> [Alert] {
        let scan = MessageScan(ruleSet: try ruleSet())
        var out: [Alert] = []
        for (i, text) in texts.enumerated() {
            out += scan.add(Record(text: text, source: SourcePosition(file: "f", line: i + 1), channel: channel, conversation: conversation))
        }
        return out + scan.finish()
    }

    @Test func sameSignalDoesNotAddUp() throws {
        #expect(try alerts(["甲甲"]).isEmpty, "a1 (30) and a2 (40) share a signal: score 40")
    }

    @Test func distinctSignalsAddUp() throws {
        let a = try alerts(["甲甲乙"])
        #expect(a.count == 1)
        #expect(a.first?.score == 70)
        #expect(a.first?.id == "a2", "the alert is named after the top-scoring rule")
        #expect(a.first?.severity == .medium)
        #expect(a.first?.evidence.flatMap(\.rules) == ["a1", "a2", "b"], "every rule that matched is named")
        #expect(a.first?.evidence.count == 2, "a1 and a2 matched the same 甲甲 (one signal): one piece with both rules")
    }

    @Test func unlessDropsTheHit() throws {
        #expect(try alerts(["甲甲乙，谨防"]).isEmpty)
    }

    @Test func channelFilter() throws {
        #expect(try alerts(["丙"], channel: "sms").isEmpty)
        #expect(try alerts(["丙"], channel: "call").first?.severity == .high)
        #expect(try alerts(["丙"]).count == 1, "a record without a channel meets every rule")
    }

    @Test func languageFilter() throws {
        #expect(try alerts(["read me the code"]).count == 1)
        #expect(try alerts(["验证码 code"]).isEmpty, "an en rule does not run on Chinese text")
    }

    @Test func conversationIsOneUnit() throws {
        #expect(try alerts(["甲甲", "乙"]).isEmpty, "two separate messages: 40 and 30")
        let a = try alerts(["甲甲", "乙"], conversation: "call-1")
        #expect(a.count == 1)
        #expect(a.first?.evidence.map(\.source.line) == [1, 2])
        #expect(a.first?.evidence.map(\.rules) == [["a1", "a2"], ["b"]])
    }

    @Test func alertIDsAreStable() throws {
        let first = try alerts(["甲甲乙"]).map(\.alertID)
        let second = try alerts(["甲甲乙"]).map(\.alertID)
        #expect(first == second)
        #expect(first != (try alerts(["乙甲甲"]).map(\.alertID)))
    }
}
