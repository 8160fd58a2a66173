import Dispatch
import PCRE2
import ScamLiterals
import ScamPacks

/// A text rule ready to run: the spec's facts plus its compiled patterns.
///
/// Invariant: `match` and `unless` were compiled from the spec's patterns with their Han
/// characters simplified, so they see the same script as normalized text.
///
/// A class, not a struct: the scanner, assessor and signal extractor read rules by index on
/// every hit, and a struct of thirteen reference-counted fields cost a retain and a release of
/// each per read (measured: 2% of the stream profile). Immutable, so sharing is safe.
public final class CompiledRule: Sendable {
    public let id: String
    public let title: String
    public let signal: String
    public let score: Int
    public let tags: [String]
    public let advice: [String: String]
    /// Empty means every channel.
    public let channels: [String]
    /// Empty means every language.
    public let languages: [String]
    public let match: Regex
    public let unless: Regex?
    /// Index of the rule's pack in `RuleSet.packs`.
    public let packIndex: Int
    public let spec: RuleSpec
    /// The slots of its title and advice, nil when they have none (see `RuleSlots`).
    public let slots: RuleSlots?
    /// A phonetic rule's `match` and `unless` rewritten in pinyin (`PhoneticPattern`), run on the
    /// phonetic view of a text its `match` did not hit; nil for other rules (and `phoneticUnless`
    /// nil when the `unless` has no pinyin form: its normal form still runs).
    public let phonetic: Regex?
    public let phoneticUnless: Regex?

    init(id: String, title: String, signal: String, score: Int, tags: [String], advice: [String: String],
         channels: [String], languages: [String], match: Regex, unless: Regex?, packIndex: Int, spec: RuleSpec,
         slots: RuleSlots? = nil, phonetic: Regex? = nil, phoneticUnless: Regex? = nil) {
        self.id = id
        self.title = title
        self.signal = signal
        self.score = score
        self.tags = tags
        self.advice = advice
        self.channels = channels
        self.languages = languages
        self.match = match
        self.unless = unless
        self.packIndex = packIndex
        self.spec = spec
        self.slots = slots
        self.phonetic = phonetic
        self.phoneticUnless = phoneticUnless
    }

    /// The title, its slots filled from `captures` (what a hit's named groups took).
    public func title(filling captures: [String: String]) -> String {
        slots?.title.filled(captures) ?? title
    }

    /// The advice in `lang` (else English, else any: `Assessor.pick`), its slots filled from
    /// `captures`; nil when the rule has none.
    public func advice(_ lang: String, filling captures: [String: String]) -> String? {
        guard let key = Assessor.pickKey(advice, lang: lang) else { return nil }
        return slots?.advice[key]?.filled(captures) ?? advice[key]
    }

    /// Whether the rule applies to a record of this channel and language.
    func applies(channel: String?, language: String) -> Bool {
        if let channel, !channels.isEmpty, !channels.contains(channel) { return false }
        if !languages.isEmpty, !languages.contains(language) { return false }
        return true
    }
}

/// A pack as the engine runs it (a class for the same reason as `CompiledRule`).
public final class CompiledPack: Sendable {
    public let manifest: PackManifest
    public let origin: PackOrigin
    /// Indices of this pack's rules in `RuleSet.rules`.
    public let rules: Range<Int>
    /// The pack's `verdict` compiled: where it matches, its rules' guards reach the whole
    /// record (`GuardScope`).
    public let verdict: Regex?

    init(manifest: PackManifest, origin: PackOrigin, rules: Range<Int>, verdict: Regex? = nil) {
        self.manifest = manifest
        self.origin = origin
        self.rules = rules
        self.verdict = verdict
    }
}

