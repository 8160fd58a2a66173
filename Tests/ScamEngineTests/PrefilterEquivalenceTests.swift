import Foundation
import PCRE2
import ScamBuiltins
import Testing
@testable import ScamEngine
@testable import ScamLiterals

/// The prefilter changes nothing but speed: on the Corpus, on every rule's examples and on the
/// labelled sets of `../shared/eval` (when present), every rule whose `match` pattern matches a
/// text is a candidate of that text (and every `unless` that matches is allowed to run), and
/// scanning with the prefilter on and off gives the same hits, rule by rule.
@Suite struct PrefilterEquivalenceTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A text to scan with the channel and language its source gives.
    struct Sample: Sendable {
        var text: String
        var channel: String?
        var lang: String?
        var origin: String
    }

    static func jsonLines(_ url: URL) -> [Sample] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        return data.split(separator: 0x0A).enumerated().compactMap { i, line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let text = object["text"] as? String else { return nil }
            return Sample(text: text, channel: object["channel"] as? String, lang: object["lang"] as? String,
                          origin: "\(url.lastPathComponent):\(i + 1)")
        }
    }

    static func corpus() throws -> [Sample] {
        var samples = jsonLines(packageRoot.appendingPathComponent("Corpus/messages.jsonl"))
        let folder = packageRoot.appendingPathComponent("Corpus/transcripts")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".txt") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            // Each segment as a call records it, and the whole call as one record.
            for (i, line) in text.split(separator: "\n").enumerated() {
                samples.append(Sample(text: String(line), channel: "call", lang: nil, origin: "\(name):\(i + 1)"))
            }
            samples.append(Sample(text: text, channel: "call", lang: nil, origin: name))
        }
        return samples
    }

    /// `../shared/eval` (or `$SCAMFLOW_EVAL_DIR`): not part of the repository, so optional.
    static func evalSets() -> [Sample] {
        let dir = ProcessInfo.processInfo.environment["SCAMFLOW_EVAL_DIR"]
            .map { URL(fileURLWithPath: $0) } ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/eval")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.sorted().filter { $0.hasSuffix(".jsonl") }.flatMap { jsonLines(dir.appendingPathComponent($0)) }
    }

    static func examples(_ ruleSet: RuleSet) -> [Sample] {
        ruleSet.rules.flatMap { rule in
            (rule.spec.examples.match + rule.spec.examples.noMatch).map {
                Sample(text: $0.value, channel: nil, lang: nil, origin: "\(rule.id) example")
            }
        }
    }

    /// Problems found in `samples`, checked on every core (each with its own scanners).
    static func problems(_ samples: [Sample], _ ruleSet: RuleSet) -> [String] {
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let found = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            let filtered = Scanner(ruleSet: ruleSet)
            let reference = Scanner(ruleSet: ruleSet)
            reference.usesPrefilter = false
            let normalizer = Normalizer()
            let matcher = Matcher()
            let scratch = Prefilter.Scratch(for: ruleSet.prefilter)
            var local: [String] = []
            for k in stride(from: part, to: samples.count, by: threads) {
                let sample = samples[k]
                // Rule by rule: a rule that matches is a candidate.
                let normalized = normalizer.normalize(sample.text)
                let candidates = Set(normalized.subject.bytes.withUnsafeBufferPointer {
                    ruleSet.prefilter.candidates(in: $0, scratch: scratch).map(Int.init)
                })
                for (i, rule) in ruleSet.rules.enumerated() {
                    if !candidates.contains(i), (try? matcher.firstMatch(rule.match, in: normalized.subject)) != nil {
                        local.append("\(sample.origin): \(rule.id) matches but the prefilter skipped it "
                                     + "(requirement \(ruleSet.prefilter.requirements[i]))")
                    }
                    // The same for `unless`, whose literals are found in the same pass.
                    if let unless = rule.unless, !ruleSet.prefilter.unlessMayMatch(i, scratch: scratch),
                       (try? matcher.firstMatch(unless, in: normalized.subject)) != nil {
                        local.append("\(sample.origin): the unless of \(rule.id) matches but the prefilter ruled it out")
                    }
                }
                // Whole scans agree.
                let record = Record(text: sample.text, source: SourcePosition(file: sample.origin, line: 1), channel: sample.channel,
                                    lang: sample.lang)
                var hitsA: [Hit] = [], hitsB: [Hit] = [], failuresA: [RuleFailure] = [], failuresB: [RuleFailure] = []
                let langA = filtered.scan(record, hits: &hitsA, failures: &failuresA)
                let langB = reference.scan(record, hits: &hitsB, failures: &failuresB)
                let ha = hitsA.map { "\($0.rule) \($0.span) \($0.excerpt)" }, hb = hitsB.map { "\($0.rule) \($0.span) \($0.excerpt)" }
                if ha != hb || langA != langB || failuresA.map(\.rule) != failuresB.map(\.rule) {
                    local.append("\(sample.origin): hits differ: \(ha) vs \(hb)")
                }
            }
            found.withLock { $0 += local }
        }
        return found.withLock { $0 }
    }

    @Test func corpusAndExamples() throws {
        let ruleSet = try #require(BuiltinPackTests.ruleSet)
        let samples = try Self.corpus() + Self.examples(ruleSet)
        #expect(samples.count > 500)
        let problems = Self.problems(samples, ruleSet)
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    }

    @Test func sharedEvalSets() throws {
        let samples = Self.evalSets()
        guard !samples.isEmpty else { return }  // ../shared/eval is not there: nothing to check
        let ruleSet = try #require(BuiltinPackTests.ruleSet)
        let problems = Self.problems(samples, ruleSet)
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    }

    @Test func theAutomatonIsSmallAndEveryBuiltinRuleIsFiltered() throws {
        let ruleSet = try #require(BuiltinPackTests.ruleSet)
        // A rule that always runs costs a PCRE2 pass on every record: the built-in packs have
        // literals for all of them (extracted or stated).
        let always = ruleSet.rules.indices.filter { ruleSet.prefilter.requirements[$0] == .always }.map { ruleSet.rules[$0].id }
        #expect(always.isEmpty, "rules without a prefilter: \(always)")
    }
}

/// A value behind a lock (the checks run on every core).
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
