import Foundation
import ScamBuiltins
import ScamPacks
import Testing
@testable import ScamEngine

/// The literal cache changes how fast packs load, never what they find: what it reads back is
/// what extraction gives, anything damaged reads as empty, and a rule set built from a warm
/// cache has the prefilter of one built from none.
@Suite struct LiteralCacheTests {
    static func builtinSpecs() -> [PackSpec] { BuiltinPacks.load().compactMap(\.pack) }

    static func temporaryCache() throws -> (LiteralCache, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-cache-\(UUID().uuidString)")
        return (LiteralCache(file: folder.appendingPathComponent("literals.bin")), folder)
    }

    static let sample: [(PatternKey, LiteralRequirement)] = [
        (PatternKey("免密支付"), .anyOf([Array("免密支付".utf8)])),
        (PatternKey("(?i)a|b"), .always),
        (PatternKey("x(?:ab|cd)y"), .all([.anyOf([Array("xab".utf8), Array("xcd".utf8)]), .either([.anyOf([Array("y".utf8)])])])),
    ]

    @Test func roundTrips() throws {
        let bytes = LiteralCache.encode(Self.sample)
        let decoded = try #require(LiteralCache.decode(bytes))
        #expect(decoded.count == Self.sample.count)
        for (key, requirement) in Self.sample { #expect(decoded[key] == requirement) }
    }

    @Test func damagedFilesReadAsNothing() {
        let bytes = LiteralCache.encode(Self.sample)
        // Every truncation, and the wrong version.
        for cut in 0..<bytes.count { #expect(LiteralCache.decode(Array(bytes[..<cut])) == nil, "cut at \(cut)") }
        var otherVersion = bytes
        otherVersion[8] &+= 1
        #expect(LiteralCache.decode(otherVersion) == nil)
        #expect(LiteralCache.decode(bytes + [0]) == nil, "trailing bytes")
        // Random damage: never a crash, and what decodes keeps the requirement invariants.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            guard let entries = LiteralCache.decode(damaged) else { continue }
            for requirement in entries.values { #expect(requirement.isWellFormed) }
        }
    }

    @Test func aWarmCacheGivesTheSamePrefilterAsNone() throws {
        let (cache, folder) = try Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: folder) }
        let specs = Self.builtinSpecs()
        let plain = try #require(RuleSet.compile(specs).0)
        let filling = try #require(RuleSet.compile(specs, literalCache: cache).0)
        // The cache is written after the prefilter is ready: wait for it.
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: cache.file.path) { usleep(10_000) }
        let stored = cache.load()
        #expect(stored.count >= Set(plain.rules.map(\.match.pattern)).count)
        let warm = try #require(RuleSet.compile(specs, literalCache: cache).0)
        #expect(plain.prefilter.requirements == filling.prefilter.requirements)
        #expect(plain.prefilter.requirements == warm.prefilter.requirements)
        for rule in plain.rules {
            #expect(stored[PatternKey(rule.match.pattern)] == LiteralExtractor.requirement(of: rule.match.pattern), "\(rule.id)")
        }
    }

    @Test func aGarbageFileIsIgnoredAndReplaced() throws {
        let (cache, folder) = try Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("not a cache".utf8).write(to: cache.file)
        #expect(cache.load().isEmpty)
        let specs = Self.builtinSpecs()
        let plain = try #require(RuleSet.compile(specs).0)
        let set = try #require(RuleSet.compile(specs, literalCache: cache).0)
        #expect(set.prefilter.requirements == plain.prefilter.requirements)
        for _ in 0..<500 where cache.load().isEmpty { usleep(10_000) }
        #expect(!cache.load().isEmpty, "rewritten after the run")
    }

    @Test func theEnvironmentChoosesTheFolder() {
        #expect(LiteralCache.standard(environment: ["SCAMFLOW_CACHE_DIR": "off", "HOME": "/h"]) == nil)
        #expect(LiteralCache.standard(environment: ["SCAMFLOW_CACHE_DIR": "/c"])?.file.path == "/c/literals.bin")
        #expect(LiteralCache.standard(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"])?.file.path == "/x/scamflow/literals.bin")
        #expect(LiteralCache.standard(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"])?.file.path == "/h/.cache/scamflow/literals.bin")
        #expect(LiteralCache.standard(environment: [:]) == nil)
    }
}
