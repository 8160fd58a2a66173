import PCRE2
import ScamLiterals
import ScamPacks

/// Checks compiled rules against their own examples and against inputs that make badly written
/// patterns backtrack: what `scamflow pack test` and `pack lint` run, and what the test suite
/// runs on every built-in pack.
public struct PackChecker {
    public let ruleSet: RuleSet

    public init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// The outcome of one example.
    public struct ExampleResult: Sendable {
        public var rule: String
        public var expectMatch: Bool
        public var text: String
        public var location: SourceLocation
        /// The original range matched, if any.
        public var matched: Range<Int>?
        public var error: PCRE2Error?
        /// Whether `rule` names a lexicon (its examples run the fragment alone), not a rule.
        public var isLexicon = false
        /// Whether the rule is phonetic, and whether only its phonetic form matched the example.
        public var phonetic = false
        public var bySound = false
        public var passed: Bool { error == nil && (matched != nil) == expectMatch }
        /// `rule ID` or `lexicon NAME`, for messages.
        public var subject: String { (isLexicon ? "lexicon " : "rule ") + rule }
    }

    /// Runs every example of every rule (or of the rules of the named packs).
    public func runExamples(packs: Set<String>? = nil) -> [ExampleResult] {
        let scanner = Scanner(ruleSet: ruleSet)
        var results: [ExampleResult] = []
        for (index, rule) in ruleSet.rules.enumerated() {
            if let packs, !packs.contains(ruleSet.packs[rule.packIndex].manifest.name) { continue }
            let cases = rule.spec.examples.match.map { ($0, true) } + rule.spec.examples.noMatch.map { ($0, false) }
            for (example, expect) in cases {
                var result = ExampleResult(rule: rule.id, expectMatch: expect, text: example.value, location: example.location)
                // A rule made phonetic by its lexicon shows its homophones in the lexicon's examples.
                result.phonetic = rule.phonetic != nil && rule.spec.phoneticLocation != nil
                do {
                    let found = try scanner.matchDetail(rule: index, text: example.value)
                    result.matched = found?.range
                    result.bySound = found?.bySound ?? false
                } catch {
                    result.error = error
                }
                results.append(result)
            }
        }
        return results + runLexiconExamples(packs: packs)
    }

    /// Runs every lexicon's examples: the fragment alone on the normalized text, as it runs
    /// inside a rule (no prefilter, no `unless`: those belong to the rules).
    func runLexiconExamples(packs: Set<String>?) -> [ExampleResult] {
        guard !ruleSet.lexicons.isEmpty else { return [] }
        let normalizer = Normalizer()
        let matcher = Matcher()
        var results: [ExampleResult] = []
        for lexicon in ruleSet.lexicons {
            if let packs, !packs.contains(ruleSet.packs[lexicon.packIndex].manifest.name) { continue }
            let cases = lexicon.spec.examples.match.map { ($0, true) } + lexicon.spec.examples.noMatch.map { ($0, false) }
            for (example, expect) in cases {
                var result = ExampleResult(rule: lexicon.name, expectMatch: expect, text: example.value, location: example.location,
                                           isLexicon: true)
                let normalized = normalizer.normalize(example.value)
                result.phonetic = lexicon.phonetic != nil
                do {
                    result.matched = try matcher.firstMatch(lexicon.regex, in: normalized.subject).map(normalized.originalRange(of:))
                    if result.matched == nil, let phonetic = lexicon.phonetic {
                        let view = PhoneticText(of: normalized)
                        result.matched = try matcher.firstMatch(phonetic, in: view.subject)
                            .map { view.originalRange(of: PhoneticPattern.trimmed($0, in: view.subject.bytes)) }
                        result.bySound = result.matched != nil
                    }
                } catch {
                    result.error = error
                }
                results.append(result)
            }
        }
        return results
    }

    /// The outcome of one example of a model: a text that must raise an alert with every pack
    /// loaded (rules, flows and the model fused), or one that must stay silent.
    public struct ModelExampleResult: Sendable {
        public var pack: String
        public var expectAlert: Bool
        public var text: String
        public var location: SourceLocation
        /// What was raised: alert ids with the model's probability.
        public var raised: [String]
        public var probability: Double?
        public var passed: Bool { raised.isEmpty != expectAlert }
    }

