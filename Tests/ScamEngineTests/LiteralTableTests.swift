import Foundation
import ScamBuiltins
import ScamPacks
import Testing
@testable import ScamEngine
@testable import ScamLiterals

/// The literal tables packs carry change how fast they load, never what they find: what a
/// table reads back is what extraction gives, anything damaged is refused with its line, the
/// built-in packs carry complete tables made at build time, and a rule set built from them has
/// the prefilter of one that extracted every pattern.
@Suite struct LiteralTableTests {
    static func builtinSpecs() -> [PackSpec] { BuiltinPacks.load().compactMap(\.pack) }

    static let sample = LiteralTable(extracting: ["免密支付", "(?i)a|b", "x(?:ab|cd)y", "(?:验证码|短信码).{0,8}?(?:告诉|发给)我"])

    @Test func roundTripsThroughItsText() throws {
        #expect(Self.sample.count == 4)
        let text = Self.sample.text
        let read = try LiteralTable(text: text)
        #expect(read == Self.sample)
        #expect(read.text == text, "the text form is deterministic")
        #expect(read.requirement(of: "免密支付") == .anyOf([Array("免密支付".utf8)]))
        #expect(read.requirement(of: "(?i)a|b") == LiteralExtractor.requirement(of: "(?i)a|b"))
        #expect(read.requirement(of: "x(?:ab|cd)y") == LiteralExtractor.requirement(of: "x(?:ab|cd)y"))
        #expect(read.requirement(of: "免密支付 ") == nil, "another pattern has no entry")
    }

    @Test func damagedTablesAreRefusedWithTheirLine() {
        let text = Self.sample.text
        let bytes = Array(text.utf8)
        // Every truncation but the one that only drops the final newline.
        for cut in 0..<(bytes.count - 1) {
            #expect(throws: LiteralTableError.self, "cut at \(cut)") { try LiteralTable(text: String(decoding: bytes[..<cut], as: UTF8.self)) }
        }
        let lines = text.split(separator: "\n").map(String.init)
        func refused(_ lines: [String]) -> LiteralTableError? {
            do throws(LiteralTableError) { _ = try LiteralTable(text: lines.joined(separator: "\n") + "\n"); return nil } catch { return error }
        }
        #expect(refused(lines.dropLast() + [lines.last!.replacingOccurrences(of: "]", with: ",]")])?.line == 5, "an empty literal")
        #expect(refused(lines.dropLast() + [lines.last!.replacingOccurrences(of: "\t", with: "\t&(")])?.line == 5)
        #expect(refused([lines[0]] + [lines[1], lines[1]] + lines[3...])?.message.contains("twice") == true)
        #expect(refused(lines.dropLast())?.line == 5, "fewer entries than the header says")
        // Another extractor version: sound, not used, said so.
        var header = lines[0].split(separator: "\t").map(String.init)
        header[2] = String(LiteralExtractor.version + 1)
        #expect(refused([header.joined(separator: "\t")] + lines.dropFirst())?.otherVersion == true)
        // Random damage: never a crash, and what reads keeps the requirement invariants.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            guard let table = try? LiteralTable(text: String(decoding: damaged, as: UTF8.self)) else { continue }
            for requirement in table.entries.values { #expect(requirement.isWellFormed) }
        }
    }

    @Test func theBuiltInPacksCarryATableOfEveryPatternMadeAtBuildTime() throws {
        for spec in Self.builtinSpecs() {
            let patterns = spec.prefilterPatterns
            #expect(!patterns.isEmpty, "\(spec.manifest.name)")
            for pattern in patterns {
                #expect(spec.literals.requirement(of: pattern) == LiteralExtractor.requirement(of: pattern),
                        "\(spec.manifest.name): `\(pattern.prefix(60))`")
            }
        }
    }

    @Test func aRuleSetFromTheTablesHasThePrefilterOfOneThatExtractedEverything() throws {
        let specs = Self.builtinSpecs()
        let bare = specs.map { spec -> PackSpec in
            var spec = spec
            spec.literals = LiteralTable()
            return spec
        }
        let fromTables = try #require(RuleSet.compile(specs).0)
        let extracted = try #require(RuleSet.compile(bare).0)
        #expect(fromTables.prefilter.requirements == extracted.prefilter.requirements)
        #expect(fromTables.prefilter.literals == extracted.prefilter.literals)
    }

    @Test func aDamagedTableInAPackIsAWarningAndItsPatternsAreExtracted() throws {
        let files = [
            PackFile(path: "pack.yaml", contents: "name: demo\nversion: 1.0.0\nthreshold: 10\nlanguages: [zh]\n"),
            PackFile(path: "rules/a.yaml", contents: """
                - id: demo.a
                  title: 索要验证码
                  signal: request.otp
                  match: '验证码.{0,6}?发给我'
                  score: 20
                  examples:
                    match: ['把验证码发给我']
                    no_match: ['验证码不要告诉别人']

                """),
            PackFile(path: LiteralTable.fileName, contents: "scamflow-literals\t1\t\(LiteralExtractor.version)\t1\nnot a digest\n"),
        ]
        let result = PackLoader.load(files: files, root: "demo", origin: .directory("demo"))
        let spec = try #require(result.pack)
        #expect(spec.literals.count == 0)
        let warning = try #require(result.diagnostics.first { $0.code == .badLiterals })
        #expect(warning.severity == .warning && warning.location.file == "demo/literals.sflit" && warning.location.line == 2)
        let set = try #require(RuleSet.compile([spec]).0)
        #expect(set.prefilter.requirements == [LiteralExtractor.requirement(of: "验证码.{0,6}?发给我")])
    }
}
