import PCRE2
import ScamLiterals

/// A rule that matched a record, located in the record's original text.
public struct Hit: Sendable {
    /// Index of the rule in `RuleSet.rules`.
    public let rule: Int
    /// Byte range in the original text.
    public let span: Range<Int>
    public let excerpt: String
    public let source: SourcePosition
    public let time: Int64?
    /// The UTC offset the record's time was written with (`Record.utcOffset`).
    public let utcOffset: Int?
    public let speaker: String?
    public let recordID: String?
    /// What the named groups of the rule's `match` that its title or advice use took: the
    /// original text, trimmed, by group name. Empty for a rule without slots, and without the
    /// groups that took no part or took only spaces.
    public let captures: [String: String]
}

/// A rule that could not finish on a record (it hit the match limit, say). Reported, never
/// silently dropped: the rule is treated as not matching that record.
public struct RuleFailure: Sendable, Error {
    public let rule: String
    public let source: SourcePosition
    public let error: PCRE2Error
}

/// Runs a `RuleSet` over records. One per thread: it owns a PCRE2 matcher (match data, JIT
/// stack), a normalizer cache and prefilter scratch space; the rule set itself is shared.
///
/// Each record is normalized once; the prefilter's one pass over the normalized bytes names the
/// candidate rules, and only those run PCRE2 (a rule's `unless` runs only after its `match` hit).
/// Hits come out in rule order, exactly as if every rule had run.
///
/// Phonetic rules (`CompiledRule.phonetic`) get a second chance: when a record leaves one of
/// them unmatched (neither hit nor dropped by its `unless`) and either is a call segment
/// (channel `call`: speech-to-text writes homophones, and flows need every step of a call), or
/// no pack's threshold is reached yet and the record shows a sign worth hearing out (a rule hit
/// or a hit an `unless` dropped: a bent message keeps most of its words; or Latin letters,
/// where pinyin may be), the record's
/// phonetic view is built once and the pinyin forms of those rules run on it, behind a
/// prefilter of their own; a hit
/// there is dropped by the rule's `unless` on either text, and its span is mapped back through
/// the view to the original text like any other.
public final class Scanner {
    public let ruleSet: RuleSet
    /// The PCRE2 limits every match runs under.
    public var limits: Matcher.Limits { matcher.limits }
    private let matcher: Matcher
    private let normalizer: Normalizer
    private let scratch: Prefilter.Scratch
    private let prefilter: Prefilter
    private let runtime: [RuleRuntime]
    /// Every rule index, for scanning without the prefilter.
    private let allRules: UnsafeBufferPointer<Int32>
    /// Excerpts longer than this are cut (with an ellipsis): alerts carry proof, not messages.
    public var maxExcerptScalars = 120
    /// Whether to run only the prefilter's candidate rules (the default). Off, every rule runs
    /// on every record: the reference the prefilter is tested against, and a benchmark baseline.
    public var usesPrefilter = true
    /// Rules that ran PCRE2, over all records scanned (for profiling the prefilter).
    public private(set) var rulesRun = 0
    /// The cues of the model whose input `scan` collects: the rule set's model's, nil (no model
    /// input at all) when it has none. Training sets the cues of the model it builds.
    public var modelCues: [ScoringModel.Cue]? {
        didSet {
            cuesPrefiltered = modelCues.map { $0.map(\.regex.pattern) } == ruleSet.prefilterCues && !ruleSet.prefilterCues.isEmpty
            cueFinder = modelCues.map(CueFinder.init)
        }
    }
    /// Runs `modelCues` where their matches can start.
    private var cueFinder: CueFinder?
    /// Whether the prefilter covers `modelCues` (the rule set's own model), so a cue runs only
    /// where its literals are.
    private var cuesPrefiltered = false
    /// Scratch set for the distinct n-grams of one record.
    private let featureSet = FeatureSet()
    /// Scratch bits over the model's weight table (see `ModelSlots`).
    private let slotBits: SlotBits?
    /// Prefilter candidates from here on are the model's cues (see `RuleSet.prefilterCues`).
    private let cueBase: Int
    /// Scratch space of the phonetic rules' prefilter (nil without phonetic rules).
    private let phoneticScratch: Prefilter.Scratch?
    /// Every phonetic candidate number, for scanning without the prefilter.
    private let allPhonetic: [Int32]

