import PCRE2
import Testing
@testable import ScamEngine
@testable import ScamLiterals

/// The literal extractor proves only what a pattern requires, and finds enough of it to filter.
@Suite struct LiteralExtractorTests {
    func req(_ pattern: String) -> String { LiteralExtractor.requirement(of: pattern).description }

    @Test(arguments: [
        ("免密支付", "{免密支付}"),
        ("(?:免密支付|自动扣费).{0,20}?(?:开通|关联)", "all({免密支付|自动扣费}, {关联|开通})"),
        ("\\bgift ?cards?\\b", "{gift card|giftcard}"),                   // optional parts multiply out
        ("won['’]t", "{won't|won’t}"),                                    // a small class is a set
        ("(?:a|b)c", "{ac|bc}"),
        ("abc|x.z", "either({abc}, all({x}, {z}))"),
        ("(?i)BaNk", "{bank}"),                                           // caseless: lowercase (text is)
        ("a(?i:B)c", "{abc}"),
        ("(?=foo)bar", "{bar}"),                                          // lookaround consumes nothing
        ("(?<!不)是诈骗", "{是诈骗}"),
        ("x\\Qa.b\\Ey", "{xa.by}"),
        ("\\x{514D}密", "{免密}"),
        ("ab{2}c", "{abbc}"),
        ("(?:ab)+c", "all({ab}, {c})"),
        ("\\d{3}-\\d{4}", "{-}"),
        ("(?#note)abc", "{abc}"),
        ("[^。]{0,5}验证码", "{验证码}"),
    ])
    func extracts(pattern: String, expected: String) {
        #expect(req(pattern) == expected, "\(pattern)")
    }

    @Test(arguments: [
        ".{0,10}",                  // nothing required
        "(?:abc)?",                 // optional
        "a|.",                      // one branch requires nothing
        "(?x) a b c",               // extended mode: not parsed, so nothing is proven
        "(*UCP)abc",                // verbs
        "(?(1)a|b)",                // conditionals
        "(?i)σ",                    // a caseless non-ASCII letter
        "x{1,",                     // a brace that is not a quantifier
        "\\d+",
    ])
    func provesNothingWhenUnsure(pattern: String) {
        #expect(LiteralExtractor.requirement(of: pattern) == .always, "\(pattern)")
    }

    @Test func weakFactorsAreDroppedOnlyBesideStrongOnes() {
        // "ab" alone is kept; next to "payment" it is dropped (it would match almost anywhere).
        #expect(req("ab") == "{ab}")
        #expect(req("ab.{0,5}payment") == "{payment}")
    }

    @Test func literalsAreCutAndMinimized() {
        // A prefix of a required literal is required; "card" covers "cards".
        #expect(req("(?:card|cards)") == "{card}")
        let long = LiteralExtractor.requirement(of: "abcdefghijklmnopqrstuvwxyz")
        #expect(long == .anyOf([Array("abcdefghijkl".utf8)]))
    }

    @Test func statedLiteralsAreNormalized() {
        #expect(LiteralExtractor.stated(["驗證碼", "OTP"]) == .anyOf([Array("otp".utf8), Array("验证码".utf8)]))
    }

    /// Soundness on random patterns and texts: whenever PCRE2 finds a match, the requirement
    /// holds in the text.
    @Test func requirementsHoldWheneverThePatternMatches() throws {
        var rng = SplitMix(seed: 7)
        let atoms = ["a", "b", "ab", "免", "密", "支付", ".", "\\d", "[ab]", "[^a]", "\\b", " ", "(?:a|b)", "(?:免|密码)", "x?", "a*",
                     "(?=a)", "(?!b)", "b{2}", "(?i)A", "c+"]
        let alphabet = ["a", "b", "c", "x", " ", "免", "密", "码", "支", "付", "1", "A"]
        let matcher = Matcher()
        for _ in 0..<400 {
            var pattern = ""
            for _ in 0..<rng.next(1...5) {
                pattern += atoms[rng.next(0...(atoms.count - 1))]
                if rng.next(0...5) == 0 { pattern += "|" }
            }
            if pattern.hasSuffix("|") { pattern += "a" }
            guard let regex = try? Regex(pattern) else { continue }
            let requirement = LiteralExtractor.requirement(of: pattern)
            for _ in 0..<30 {
                let text = (0..<rng.next(0...12)).map { _ in alphabet[rng.next(0...(alphabet.count - 1))] }.joined().lowercased()
                guard try matcher.firstMatch(regex, in: Subject(text)) != nil else { continue }
                #expect(Self.holds(requirement, in: Array(text.utf8)), "«\(pattern)» matches «\(text)» but \(requirement) does not hold")
            }
        }
    }

    static func holds(_ r: LiteralRequirement, in text: [UInt8]) -> Bool {
        switch r {
        case .always: return true
        case .anyOf(let l): return l.contains { LiteralExtractor.contains(text, $0) }
        case .all(let p): return p.allSatisfy { holds($0, in: text) }
        case .either(let p): return p.contains { holds($0, in: text) }
        }
    }
}

/// A small deterministic generator for property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// The automaton reports exactly the occurrences a naive search finds.
@Suite struct AhoCorasickTests {
    @Test func findsWhatANaiveSearchFinds() {
        var rng = SplitMix(seed: 11)
        let pieces: [[UInt8]] = [Array("a".utf8), Array("b".utf8), Array("ab".utf8), Array("免".utf8), Array("密码".utf8), [0xFF], [0x00]]
        for _ in 0..<200 {
            let patterns = (0..<rng.next(1...12)).map { _ in
                (0..<rng.next(1...4)).flatMap { _ in pieces[rng.next(0...(pieces.count - 1))] }
            }
            let automaton = AhoCorasick(patterns)
            let text = (0..<rng.next(0...40)).flatMap { _ in pieces[rng.next(0...(pieces.count - 1))] }
            let expected = Set(patterns.indices.filter { LiteralExtractor.contains(text, patterns[$0]) })
            #expect(Set(automaton.matches(in: text)) == expected, "\(patterns) in \(text)")
        }
    }

    @Test func sparseStatesBehaveLikeFullRows() {
        // Enough long patterns that most states are sparse.
        var rng = SplitMix(seed: 3)
        let patterns = (0..<3000).map { _ in (0..<12).map { _ in UInt8(rng.next(97...122)) } }
        let automaton = AhoCorasick(patterns)
        #expect(automaton.denseCount < automaton.stateCount)
        for _ in 0..<50 {
            var text = (0..<400).map { _ in UInt8(rng.next(97...122)) }
            let planted = rng.next(0...(patterns.count - 1))
            text.insert(contentsOf: patterns[planted], at: rng.next(0...text.count))
            let expected = Set(patterns.indices.filter { LiteralExtractor.contains(text, patterns[$0]) })
            #expect(expected.contains(planted))
            #expect(Set(automaton.matches(in: text)) == expected)
        }
    }
}