    /// Runs the examples of the model in force (when its pack is among `packs`).
    public func runModelExamples(packs: Set<String>? = nil) -> [ModelExampleResult] {
        guard let model = ruleSet.model else { return [] }
        let name = ruleSet.packs[model.packIndex].manifest.name
        if let packs, !packs.contains(name) { return [] }
        let cases = model.spec.alertExamples.map { ($0, true) } + model.spec.silentExamples.map { ($0, false) }
        return cases.map { example, expect in
            let scan = MessageScan(ruleSet: ruleSet)
            let record = Record(text: example.value, source: SourcePosition(file: example.location.file, line: example.location.line))
            var alerts = scan.add(record) + scan.finish()
            alerts += scan.flowAlerts()
            let scanned = scan.scanner.scan(record)
            let probability = scanned.model.map { input -> Double in
                let vector = scan.assessor.modelVector(scanned.hits, guarded: scanned.guarded, input: input).vector
                return model.model.file.calibration.probability(ModelFeatures.margin(vector, model: model.model))
            }
            return ModelExampleResult(pack: name, expectAlert: expect, text: example.value, location: example.location,
                                      raised: alerts.map(\.id), probability: probability)
        }
    }

    /// Diagnostics (`SF118`) for model examples that do not behave.
    public static func diagnostics(for results: [ModelExampleResult]) -> [Diagnostic] {
        results.filter { !$0.passed }.map { r in
            let p = r.probability.map { " (p \((($0 * 1000).rounded() / 1000)))" } ?? ""
            let what = r.expectAlert ? "raises no alert\(p)" : "raises \(r.raised.joined(separator: ", "))\(p)"
            return Diagnostic(.badModelExample, at: r.location, "the model example \(what): \(r.text.prefix(60))",
                              hint: r.expectAlert ? "retrain the model, or loosen a `raise` line of the fusion rule"
                                  : "retrain the model with look-alikes like this one, or add a `demote` line")
        }
    }

    /// Diagnostics for failed examples (`SF107`, or `SF111` when the match limit was hit), and
    /// a warning (`SF133`) for each phonetic rule none of whose `match` examples only its
    /// phonetic form catches: the homophone or pinyin it exists for is not shown.
    public static func diagnostics(for results: [ExampleResult]) -> [Diagnostic] {
        var shown: [String: Bool] = [:]
        var firstExample: [String: SourceLocation] = [:]
        var ids: [String: String] = [:]
        for r in results where r.phonetic && r.expectMatch {
            shown[r.subject] = (shown[r.subject] ?? false) || (r.passed && r.bySound)
            if firstExample[r.subject] == nil { firstExample[r.subject] = r.location }
            ids[r.subject] = r.isLexicon ? nil : r.rule
        }
        let unshown = shown.filter { !$0.value }.keys.sorted().map { subject in
            Diagnostic(.phoneticExampleMissing, .warning, at: firstExample[subject]!,
                       "phonetic \(subject) has no `match` example that only its phonetic form catches",
                       hint: "add one written by sound (a homophone or pinyin: 验症码, yan zheng ma), and a `no_match` "
                           + "example of an ordinary word that sounds alike", rule: ids[subject])
        }
        return failedExampleDiagnostics(results) + unshown
    }

    static func failedExampleDiagnostics(_ results: [ExampleResult]) -> [Diagnostic] {
        results.filter { !$0.passed }.map { r in
            if r.isLexicon && r.error == nil {
                let what = r.expectMatch ? "does not find its `match` example" : "finds its `no_match` example"
                return Diagnostic(.badLexiconExample, at: r.location, "lexicon \(r.rule) \(what): \(r.text.prefix(60))",
                                  hint: r.expectMatch ? "check the fragment against the normalized text (`scamflow normalize`)"
                                      : "narrow the fragment; a rule's `unless` cannot help a lexicon")
            }
            if let error = r.error {
                return Diagnostic(error.kind == .matchLimit ? .matchLimit : .badExample, at: r.location,
                                  "\(r.subject) failed on its example: \(error.message)",
                                  hint: "bound the pattern's repetitions (.{0,20}?), avoid nested quantifiers", rule: r.rule)
            }
            let what = r.expectMatch ? "does not match its `match` example" : "matches its `no_match` example"
            return Diagnostic(.badExample, at: r.location, "rule \(r.rule) \(what): \(r.text.prefix(60))",
                              hint: r.expectMatch ? "check the pattern against the normalized text (`scamflow normalize`)"
                                  : "narrow the pattern or add an `unless`", rule: r.rule)
        }
    }