/// Immutable compiled rules of one or more packs, shared by every scanner thread.
///
/// Built once per process by `RuleSet.compile`; a `RuleSet` never changes, so reloading packs
/// means building a new one and swapping it in.
public final class RuleSet: Sendable {
    public let packs: [CompiledPack]
    public let rules: [CompiledRule]
    public let eventRules: [CompiledEventRule]
    public let flows: [CompiledFlow]
    /// Sequence fixtures of the packs, with the index of their pack.
    public let sequences: [(pack: Int, spec: SequenceSpec)]
    /// Event rule indices by event name.
    let eventRulesByName: [String: [Int]]
    /// Which rules can match a text, from the literals their patterns require.
    public let prefilter: Prefilter
    /// The learned scorer in force, when a pack carries one (the last such pack loaded).
    public let model: CompiledModel?
    /// The model's cue patterns (Han simplified) that the prefilter covers after the rules: its
    /// candidate `rules.count + i` is cue `i`. Empty without a model.
    public let prefilterCues: [String]
    /// Values that mean the same (the packs' `values:`), applied by every condition.
    public let values: ValueMap
    /// The packs' lexicons, compiled alone for their examples (rules hold them expanded).
    public let lexicons: [CompiledLexicon]
    /// The phonetic rules (indices in `rules`), in rule order: candidate `k` of
    /// `phoneticPrefilter` is rule `phoneticRules[k]`.
    public let phoneticRules: [Int32]
    /// The literal prefilter of the phonetic rules' pinyin patterns, over the phonetic view; nil
    /// when no rule is phonetic (then no view is built at all).
    public let phoneticPrefilter: Prefilter?

    init(packs: [CompiledPack], rules: [CompiledRule], eventRules: [CompiledEventRule] = [], flows: [CompiledFlow] = [],
         sequences: [(pack: Int, spec: SequenceSpec)] = [], model: CompiledModel? = nil, cuePatterns: [String] = [],
         values: ValueMap = ValueMap(), lexicons: [CompiledLexicon] = [], literals: LiteralTable = LiteralTable(),
         prefilterBuild: PrefilterBuild? = nil) {
        self.packs = packs
        self.lexicons = lexicons
        self.values = values
        self.model = model
        // Cues count only when they are the model's (a damaged header gave none).
        let cues = model.map { $0.model.cues.map(\.regex.pattern) } == cuePatterns ? cuePatterns : []
        prefilterCues = cues
        self.rules = rules
        self.eventRules = eventRules
        self.flows = flows
        self.sequences = sequences
        var byName: [String: [Int]] = [:]
        for (i, rule) in eventRules.enumerated() { for name in rule.events { byName[name, default: []].append(i) } }
        eventRulesByName = byName
        let patterns = rules.map(\.match.pattern) + cues
        let stated = rules.map(\.spec.prefilter) + cues.map { _ in [String]() }
        let unless = rules.map(\.unless?.pattern) + cues.map { _ in String?.none }
        prefilter = prefilterBuild?.result(patterns: patterns, stated: stated, unless: unless)
            ?? PrefilterBuild.build(patterns: patterns, stated: stated, unless: unless, literals: literals)
        let sounding = rules.indices.filter { rules[$0].phonetic != nil }
        phoneticRules = sounding.map { Int32($0) }
        phoneticPrefilter = sounding.isEmpty ? nil
            : PrefilterBuild.build(patterns: sounding.map { rules[$0].phonetic!.pattern }, stated: sounding.map { _ in [] },
                                   unless: sounding.map { rules[$0].phoneticUnless?.pattern }, literals: literals)
    }

