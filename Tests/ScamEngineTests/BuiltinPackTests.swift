import Foundation
@testable import ScamBuiltins
import ScamPacks
import Testing
@testable import ScamEngine

/// The packs that ship in the binary load cleanly and every rule passes its own examples.
@Suite struct BuiltinPackTests {
    static let loaded = BuiltinPacks.load()
    static let ruleSet: RuleSet? = RuleSet.compile(loaded.compactMap(\.pack)).0

    @Test func theThreeShippedPacksArePresent() {
        let names = Set(Self.loaded.compactMap { $0.pack?.manifest.name })
        #expect(names.isSuperset(of: ["zh-payment-scams", "zh-telecom-fraud", "en-scams", "scam-model"]))
        #expect(Self.ruleSet?.model != nil, "the built-in model loads")
    }

    /// The specs the build plugin embedded (decoded instead of parsing YAML at start-up) are
    /// exactly what loading the same files gives, literal table included; and every built-in
    /// pack has one (a pack that does not decode falls back to its files, silently slower).
    @Test(arguments: BuiltinPacks.all.indices)
    func theEmbeddedSpecIsTheSpecOfTheFiles(_ i: Int) throws {
        let fromFiles = try #require(BuiltinPacks.loadFiles(i).pack)
        let json = try #require(BuiltinPacks.embedded[i].spec, "\(BuiltinPacks.embedded[i].name) has no embedded spec")
        let decoded = try JSONDecoder().decode(PackSpec.self, from: Data(json.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try encoder.encode(decoded) == encoder.encode(fromFiles), "\(BuiltinPacks.embedded[i].name)")
        #expect(decoded.literals.count > 0 && decoded.literals == fromFiles.literals)
        // What a start-up decodes it with: the same spec as JSONDecoder's.
        let fast = try SpecDecoder.decode(PackSpec.self, from: json)
        #expect(try encoder.encode(fast) == encoder.encode(decoded), "\(BuiltinPacks.embedded[i].name)")
    }

    /// `SpecDecoder` reads escapes, numbers and nesting as `JSONDecoder` does, and refuses what
    /// is not JSON (the caller then loads the pack from its files).
    @Test func theSpecDecoderReadsWhatJSONEncoderWrites() throws {
        struct Sample: Codable, Equatable {
            var text: String
            var number: Int
            var big: Int64
            var ratio: Double
            var flag: Bool
            var missing: String?
            var present: Int?
            var list: [[String]]
            var map: [String: [String: Int]]
            var nested: [Sample]
        }
        let inner = Sample(text: "", number: -3, big: 1 << 40, ratio: 1e-5, flag: false, missing: nil, present: 0, list: [], map: [:], nested: [])
        let sample = Sample(text: "a\"b\\c/d\n\t\u{01}é诈骗😀 {{x}}", number: 42, big: -(1 << 50), ratio: 0.62, flag: true,
                            missing: nil, present: 7, list: [["x", "y"], []], map: ["zh": ["a": 1], "en": [:]], nested: [inner])
        let json = String(decoding: try JSONEncoder().encode(sample), as: UTF8.self)
        #expect(try SpecDecoder.decode(Sample.self, from: json) == sample)
        for bad in ["", "{", "{\"text\": }", "[1,]", "{\"a\": \"\\q\"}", "{\"a\": 1} x", "{\"a\": \"\\ud800\"}"] {
            #expect(throws: (any Error).self, "\(bad)") { try SpecDecoder.decode(Sample.self, from: bad) }
        }
    }

    @Test func packsLoadWithoutErrorsOrWarnings() {
        for result in Self.loaded {
            #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description).joined(separator: "\n"))")
        }
        let (ruleSet, diagnostics) = RuleSet.compile(Self.loaded.compactMap(\.pack))
        #expect(ruleSet != nil)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
    }

    @Test(arguments: BuiltinPacks.all.map(\.name))
    func everyExampleOfPack(_ name: String) throws {
        let ruleSet = try #require(Self.ruleSet)
        let checker = PackChecker(ruleSet: ruleSet)
        let results = checker.runExamples(packs: [name])
        let models = checker.runModelExamples(packs: [name])
        #expect(!results.isEmpty || !models.isEmpty)
        for failure in results where !failure.passed {
            Issue.record("\(failure.location): \(failure.rule) \(failure.expectMatch ? "does not match" : "matches") «\(failure.text)»")
        }
        for failure in models where !failure.passed {
            Issue.record("\(failure.location): the model example \(failure.expectAlert ? "raises nothing" : "raises \(failure.raised)") «\(failure.text)»")
        }
    }

    @Test func everyRuleHasBothKindsOfExample() throws {
        let ruleSet = try #require(Self.ruleSet)
        for rule in ruleSet.rules {
            #expect(!rule.spec.examples.match.isEmpty && !rule.spec.examples.noMatch.isEmpty, "\(rule.id)")
        }
    }

    /// The build plugin embeds `lexicons/` with the rules, and no reference survives loading.
    @Test func lexiconsAreEmbeddedAndExpanded() throws {
        let files = BuiltinPacks.all.flatMap { pack in pack.files.map { "\(pack.name)/\($0.path)" } }
        #expect(files.contains("zh-telecom-fraud/lexicons/guards.yaml"))
        let ruleSet = try #require(Self.ruleSet)
        #expect(!ruleSet.lexicons.isEmpty)
        #expect(ruleSet.rules.contains { $0.spec.asWritten != nil })
        for rule in ruleSet.rules {
            #expect(!rule.match.pattern.contains("{{") && !(rule.unless?.pattern.contains("{{") ?? false), "\(rule.id)")
        }
    }

    @Test func noPatternBacktracksCatastrophically() throws {
        let ruleSet = try #require(Self.ruleSet)
        let diagnostics = PackChecker(ruleSet: ruleSet).backtrackingDiagnostics()
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
    }
}