    /// Patterns that exhaust a small match limit on inputs built to trigger catastrophic
    /// backtracking (long runs of one character, of the pattern's own literals, with a bad
    /// ending). A pattern that passes here with a limit 100x smaller than the scanner's has
    /// plenty of room in real scans.
    public func backtrackingDiagnostics(matchLimit: UInt32 = 10_000) -> [Diagnostic] {
        let matcher = Matcher(limits: .init(matchLimit: matchLimit))
        var out: [Diagnostic] = []
        for rule in ruleSet.rules {
            var patterns = [("match", rule.match, rule.spec.match.location)]
            if let unless = rule.unless, let loc = rule.spec.unless?.location { patterns.append(("unless", unless, loc)) }
            for (key, regex, location) in patterns {
                for input in PackChecker.adversarialInputs(for: regex.pattern) {
                    do {
                        _ = try matcher.firstMatch(regex, in: Subject(input))
                    } catch where error.kind == .matchLimit || error.kind == .jitStackLimit {
                        out.append(Diagnostic(.matchLimit, at: location,
                                              "`\(key)` of rule \(rule.id) backtracks catastrophically (match limit \(matchLimit) hit on a \(input.unicodeScalars.count)-character input)",
                                              hint: "remove nested or overlapping quantifiers such as (a+)+ or (.*?)*; bound gaps with .{0,N}?", rule: rule.id))
                        break
                    } catch {
                        continue
                    }
                }
            }
        }
        return out
    }

    static func adversarialInputs(for pattern: String) -> [String] {
        var pieces = ["a", "1", " ", "你", "啊", ".", "x1"]
        // Literal characters of the pattern, so alternations and classes get exercised.
        for s in pattern.unicodeScalars where s.properties.isAlphabetic || s.properties.numericType != nil {
            let piece = String(s)
            if !pieces.contains(piece) { pieces.append(piece) }
            if pieces.count > 24 { break }
        }
        return pieces.flatMap { piece in
            [String(repeating: piece, count: 3000) + "!", String(repeating: piece + " ", count: 1500) + "\u{1}"]
        }
    }

    /// The outcome of one sequence fixture.
    public struct SequenceResult: Sendable {
        public var name: String
        public var location: SourceLocation
        public var pack: String
        /// Flow alerts raised, as (flow, step, severity).
        public var raised: [(flow: String, step: Int, severity: String)]
        /// What was expected and missing, or raised and forbidden; empty when it passed.
        public var problems: [String]
        public var passed: Bool { problems.isEmpty }
    }

    /// Runs every sequence fixture (or those of the named packs) through a fresh live pipeline:
    /// text rules, event rules and flows, record by record, exactly as `scamflow stream` does.
    public func runSequences(packs: Set<String>? = nil) -> [SequenceResult] {
        var results: [SequenceResult] = []
        for (packIndex, sequence) in ruleSet.sequences {
            let packName = ruleSet.packs[packIndex].manifest.name
            if let packs, !packs.contains(packName) { continue }
            let processor = StreamProcessor(ruleSet: ruleSet)
            var raised: [(flow: String, step: Int, severity: String)] = []
            for (i, fields) in sequence.records.enumerated() {
                let source = SourcePosition(file: "\(sequence.location.file)#\(sequence.name)", line: i + 1)
                for alert in processor.process(Record(fixture: fields, source: source)).alerts where alert.kind == .flow {
                    raised.append((alert.id, alert.step ?? 0, alert.severity.rawValue))
                }
            }
            var problems: [String] = []
            for e in sequence.expect + sequence.expectNot {
                guard let flow = ruleSet.flows.first(where: { $0.id == e.flow }) else {
                    problems.append("no flow `\(e.flow)` is loaded (a typo?)")
                    continue
                }
                if let step = e.step, !(1...flow.steps.count).contains(step) {
                    problems.append("flow `\(e.flow)` has \(flow.steps.count) steps, not \(step)")
                }
            }
            for e in sequence.expect {
                let ok = raised.contains { $0.flow == e.flow && (e.step == nil || $0.step == e.step) && (e.severity == nil || $0.severity == e.severity) }
                if !ok {
                    problems.append("expected \(e.flow)" + (e.step.map { " at step \($0)" } ?? "") + (e.severity.map { " (\($0))" } ?? "") + ", not raised")
                }
            }
            for e in sequence.expectNot {
                if let bad = raised.first(where: { $0.flow == e.flow && (e.step == nil || $0.step >= e.step!) }) {
                    problems.append("must not raise \(e.flow)" + (e.step.map { " at step \($0) or later" } ?? "") + ", raised at step \(bad.step)")
                }
            }
            results.append(SequenceResult(name: sequence.name, location: sequence.location, pack: packName, raised: raised, problems: problems))
        }
        return results
    }

    /// Diagnostics (`SF116`) for failed sequence fixtures.
    public static func diagnostics(for results: [SequenceResult]) -> [Diagnostic] {
        results.filter { !$0.passed }.map {
            Diagnostic(.sequenceFailed, at: $0.location, "sequence `\($0.name)`: " + $0.problems.joined(separator: "; "),
                       hint: "raised: " + ($0.raised.isEmpty ? "nothing" : $0.raised.map { "\($0.flow)@\($0.step)" }.joined(separator: ", ")))
        }
    }
}