    /// Compiles packs. Later packs override earlier packs of the same name (so `--packs` can
    /// replace a built-in pack); rule ids must be unique across the packs that remain.
    /// - Returns: the rule set when there was no error, and every diagnostic found.
    ///
    /// The prefilter takes the literal requirements the packs carry (`PackSpec.literals`,
    /// worked out when they were built); only patterns without one, those of pack folders
    /// under development, are extracted here.
    public static func compile(_ specs: [PackSpec]) -> (RuleSet?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var chosen: [PackSpec] = []
        for spec in specs {
            if let i = chosen.firstIndex(where: { $0.manifest.name == spec.manifest.name }) {
                diagnostics.append(Diagnostic(.duplicatePack, .warning, at: spec.manifest.location,
                                              "pack `\(spec.manifest.name)` from \(spec.origin) overrides the one from \(chosen[i].origin)"))
                chosen[i] = spec
            } else {
                chosen.append(spec)
            }
        }
        // The prefilter covers the cues of the model too (the last pack with one), read from its
        // file's header.
        let cuePatterns = chosen.last { $0.model?.contents != nil }?.model?.contents
            .map { ModelFile.cues(inHeaderOf: $0).map { Normalizer.simplifyHan(in: $0.pattern) } } ?? []
        // Models are parsed on other cores (a built-in model is tens of thousands of lines).
        let parsed = ModelParses(chosen.map { $0.model?.contents })
        var literals = LiteralTable()
        for spec in chosen { literals.merge(spec.literals) }
        // When the packs compile without error their rules are exactly these, in this order:
        // the prefilter is built on another core while PCRE2 compiles them here.
        let prefilterBuild = PrefilterBuild(patterns: chosen.flatMap { $0.rules.map { Normalizer.simplifyHan(in: $0.match.value) } } + cuePatterns,
                                            stated: chosen.flatMap { $0.rules.map(\.prefilter) } + cuePatterns.map { _ in [] },
                                            unless: chosen.flatMap { $0.rules.map { $0.unless.map { Normalizer.simplifyHan(in: $0.value) } } }
                                                + cuePatterns.map { _ in nil },
                                            literals: literals)
        var packs: [CompiledPack] = []
        var rules: [CompiledRule] = []
        var eventRules: [CompiledEventRule] = []
        var flows: [CompiledFlow] = []
        var sequences: [(pack: Int, spec: SequenceSpec)] = []
        var lexicons: [CompiledLexicon] = []
        var model: CompiledModel?
        var values = ValueMap()
        var skippedSignals = Set<String>()
        var seen: [String: SourceLocation] = [:]
        /// Rule and flow ids share one namespace across packs: the first definition wins.
        func claim(_ id: String, at location: SourceLocation) -> Bool {
            if let earlier = seen[id] {
                diagnostics.append(Diagnostic(.duplicateID, at: location, "duplicate id `\(id)`",
                                              hint: "first defined at \(earlier); rule and flow ids must be unique across packs", rule: id))
                return false
            }
            seen[id] = location
            return true
        }
        for spec in chosen {
            diagnostics += spec.warnings
            let first = rules.count
            for rule in spec.rules where claim(rule.id, at: rule.location) {
                let match = compilePattern(rule.match, rule: rule.id, key: "match", into: &diagnostics)
                let unless = rule.unless.flatMap { compilePattern($0, rule: rule.id, key: "unless", into: &diagnostics) }
                guard let match, rule.unless == nil || unless != nil else { continue }
                let slots = RuleSlots.compile(rule, match: match, into: &diagnostics)
                var phonetic: (match: Regex, unless: Regex?)?
                if rule.phonetic == true {
                    phonetic = compilePhonetic(rule, into: &diagnostics)
                    // Said on the rule, a phonetic form that fails is an error; inherited from a
                    // lexicon, a warning, and the rule runs without one.
                    if phonetic == nil && rule.phoneticLocation != nil { continue }
                }
                rules.append(CompiledRule(id: rule.id, title: rule.title, signal: rule.signal, score: rule.score,
                                          tags: rule.tags, advice: rule.advice, channels: rule.channels,
                                          languages: rule.languages, match: match, unless: unless,
                                          packIndex: packs.count, spec: rule, slots: slots,
                                          phonetic: phonetic?.match, phoneticUnless: phonetic?.unless))
            }
            for rule in spec.eventRules where claim(rule.id, at: rule.location) {
                if let compiled = compileEventRule(rule, packIndex: packs.count, into: &diagnostics) { eventRules.append(compiled) }
            }
            for flow in spec.flows where claim(flow.id, at: flow.location) {
                let problems = FlowLint.diagnostics(flow)
                diagnostics += problems
                if problems.contains(where: { $0.severity == .error }) {
                    // Not run, but its signals are not "unused" (SF115): the flow wants them.
                    skippedSignals.formUnion(flow.steps.flatMap(\.signals) + flow.until)
                    continue
                }
                if let compiled = CompiledFlow.compile(flow, packIndex: packs.count, pack: spec.manifest.label, language: spec.manifest.languages.first ?? "en", into: &diagnostics) { flows.append(compiled) }
            }
            for (attribute, synonym, kept, ignored) in values.add(spec.manifest.values) {
                diagnostics.append(Diagnostic(.invalidValue, .warning, at: spec.manifest.location,
                                              "`\(synonym)` of `\(attribute)` means `\(kept)` in an earlier pack, not `\(ignored)`",
                                              hint: "a synonym maps to one canonical value across the packs loaded"))
            }
            sequences += spec.sequences.map { (packs.count, $0) }
            lexicons += CompiledLexicon.compile(spec.lexicons, packIndex: packs.count, into: &diagnostics)
            if let modelSpec = spec.model,
               let compiled = compileModel(modelSpec, parsed: parsed.result(packs.count), pack: spec.manifest, packIndex: packs.count,
                                           into: &diagnostics) {
                if let earlier = model {
                    diagnostics.append(Diagnostic(.extraModel, .warning, at: modelSpec.location,
                                                  "the model of \(spec.manifest.label) replaces the model of \(packs[earlier.packIndex].manifest.label)",
                                                  hint: "one model is used at a time: the last pack loaded with one"))
                }
                model = compiled
            }
            let verdict = spec.manifest.verdict.flatMap {
                compilePattern($0, what: "`verdict` of pack \(spec.manifest.name)", rule: nil, into: &diagnostics)
            }
            packs.append(CompiledPack(manifest: spec.manifest, origin: spec.origin, rules: first..<rules.count, verdict: verdict))
        }
        diagnostics += signalDiagnostics(rules: rules, eventRules: eventRules, flows: flows, alsoUsed: skippedSignals)
        if let model { diagnostics += staleModelDiagnostics(model, rules: rules) }
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (RuleSet(packs: packs, rules: rules, eventRules: eventRules, flows: flows, sequences: sequences,
                        model: model, cuePatterns: cuePatterns, values: values, lexicons: lexicons, literals: literals,
                        prefilterBuild: prefilterBuild),
                diagnostics)
    }