    /// What the hot loop needs of a rule, without copying the whole `CompiledRule`.
    private struct RuleRuntime {
        let match: Regex
        let unless: Regex?
        let channels: [String]
        let languages: [String]
        /// The groups its slots read; empty for nearly every rule, which then matches with
        /// no capture at all.
        let slotGroups: [(name: String, numbers: [Int])]
        let phonetic: Regex?
        let phoneticUnless: Regex?
        /// The rule's pack's `verdict`.
        let verdict: Regex?
        let pack: Int
    }

    public init(ruleSet: RuleSet, limits: Matcher.Limits = .default) {
        self.ruleSet = ruleSet
        matcher = Matcher(limits: limits)
        normalizer = Normalizer()
        scratch = Prefilter.Scratch(for: ruleSet.prefilter)
        prefilter = ruleSet.prefilter
        runtime = ruleSet.rules.map {
            RuleRuntime(match: $0.match, unless: $0.unless, channels: $0.channels, languages: $0.languages, slotGroups: $0.slots?.groups ?? [],
                        phonetic: $0.phonetic, phoneticUnless: $0.phoneticUnless,
                        verdict: ruleSet.packs[$0.packIndex].verdict, pack: $0.packIndex)
        }
        phoneticScratch = ruleSet.phoneticPrefilter.map { Prefilter.Scratch(for: $0) }
        allPhonetic = ruleSet.phoneticRules.indices.map { Int32($0) }
        let all = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, ruleSet.rules.count))
        for i in 0..<ruleSet.rules.count { all[i] = Int32(i) }
        allRules = UnsafeBufferPointer(rebasing: all[0..<ruleSet.rules.count])
        modelCues = ruleSet.model?.model.cues
        cueBase = ruleSet.rules.count
        slotBits = ruleSet.model.map { SlotBits(count: $0.model.slotCount) }
        // (`didSet` does not run in an initializer.)
        cuesPrefiltered = !ruleSet.prefilterCues.isEmpty && modelCues.map { $0.map(\.regex.pattern) } == ruleSet.prefilterCues
        cueFinder = modelCues.map(CueFinder.init)
    }

    deinit { allRules.deallocate() }

    /// Every rule hit in `record`, in rule order, and the rules that failed on it.
    /// - Returns: the record's language (given, or detected from its text).
    @discardableResult
    public func scan(_ record: Record, hits: inout [Hit], failures: inout [RuleFailure]) -> String {
        var guarded: [Int32] = []
        var model: ModelInput?
        return scan(record, hits: &hits, failures: &failures, guarded: &guarded, model: &model)
    }

    /// Scans `record` as above, and also lists the rules whose pattern matched but whose
    /// `unless` dropped them (`guarded`), and, when the rule set has a model, what the model
    /// needs of the record's text (`model`; left nil otherwise).
    @discardableResult
    public func scan(_ record: Record, hits: inout [Hit], failures: inout [RuleFailure], guarded: inout [Int32],
                     model: inout ModelInput?) -> String {
        // A device event has no language of its own: "" lets a flow it starts speak its pack's.
        guard let text = record.text, !text.isEmpty else { return record.lang ?? "" }
        let normalized = normalizer.normalize(text)
        let language = record.lang ?? normalized.detectedLanguage
        let channel = record.channel
        let firstHit = hits.count, firstGuarded = guarded.count
        var original: [UInt8]?
        // Cues the prefilter found the literals of (all of them when it does not cover them).
        var cueCandidates: UInt32 = usesPrefilter && cuesPrefiltered ? 0 : UInt32.max
        // Whether each pack's `verdict` is in the record, asked only once a guard matched.
        var verdicts: [Int8] = []
        normalized.subject.bytes.withUnsafeBufferPointer { bytes in
            let candidates = usesPrefilter ? prefilter.candidates(in: bytes, scratch: scratch) : allRules
            for candidate in candidates {
                let index = Int(candidate)
                if index >= cueBase {
                    cueCandidates |= 1 << UInt32(index - cueBase)
                    continue
                }
                let rule = runtime[index]
                if let channel, !rule.channels.isEmpty, !rule.channels.contains(channel) { continue }
                if !rule.languages.isEmpty, !rule.languages.contains(language) { continue }
                rulesRun += 1
                do throws(PCRE2Error) {
                    // A rule with slots matches with its groups (the same overall match).
                    var groups: [Range<Int>?]?, found: Range<Int>?
                    if rule.slotGroups.isEmpty {
                        groups = nil
                        found = try matcher.firstMatch(rule.match, in: normalized.subject)
                    } else {
                        groups = try matcher.firstMatchGroups(rule.match, in: normalized.subject)
                        found = groups?.first ?? nil
                    }
                    guard var range = found else { continue }
                    if original == nil { original = Array(text.utf8) }
                    if rule.unless != nil, !usesPrefilter || prefilter.unlessMayMatch(index, scratch: scratch) {
                        guard let free = try unguarded((range, groups), of: rule, pattern: rule.match, normalized,
                                                       original: original!, verdicts: &verdicts)
                        else {
                            guarded.append(candidate)
                            continue
                        }
                        (range, groups) = free
                    }
                    let span = ExcerptBoundary.widened(normalized.originalRange(of: range), in: original!)
                    let captures = groups.map { captured($0, rule.slotGroups, normalized.originalRange(of:), original!) } ?? [:]
                    hits.append(Hit(rule: index, span: span, excerpt: excerpt(original!, span), source: record.source,
                                    time: record.time, utcOffset: record.utcOffset, speaker: record.speaker, recordID: record.id,
                                    captures: captures))
                } catch {
                    failures.append(RuleFailure(rule: ruleSet.rules[index].id, source: record.source, error: error))
                }
            }
        }
        // Speech-to-text is where homophones come from, and a call's segments feed flows one by
        // one: a call segment always gets the pass (a segment the plain words already convict
        // may still hold the sounds of the next step: 黑平 for 黑屏, 验症码 for 验证码).
        if let phoneticPrefilter = ruleSet.phoneticPrefilter, let phoneticScratch,
           record.channel == "call"
            || (!reachesAThreshold(hits[firstHit...])
                && (hits.count > firstHit || guarded.count > firstGuarded || Scanner.hasLatinLetter(normalized.subject.bytes))) {
            let added = scanPhonetic(record, text: text, normalized, language: language, prefilter: phoneticPrefilter,
                                     scratch: phoneticScratch, hits: &hits, firstHit: firstHit, failures: &failures,
                                     guarded: &guarded, firstGuarded: firstGuarded, original: &original)
            // Hits stay in rule order, as if the phonetic form were part of its rule's turn.
            if added { hits[firstHit...].sort { $0.rule < $1.rule } }
        }
        if let cues = modelCues {
            // The original bytes are read only for the record's hits (`CueReach`), and a hit
            // made them already: a record without one allocates no copy.
            model = modelInput(normalized, original: original ?? [], hits: hits[firstHit...], cues: cues, candidates: cueCandidates,
                               failures: &failures, source: record.source)
        }
        return language
    }

    /// The first match of `pattern` (a rule's `match`, or its phonetic form) from `first` on
    /// that no guard of the rule reaches, or nil when the rule's guards drop every one. The one
    /// place the scan, the phonetic pass and `matchDetail` (what `pack test` checks) ask it.
    ///
    /// The guards are the rule's `unless` on the normalized text and, for the phonetic form
    /// (`sounds`), its sound-alike `unless` on the phonetic view when `sounds.unless` says the
    /// prefilter found its literals: a warning around a sound-alike is written plainly or by
    /// sound. A guard reaches the sentences of the hit only, or the whole record when it holds
    /// the pack's `verdict` (`GuardScope`). Groups are matched when the rule has slots.
    private func unguarded(_ first: (range: Range<Int>, groups: [Range<Int>?]?), of rule: RuleRuntime, pattern: Regex,
                           _ normalized: NormalizedText,
                           sounds: (view: PhoneticText, toOriginal: (Range<Int>) -> Range<Int>, unless: Bool)? = nil,
                           original: [UInt8], verdicts: inout [Int8]) throws(PCRE2Error) -> (range: Range<Int>, groups: [Range<Int>?]?)? {
        var guards: [Range<Int>] = []
        if let unless = rule.unless {
            guards += try GuardScope.spans(of: unless, in: normalized.subject, matcher: matcher, toOriginal: normalized.originalRange(of:))
        }
        if let sounds, sounds.unless, let unless = rule.phoneticUnless {
            guards += try GuardScope.spans(of: unless, in: sounds.view.subject, matcher: matcher, toOriginal: sounds.toOriginal)
        }
        let everywhere = guards.isEmpty ? false : try verdictFound(rule, normalized.subject, &verdicts)
        return try GuardScope.firstUnguarded(first: first, match: pattern, withGroups: !rule.slotGroups.isEmpty && first.groups != nil,
                                             guards: guards, everywhere: everywhere, in: sounds?.view.subject ?? normalized.subject,
                                             matcher: matcher, toOriginal: sounds?.toOriginal ?? normalized.originalRange(of:),
                                             original: original)
    }

    /// Whether the record (its normalized `subject`) holds the `verdict` of `rule`'s pack; each
    /// pack is asked once per record (`seen`: 0 not asked, 1 no, 2 yes).
    private func verdictFound(_ rule: RuleRuntime, _ subject: Subject, _ seen: inout [Int8]) throws(PCRE2Error) -> Bool {
        guard let verdict = rule.verdict else { return false }
        if seen.isEmpty { seen = Array(repeating: 0, count: ruleSet.packs.count) }
        if seen[rule.pack] == 0 { seen[rule.pack] = try matcher.firstMatch(verdict, in: subject) != nil ? 2 : 1 }
        return seen[rule.pack] == 2
    }

    /// Whether the text has a Latin letter (pinyin may be among them).
    static func hasLatinLetter(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 >= 0x61 && $0 <= 0x7A }
    }

    /// Whether the hits already reach some pack's own threshold (the record alerts whatever
    /// else is found): the phonetic pass is then skipped. It exists to find a scam whose words
    /// were bent; on a record the plain words already convict it could only add evidence (call
    /// segments are the exception: their signals feed flows, and they get the pass anyway).
    private func reachesAThreshold(_ hits: ArraySlice<Hit>) -> Bool {
        guard !hits.isEmpty else { return false }
        return zip(ruleSet.packScores(hits), ruleSet.packs).contains { $0 >= $1.manifest.threshold }
    }

    /// Whether a phonetic rule may run on a record of this channel and language: as its rule
    /// would, and a Chinese rule also on a record that is all Latin letters with no language of
    /// its own (pinyin typed without a Han character is detected as English).
    private func phoneticApplies(_ rule: RuleRuntime, channel: String?, language: String, given: Bool, hanCount: Int) -> Bool {
        if let channel, !rule.channels.isEmpty, !rule.channels.contains(channel) { return false }
        if rule.languages.isEmpty || rule.languages.contains(language) { return true }
        return !given && hanCount == 0 && language == "en" && rule.languages.contains("zh")
    }

    /// The phonetic pass (see the type's comment): appends the hits of the phonetic rules the
    /// normal pass left unmatched, and the rules whose `unless` dropped such a hit to `guarded`.
    /// - Returns: whether a hit was added.
    private func scanPhonetic(_ record: Record, text: String, _ normalized: NormalizedText, language: String, prefilter: Prefilter,
                              scratch: Prefilter.Scratch, hits: inout [Hit], firstHit: Int, failures: inout [RuleFailure],
                              guarded: inout [Int32], firstGuarded: Int, original: inout [UInt8]?) -> Bool {
        let phoneticRules = ruleSet.phoneticRules
        // Nothing to do when every phonetic rule that applies has already been decided.
        var open = false
        for index in phoneticRules {
            let rule = runtime[Int(index)]
            guard phoneticApplies(rule, channel: record.channel, language: language, given: record.lang != nil, hanCount: normalized.hanCount)
            else { continue }
            if !hits[firstHit...].contains(where: { $0.rule == Int(index) }) && !guarded[firstGuarded...].contains(index) { open = true; break }
        }
        guard open else { return false }
        // The map back to the original is built only when something matched (most views find
        // nothing, and the map costs about a third of the view).
        let bare = PhoneticText(of: normalized, mapped: false)
        var mapped: PhoneticText?
        var added = false
        var verdicts: [Int8] = []
        bare.subject.bytes.withUnsafeBufferPointer { bytes in
            let candidates = usesPrefilter ? Array(prefilter.candidates(in: bytes, scratch: scratch)) : allPhonetic
            for candidate in candidates {
                let index = Int(phoneticRules[Int(candidate)])
                let rule = runtime[index]
                guard let phonetic = rule.phonetic,
                      phoneticApplies(rule, channel: record.channel, language: language, given: record.lang != nil, hanCount: normalized.hanCount),
                      !hits[firstHit...].contains(where: { $0.rule == index }), !guarded[firstGuarded...].contains(Int32(index))
                else { continue }
                rulesRun += 1
                do throws(PCRE2Error) {
                    var groups: [Range<Int>?]?, found: Range<Int>?
                    if rule.slotGroups.isEmpty {
                        groups = nil
                        found = try matcher.firstMatch(phonetic, in: bare.subject)
                    } else {
                        groups = try matcher.firstMatchGroups(phonetic, in: bare.subject)
                        found = groups?.first ?? nil
                    }
                    guard var range = found else { continue }
                    if original == nil { original = Array(text.utf8) }
                    if mapped == nil { mapped = PhoneticText(of: normalized) }
                    let view = mapped!
                    let viewBytes = view.subject.bytes
                    let toOriginal = { (r: Range<Int>) in view.originalRange(of: PhoneticPattern.trimmed(r, in: viewBytes)) }
                    let soundUnless = !usesPrefilter || prefilter.unlessMayMatch(Int(candidate), scratch: scratch)
                    guard let free = try unguarded((range, groups), of: rule, pattern: phonetic, normalized,
                                                   sounds: (view, toOriginal, soundUnless), original: original!, verdicts: &verdicts)
                    else {
                        guarded.append(Int32(index))
                        continue
                    }
                    (range, groups) = free
                    let span = ExcerptBoundary.widened(toOriginal(range), in: original!)
                    let captures = groups.map { captured($0, rule.slotGroups, toOriginal, original!) } ?? [:]
                    hits.append(Hit(rule: index, span: span, excerpt: excerpt(original!, span), source: record.source,
                                    time: record.time, utcOffset: record.utcOffset, speaker: record.speaker, recordID: record.id,
                                    captures: captures))
                    added = true
                } catch {
                    failures.append(RuleFailure(rule: ruleSet.rules[index].id, source: record.source, error: error))
                }
            }
        }
        return added
    }

    /// The record's n-grams, and the cues of the model with the hits they reach.
    private func modelInput(_ normalized: NormalizedText, original: [UInt8], hits: ArraySlice<Hit>, cues: [ScoringModel.Cue],
                            candidates: UInt32, failures: inout [RuleFailure], source: SourcePosition) -> ModelInput {
        var input = ModelInput()
        var top: [(hash: UInt64, range: Range<Int>, weight: Float)] = []
        if let scorer = ruleSet.model?.model, scorer.file.textScale == 0, let slotBits {
            var sink = ModelSlots(model: scorer, seen: slotBits)
            normalized.subject.bytes.withUnsafeBufferPointer { TextFeatures.extract($0, into: &sink) }
            sink.finish()
            input.slots = sink.slots
            input.textWeight = sink.weight
            top = sink.top
        } else {
            var sink = DistinctFeatures(set: featureSet, model: ruleSet.model?.model)
            normalized.subject.bytes.withUnsafeBufferPointer { TextFeatures.extract($0, into: &sink) }
            input.text = sink.hashes
            if ruleSet.model != nil { input.textWeight = sink.weight }
            top = sink.top
        }
        // The n-grams that weigh most, located in the original text, for explaining the verdict
        // without normalizing the text again.
        input.top = top.map { ModelInput.Piece(hash: $0.hash, range: normalized.originalRange(of: $0.range), weight: $0.weight) }
        guard candidates != 0, let finder = cueFinder else { return input }
        normalized.subject.bytes.withUnsafeBufferPointer { finder.locate(in: $0, wanted: candidates) }
        for (index, cue) in cues.enumerated() where candidates & (1 << UInt32(index)) != 0 {
            var spans: [Range<Int>] = []
            do {
                try finder.forEachMatch(index, cue, in: normalized.subject, matcher: matcher) { range in
                    spans.append(normalized.originalRange(of: range))
                    // A cue of the whole record needs only to be found (`CueReach`).
                    return cue.scope != .record && spans.count < 64
                }
            } catch {
                failures.append(RuleFailure(rule: "cue:\(cue.name)", source: source, error: error))
            }
            guard !spans.isEmpty else { continue }
            input.cues |= 1 << UInt32(index)
            input.context.append(ModelInput.Context(hash: cue.presence, cue: cue.name, signal: nil))
            for hit in hits where CueReach.reaches(spans, hit.span, scope: cue.scope, in: original) {
                input.reaching |= 1 << UInt32(index)
                let signal = ruleSet.rules[hit.rule].signal
                input.context.append(ModelInput.Context(hash: FeatureHash.of(cue.crossSeed, signal), cue: cue.name, signal: signal))
            }
        }
        return input
    }

    /// Whether `rule` matches `text` (after normalization, honouring `unless`): what a rule's
    /// examples are checked with.
    public func matches(rule index: Int, text: String) throws(PCRE2Error) -> Range<Int>? {
        try matchDetail(rule: index, text: text)?.range
    }

    /// As `matches(rule:text:)`, and whether only the rule's phonetic form found it (`bySound`).
    public func matchDetail(rule index: Int, text: String) throws(PCRE2Error) -> (range: Range<Int>, bySound: Bool)? {
        let rule = ruleSet.rules[index]
        let normalized = normalizer.normalize(text)
        // Examples check what a scan does: a rule the prefilter would skip does not match
        // (which is how a wrong `prefilter:` list shows up in `pack test`).
        let candidate = !usesPrefilter || normalized.subject.bytes.withUnsafeBufferPointer { bytes in
            prefilter.candidates(in: bytes, scratch: scratch).contains(Int32(index))
        }
        let original = Array(text.utf8)
        var verdicts: [Int8] = []
        if candidate, let range = try matcher.firstMatch(rule.match, in: normalized.subject) {
            guard rule.unless != nil else { return (normalized.originalRange(of: range), false) }
            guard let free = try unguarded((range, nil), of: runtime[index], pattern: rule.match, normalized,
                                           original: original, verdicts: &verdicts)
            else { return nil }
            return (normalized.originalRange(of: free.range), false)
        }
        // The phonetic pass, as `scan` runs it for a rule its normal pass left unmatched.
        guard let phonetic = rule.phonetic, let k = ruleSet.phoneticRules.firstIndex(of: Int32(index)),
              let phoneticPrefilter = ruleSet.phoneticPrefilter, let phoneticScratch else { return nil }
        let view = PhoneticText(of: normalized)
        let phoneticCandidate = !usesPrefilter || view.subject.bytes.withUnsafeBufferPointer { bytes in
            phoneticPrefilter.candidates(in: bytes, scratch: phoneticScratch).contains(Int32(k))
        }
        guard phoneticCandidate, let range = try matcher.firstMatch(phonetic, in: view.subject) else { return nil }
        let toOriginal = { (r: Range<Int>) in view.originalRange(of: PhoneticPattern.trimmed(r, in: view.subject.bytes)) }
        guard let free = try unguarded((range, nil), of: runtime[index], pattern: phonetic, normalized,
                                       sounds: (view, toOriginal, true), original: original, verdicts: &verdicts)
        else { return nil }
        return (toOriginal(free.range), true)
    }

    /// The first rule (in rule order) whose `match` pattern matches the normalized `text`, among
    /// the rules `allowed` (all when nil), ignoring `unless`, channels and languages: what
    /// `grep -f` with the same patterns counts, for benchmarks side by side with rg and
    /// pcre2grep. A rule that fails (match limit) counts as not matching.
    public func firstMatchingRule(in text: String, allowed: [Bool]? = nil) -> Int? {
        let normalized = normalizer.normalize(text)
        return normalized.subject.bytes.withUnsafeBufferPointer { bytes -> Int? in
            let candidates = usesPrefilter ? prefilter.candidates(in: bytes, scratch: scratch) : allRules
            for candidate in candidates {
                let index = Int(candidate)
                if index >= cueBase { continue }
                if let allowed, !allowed[index] { continue }
                rulesRun += 1
                if (try? matcher.firstMatch(runtime[index].match, in: normalized.subject)) != nil { return index }
            }
            return nil
        }
    }

    /// What each rule's patterns cost on one text, for `scamflow bench rules`: for every rule
    /// the prefilter lets through (every rule without it), the nanoseconds its `match` search
    /// took, plus its `unless` search when the match was found and the prefilter found the
    /// guard's literals (as a scan runs it), added to `cost[rule]`;
    /// `calls[rule]` and `matches[rule]` count. Channels, languages and the phonetic pass are
    /// left out: this times the PCRE2 work a rule author controls. The arrays have one entry a
    /// rule.
    public func profile(_ text: String, cost: inout [UInt64], calls: inout [Int], matches: inout [Int]) {
        let normalized = normalizer.normalize(text)
        normalized.subject.bytes.withUnsafeBufferPointer { bytes in
            let candidates = usesPrefilter ? Array(prefilter.candidates(in: bytes, scratch: scratch)) : Array(allRules)
            for candidate in candidates where Int(candidate) < cueBase {
                let index = Int(candidate), rule = runtime[index]
                let start = ContinuousClock.now
                let found = (try? matcher.firstMatch(rule.match, in: normalized.subject)) ?? nil
                if found != nil, let unless = rule.unless, !usesPrefilter || prefilter.unlessMayMatch(index, scratch: scratch) {
                    _ = try? matcher.firstMatch(unless, in: normalized.subject)
                }
                let took = (ContinuousClock.now - start).components
                cost[index] += UInt64(took.seconds) * 1_000_000_000 + UInt64(took.attoseconds / 1_000_000_000)
                calls[index] += 1
                if found != nil { matches[index] += 1 }
            }
        }
    }

    /// Normalized form of `text`, for `scamflow normalize` and debugging rules.
    public func normalize(_ text: String) -> String {
        String(decoding: normalizer.normalize(text).subject.bytes, as: UTF8.self)
    }

    /// The original text of each slot group that took part (the first set one of its
    /// numbers), trimmed of spaces and cut like an excerpt: a name, not a message.
    private func captured(_ groups: [Range<Int>?], _ slots: [(name: String, numbers: [Int])], _ toOriginal: (Range<Int>) -> Range<Int>,
                          _ original: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for slot in slots {
            guard let range = slot.numbers.lazy.compactMap({ $0 < groups.count ? groups[$0] : nil }).first, !range.isEmpty else { continue }
            let scalars = String(decoding: original[toOriginal(range)], as: UTF8.self).unicodeScalars
            guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
                  let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { continue }
            out[slot.name] = Evidence.cut(String(scalars[first...last]), maxScalars: Scanner.maxCaptureScalars)
        }
        return out
    }

    /// The longest text a slot shows.
    static let maxCaptureScalars = 40

    private func excerpt(_ original: [UInt8], _ span: Range<Int>) -> String {
        Evidence.cut(String(decoding: original[span], as: UTF8.self), maxScalars: maxExcerptScalars)
    }
}
