import Foundation
import PCRE2
import Testing
@testable import ScamEngine
@testable import ScamLiterals

/// Cues run anchored where their start literals occur, and find exactly what a search finds.
@Suite struct CueFinderTests {
    func starts(_ pattern: String) -> [String]? {
        LiteralExtractor.startLiterals(of: pattern)?.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: [
        ("(?:不会|不要|没有)", ["不会", "不要", "没有"]),
        ("\\bnever\\b|\\bdon'?t\\b", ["dont", "don't", "never"]),          // optional pieces multiply out
        ("(?:有(?:个)?人|对方).{0,8}?说", ["对方", "有人", "有个人"]),          // the first piece decides
        ("[\"“‘]|(?:说|称)[:：]", ["\"", "“", "‘", "称:", "称：", "说:", "说："]),
        ("(?<=x)abc", ["abc"]),                                              // a lookbehind consumes nothing
        ("(?i)Bank.*", ["bank"]),
        ("(?:ab)+c", ["ab"]),
        ("(?:abc)?d", ["abcd", "d"]),
    ])
    func startLiterals(pattern: String, expected: [String]) {
        #expect(starts(pattern).map { Set($0) } == Set(expected), "\(pattern)")
    }

    @Test(arguments: [
        ".{0,3}说",           // a match may start anywhere
        "(?:abc)?.d",         // the first piece is optional
        "a|\\d",              // one branch starts with a class escape
        "\\b",                // matches the empty string
        "(?i)σx",             // a caseless non-ASCII letter
        "(?x) a b",           // not parsed
    ])
    func noStartLiterals(pattern: String) {
        #expect(starts(pattern) == nil, "\(pattern)")
    }

    /// Every match a plain search finds, in order.
    static func searched(_ cue: ScoringModel.Cue, _ subject: Subject, _ matcher: Matcher) -> [Range<Int>] {
        var out: [Range<Int>] = []
        try? matcher.forEachMatch(cue.regex, in: subject) { out.append($0); return true }
        return out
    }

    @Test func findsWhatASearchFindsOnTheCorpusAndEvalSets() throws {
        let ruleSet = try #require(BuiltinPackTests.ruleSet)
        let cues = try #require(ruleSet.model?.model.cues)
        // The built-in cues all have start literals (else they search every character).
        #expect(cues.filter { $0.anchored == nil }.map(\.name) == [])
        let samples = try PrefilterEquivalenceTests.corpus() + PrefilterEquivalenceTests.evalSets()
            + ["官方不会以任何理由让您开启屏幕共享", "I got a call, then he said don't tell", "骗子常说：“请开启屏幕共享”"].map {
                PrefilterEquivalenceTests.Sample(text: $0, channel: nil, lang: nil, origin: "inline")
            }
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let found = Mutex<[String]>([])
        let matched = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            let finder = CueFinder(cues: cues)
            let normalizer = Normalizer()
            let matcher = Matcher()
            var local: [String] = [], hits = 0
            for k in stride(from: part, to: samples.count, by: threads) {
                let subject = normalizer.normalize(samples[k].text).subject
                subject.bytes.withUnsafeBufferPointer { finder.locate(in: $0, wanted: UInt32.max) }
                for (i, cue) in cues.enumerated() {
                    var anchored: [Range<Int>] = []
                    try? finder.forEachMatch(i, cue, in: subject, matcher: matcher) { anchored.append($0); return true }
                    let expected = Self.searched(cue, subject, matcher)
                    hits += expected.count
                    if anchored != expected { local.append("\(samples[k].origin) \(cue.name): \(anchored) vs \(expected)") }
                }
            }
            found.withLock { $0 += local }
            matched.withLock { $0 += hits }
        }
        let problems = found.withLock { $0 }
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
        #expect(matched.withLock { $0 } > 100)
    }
}