    /// Parses and compiles a pack's model; a damaged file or a bad fusion line is an error.
    static func compileModel(_ spec: ModelSpec, parsed: Result<ScoringModel, ModelFormatError>?, pack: PackManifest, packIndex: Int,
                             into diagnostics: inout [Diagnostic]) -> CompiledModel? {
        guard let parsed else { return nil }  // no file: the loader reported it
        // Diagnostics name the model file beside the pack.yaml that names it.
        let manifest = spec.file.location.file
        let folder = manifest.hasSuffix("pack.yaml") ? String(manifest.dropLast("pack.yaml".count)) : ""
        let location = SourceLocation(file: folder + spec.file.value)
        do throws(ModelFormatError) {
            let scorer = try parsed.get()
            return CompiledModel.compile(spec, model: scorer, packIndex: packIndex, into: &diagnostics)
        } catch {
            diagnostics.append(Diagnostic(.badModel, at: SourceLocation(file: location.file, line: error.line),
                                          "the model of \(pack.label) cannot be used: \(error.message)", hint: error.hint))
            return nil
        }
    }

    /// A warning when the packs' text signals are not those the model was trained with: its
    /// signal features then mean something else, or nothing.
    static func staleModelDiagnostics(_ model: CompiledModel, rules: [CompiledRule]) -> [Diagnostic] {
        let trained = Set(model.model.file.signals)
        guard !trained.isEmpty else { return [] }
        let now = Set(rules.map(\.signal))
        let gone = trained.subtracting(now).sorted(), new = now.subtracting(trained).sorted()
        guard !gone.isEmpty || !new.isEmpty else { return [] }
        var parts: [String] = []
        if !new.isEmpty { parts.append("\(new.count) signal\(new.count == 1 ? "" : "s") it never saw (\(new.prefix(3).joined(separator: ", "))\(new.count > 3 ? ", ..." : ""))") }
        if !gone.isEmpty { parts.append("\(gone.count) it knows no rule emits any more (\(gone.prefix(3).joined(separator: ", "))\(gone.count > 3 ? ", ..." : ""))") }
        return [Diagnostic(.staleModel, .warning, at: model.spec.location,
                           "the model was trained with other signals than the packs emit: " + parts.joined(separator: "; "),
                           hint: "retrain it on the packs in force (`scamflow learn`, or scripts/train-builtin for the built-in model)")]
    }

    static func compileEventRule(_ rule: EventRuleSpec, packIndex: Int, into diagnostics: inout [Diagnostic]) -> CompiledEventRule? {
        var clauses: [CompiledClause] = []
        var ok = true
        for clause in rule.conditions {
            for ref in clause.predicates.flatMap(\.references) {
                switch ref {
                case .capture(let name):
                    diagnostics.append(Diagnostic(.captureUnbound, at: clause.location, "event rule \(rule.id) compares `\(clause.attribute)` with `$\(name)`, but only flow steps capture values",
                                                  hint: "write the comparison in a flow step after the step that captures it", rule: rule.id))
                    ok = false
                case .context(let key):
                    diagnostics.append(Diagnostic(.unknownContext, at: clause.location, "event rule \(rule.id) reads `context.\(key)`, but only flow steps see the subject's context",
                                                  hint: "write the condition in a flow step's `where`", rule: rule.id))
                    ok = false
                case .attribute: break
                }
            }
            if let compiled = CompiledClause.compile(clause, rule: rule.id, into: &diagnostics) { clauses.append(compiled) } else { ok = false }
        }
        guard ok else { return nil }
        return CompiledEventRule(id: rule.id, title: rule.title, signal: rule.signal, events: Set(rule.events),
                                 clauses: clauses, tags: rule.tags, packIndex: packIndex, location: rule.location)
    }

    /// Warnings about signals: flow steps that nothing emits (SF114), event rules no flow uses (SF115).
    static func signalDiagnostics(rules: [CompiledRule], eventRules: [CompiledEventRule], flows: [CompiledFlow],
                                  alsoUsed: Set<String> = []) -> [Diagnostic] {
        let emitted = Set(rules.map(\.signal)).union(eventRules.map(\.signal)).union(EventVocabulary.names)
        var out: [Diagnostic] = []
        var used = alsoUsed
        for flow in flows {
            for (step, spec) in zip(flow.steps, flow.spec.steps) {
                used.formUnion(step.signals)
                for signal in step.signals.sorted() where !emitted.contains(signal) {
                    out.append(Diagnostic(.unknownSignal, .warning, at: spec.location,
                                          "step `\(step.name)` of flow \(flow.id) waits for `\(signal)`, which no rule emits",
                                          hint: "check the spelling, or add a rule with `signal: \(signal)`", rule: flow.id))
                }
            }
            used.formUnion(flow.until)
        }
        for rule in eventRules where !used.contains(rule.signal) {
            out.append(Diagnostic(.unusedSignal, .warning, at: rule.location, "event rule \(rule.id) emits `\(rule.signal)`, which no flow uses",
                                  hint: "event rules only feed flows: name the signal in a flow step, or remove the rule", rule: rule.id))
        }
        return out
    }

    /// A phonetic rule's pinyin `match` (and `unless`, when it has a pinyin form), or nil with
    /// a diagnostic: `SF131` when `match` cannot be rewritten, `SF132` when it can match with
    /// fewer than `PhoneticPattern.minimumSyllables` syllables of its own words. An error when
    /// the rule says `phonetic: true`, a warning when a lexicon made it phonetic.
    static func compilePhonetic(_ rule: RuleSpec, into diagnostics: inout [Diagnostic]) -> (match: Regex, unless: Regex?)? {
        let severity: DiagnosticSeverity = rule.phoneticLocation != nil ? .error : .warning
        let written = Normalizer.simplifyHan(in: rule.match.value)
        let converted: PhoneticPattern
        do throws(PhoneticPatternError) {
            converted = try PhoneticPattern(converting: written)
        } catch {
            diagnostics.append(Diagnostic(.phoneticUnconvertible, severity, at: rule.match.location,
                                          "`match` of phonetic rule \(rule.id) has no pinyin form: \(error.message) at offset \(error.offset)",
                                          hint: PatternLint.caret(written, byteOffset: error.offset)
                                              + " (rewrite that part, or take `phonetic: true` off the rule or its lexicon)", rule: rule.id))
            return nil
        }
        guard converted.minSyllables >= PhoneticPattern.minimumSyllables else {
            diagnostics.append(Diagnostic(.phoneticTooShort, severity, at: rule.phoneticLocation ?? rule.match.location,
                                          "phonetic rule \(rule.id) can match with \(converted.minSyllables) Han syllable\(converted.minSyllables == 1 ? "" : "s") of its own; "
                                              + "a sound-alike of a term that short is found in ordinary words",
                                          hint: "require the words around the term (at least \(PhoneticPattern.minimumSyllables) syllables in every match), "
                                              + "or set `phonetic: false` on the rule", rule: rule.id))
            return nil
        }
        let at = Located(converted.pattern, at: rule.match.location)
        guard let match = compilePattern(at, what: "pinyin form of `match` of rule \(rule.id)", rule: rule.id, into: &diagnostics) else { return nil }
        let unless = rule.phoneticPatterns.unless.flatMap { try? Regex($0, jit: .onFirstMatch) }
        return (match, unless)
    }

    static func compilePattern(_ pattern: Located<String>, rule: String, key: String, into diagnostics: inout [Diagnostic]) -> Regex? {
        compilePattern(pattern, what: "`\(key)` of rule \(rule)", rule: rule, into: &diagnostics)
    }

    /// Compiles a pattern (Han simplified) for JIT on first match; `what` names it in messages
    /// ("`match` of rule zh.x", "lexicon `guard.warning`").
    static func compilePattern(_ pattern: Located<String>, what: String, rule: String?, into diagnostics: inout [Diagnostic]) -> Regex? {
        if let literal = PatternLint.unreachableLiteral(in: pattern.value) {
            diagnostics.append(Diagnostic(.unreachableLiteral, .warning, at: pattern.location,
                                          "\(what) contains `\(literal)`, which normalized text never contains",
                                          hint: "text is lowercased before matching: write Latin letters in lowercase", rule: rule))
        }
        do {
            // JIT on first match: behind the prefilter most rules see no text in a short run.
            return try Regex(Normalizer.simplifyHan(in: pattern.value), jit: .onFirstMatch)
        } catch {
            let offset = error.offset ?? 0
            diagnostics.append(Diagnostic(.badRegex, at: pattern.location,
                                          "\(what) does not compile: \(error.message) at offset \(offset)",
                                          hint: PatternLint.caret(pattern.value, byteOffset: offset), rule: rule))
            return nil
        }
    }

    /// Each pack's score on `hits`, by pack index: the sum, over the distinct signals of the
    /// pack's rules that hit, of the highest score among that signal's rules (two rules for one
    /// signal do not add up). The one definition the Assessor fires on and the Scanner's
    /// phonetic gate asks about. Packs with no hit score 0.
    public func packScores<C: Collection>(_ hits: C) -> [Int] where C.Element == Hit {
        var scores = [Int](repeating: 0, count: packs.count)
        guard !hits.isEmpty else { return scores }
        // Few hits per unit: a linear list of (pack, signal, best) beats hashing.
        var best: [(pack: Int, signal: String, score: Int)] = []
        for hit in hits {
            let rule = rules[hit.rule]
            if let k = best.firstIndex(where: { $0.pack == rule.packIndex && $0.signal == rule.signal }) {
                best[k].score = max(best[k].score, rule.score)
            } else {
                best.append((rule.packIndex, rule.signal, rule.score))
            }
        }
        for entry in best { scores[entry.pack] += entry.score }
        return scores
    }
}

/// The prefilter of the packs being compiled, built on another core while the caller compiles
/// their patterns with PCRE2 (the two take about as long). Joined before `compile` returns:
/// nothing runs after it.
final class PrefilterBuild: @unchecked Sendable {
    private var built: Prefilter?
    private let input: (patterns: [String], stated: [[String]], unless: [String?])
    private let group = DispatchGroup()

    init(patterns: [String], stated: [[String]], unless: [String?], literals: LiteralTable) {
        input = (patterns, stated, unless)
        group.enter()
        DispatchQueue.global().async { [self] in
            built = PrefilterBuild.build(patterns: patterns, stated: stated, unless: unless, literals: literals)
            group.leave()
        }
    }

    deinit { group.wait() }

    /// The prefilter, when it was built for exactly these rules (waiting for it); nil otherwise.
    func result(patterns: [String], stated: [[String]], unless: [String?]) -> Prefilter? {
        group.wait()
        return input.patterns == patterns && input.stated == stated && input.unless == unless ? built : nil
    }

    /// The prefilter of these rules, from the packs' literal tables, the rest extracted.
    static func build(patterns: [String], stated: [[String]], unless: [String?], literals: LiteralTable) -> Prefilter {
        Prefilter(patterns: patterns, stated: stated, unless: unless,
                  literals: LiteralTable.completing(literals, with: patterns + unless.compactMap { $0 }))
    }
}

/// The models of the packs being compiled, parsed on other cores while PCRE2 compiles rules.
///
/// Each slot is written by one task, and read only after `group.wait()`.
final class ModelParses: @unchecked Sendable {
    private let results: UnsafeMutableBufferPointer<Result<ScoringModel, ModelFormatError>?>
    private let group = DispatchGroup()

    /// - Parameter contents: each pack's model file text, nil for a pack without one.
    init(_ contents: [String?]) {
        results = .allocate(capacity: max(1, contents.count))
        results.initialize(repeating: nil)
        for (i, text) in contents.enumerated() {
            guard let text else { continue }
            group.enter()
            DispatchQueue.global().async { [self] in
                let result: Result<ScoringModel, ModelFormatError>
                do throws(ModelFormatError) { result = .success(try ScoringModel(parsing: text)) } catch { result = .failure(error) }
                results[i] = result
                group.leave()
            }
        }
    }

    deinit {
        group.wait()
        _ = results.deinitialize()
        results.deallocate()
    }

    /// The parse of pack `i`'s model (waiting for it), nil when the pack has none.
    func result(_ i: Int) -> Result<ScoringModel, ModelFormatError>? {
        group.wait()
        return results[i]
    }
}
