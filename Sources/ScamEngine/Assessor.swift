import ScamPacks

/// Turns the hits of one unit (a message, or all segments of one call) into at most one alert.
///
/// Per pack: the score is the sum, over distinct signals, of the highest score among the hits
/// of that signal (two rules for one signal do not add up). A pack fires when its score reaches
/// its threshold (or `minScore` when set). Severity: `medium` from the threshold, `high` from
/// 1.5x, `critical` from 2.5x. When several packs fire on one unit, the one with the highest
/// severity (then score) names the alert and the hits of every pack are its evidence: one
/// finding, one alert.
///
/// When the rule set has a model, the model scores the unit too and its pack's fusion rule
/// decides with the rules (`CompiledModel.decide`): it may raise an alert the rules did not
/// (kind `model`), raise a rule alert's severity, or set a rule alert aside as an `info`
/// finding; the alert says which, with the n-grams that weighed most as evidence.
public struct Assessor: Sendable {
    public let ruleSet: RuleSet
    /// Overrides every pack's threshold when set.
    public let minScore: Int?
    /// Whether the model is used (off: the rules alone, as `eval --scorer rules` measures).
    public var usesModel = true
    /// Whether the model alone decides (`eval --scorer model`): a unit is flagged when its
    /// probability reaches the model's threshold, whatever the rules say.
    public var modelAlone = false
    /// Whether findings the model set aside are returned (severity `info`) or dropped.
    public var keepsInfo = false
    private let explainer: ModelExplainer?

    public init(ruleSet: RuleSet, minScore: Int? = nil) {
        self.ruleSet = ruleSet
        self.minScore = minScore
        explainer = ruleSet.model == nil ? nil : ModelExplainer()
    }

    /// Facts about the unit that alerts carry.
    public struct Unit: Sendable {
        public var subject: String?
        public var source: SourcePosition
        public var recordID: String?
        public var channel: String?
        public var lang: String
        /// The peer of the unit's first record that names one.
        public var peer: String?
        /// The unit's texts, for explaining the model's verdict (empty without a model).
        public var segments: [ModelExplainer.Segment] = []
        public init(subject: String?, source: SourcePosition, recordID: String?, channel: String?, lang: String) {
            self.subject = subject
            self.source = source
            self.recordID = recordID
            self.channel = channel
            self.lang = lang
        }
    }

    /// What assessing a unit gave: its alert, if any, and the model's view of it.
    public struct Assessment: Sendable {
        public var alerts: [Alert] = []
        /// The model's probability, when a model scored the unit.
        public var probability: Double?
        /// The model set the unit's hits aside (a retelling, a warning): they feed no flow.
        /// Only a `demote` line that names a cue sets this: a unit the model merely finds
        /// ordinary still feeds flows, which see what one message cannot (a real bank's notice
        /// and a scammer's copy of it read alike; who sends what next tells them apart).
        public var demoted = false
        /// The model's probability reached its threshold: the unit emits `model.scam_likely`.
        public var scamLikely = false
        /// What the fusion rule did, when a model scored the unit.
        public var effect: ModelOpinion.Effect?
        /// A rule alert the model set aside and that was not returned (no `keepsInfo`).
        public var setAside = false
    }

    public func alerts(for hits: [Hit], in unit: Unit) -> [Alert] {
        assess(hits, guarded: [], model: nil, in: unit).alerts
    }

    /// Scores a unit: its hits, the rules dropped by their `unless` (`guarded`), and what the
    /// model needs of its text (`model`, nil when the rule set has no model or the unit no text).
    public func assess(_ hits: [Hit], guarded: [Int32], model input: ModelInput?, in unit: Unit) -> Assessment {
        var result = Assessment()
        var best: (pack: CompiledPack, score: Int, threshold: Int, severity: Severity)?
        var fired: [(pack: CompiledPack, score: Int, threshold: Int, severity: Severity)] = []
        // The model's rule-score feature reads each pack's own threshold, as in training, so
        // `--min-score` changes which rule alerts fire, never the model's probability.
        var ratio: Double = 0
        for (packIndex, score, threshold) in packScores(hits) {
            ratio = max(ratio, Double(score) / Double(max(1, ruleSet.packs[packIndex].manifest.threshold)))
            guard score > 0, score >= threshold else { continue }
            let pack = ruleSet.packs[packIndex]
            let severity = Assessor.severity(score: score, threshold: threshold)
            fired.append((pack, score, threshold, severity))
            if let current = best, (current.severity, current.score) >= (severity, score) { continue }
            best = (pack, score, threshold, severity)
        }
        var alert: Alert?
        if let best {
            alert = makeAlert(hits, pack: best.pack, score: best.score, threshold: best.threshold, severity: best.severity, unit: unit)
            alert!.otherPacks = fired.filter { $0.pack.manifest.name != best.pack.manifest.name }
                .map { Alert.PackScore(pack: $0.pack.manifest.label, score: $0.score, threshold: $0.threshold) }
        }
        if usesModel, let compiled = ruleSet.model, let input {
            alert = fuse(compiled, input: input, hits: hits, guarded: guarded, ratio: ratio, ruleAlert: alert, unit: unit, into: &result)
        }
        if let alert {
            if alert.severity > .info || keepsInfo { result.alerts.append(alert) } else { result.setAside = true }
        }
        return result
    }

    /// Each pack's score on the hits and its threshold, in pack order (packs with no hit score 0).
    private func packScores(_ hits: [Hit]) -> [(pack: Int, score: Int, threshold: Int)] {
        guard !hits.isEmpty else { return [] }
        return ruleSet.packScores(hits).enumerated().map { packIndex, score in
            (packIndex, score, minScore ?? ruleSet.packs[packIndex].manifest.threshold)
        }
    }

    /// The model's feature vector of a unit (exactly what `assess` scores) and the facts the
    /// fusion rule tests (with the probability left 0), for training.
    public func modelVector(_ hits: [Hit], guarded: [Int32], input: ModelInput) -> (vector: ModelFeatures.Vector, facts: FusionFacts) {
        let ratio = packScores(hits).map { Double($0.score) / Double(max(1, ruleSet.packs[$0.pack].manifest.threshold)) }.max() ?? 0
        let facts = FusionFacts(probability: 0, signals: Set(hits.map { ruleSet.rules[$0.rule].signal }).count,
                                guards: Set(guarded).count, ratio: ratio, cues: input.cues, reaching: input.reaching)
        return (modelVector(hits, guarded: guarded, input: input, ratio: ratio), facts)
    }

    private func modelVector(_ hits: [Hit], guarded: [Int32], input: ModelInput, ratio: Double, keys: Bool = true) -> ModelFeatures.Vector {
        let signals = hits.count < 2 ? hits.map { ruleSet.rules[$0.rule].signal } : Array(Set(hits.map { ruleSet.rules[$0.rule].signal }))
        let guardSignals = guarded.count < 2 ? guarded.map { ruleSet.rules[Int($0)].signal } : Array(Set(guarded.map { ruleSet.rules[Int($0)].signal }))
        return ModelFeatures.vector(input, signals: signals, guarded: guardSignals, ratio: ratio, keys: keys)
    }

    /// Scores the unit with the model and applies the fusion rule to the rules' alert.
    private func fuse(_ compiled: CompiledModel, input: ModelInput, hits: [Hit], guarded: [Int32], ratio: Double,
                      ruleAlert: Alert?, unit: Unit, into result: inout Assessment) -> Alert? {
        let vector = modelVector(hits, guarded: guarded, input: input, ratio: ratio, keys: false)
        // The vector with its features' keys, built again only for an alert to explain.
        func keyed() -> ModelFeatures.Vector { modelVector(hits, guarded: guarded, input: input, ratio: ratio, keys: true) }
        let signals = Set(hits.map { ruleSet.rules[$0.rule].signal })
        let p = compiled.model.file.calibration.probability(ModelFeatures.margin(vector, model: compiled.model))
        result.probability = p
        if modelAlone {
            result.scamLikely = p >= compiled.spec.threshold
            guard result.scamLikely else { return nil }
            return modelAlert(compiled, p: p, vector: keyed(), input: input, hits: hits, effect: .raised, clause: nil, unit: unit)
        }
        let facts = FusionFacts(probability: p, signals: signals.count, guards: Set(guarded).count, ratio: ratio, cues: input.cues, reaching: input.reaching)
        let (effect, clause) = compiled.decide(facts, rulesFired: ruleAlert != nil)
        result.effect = effect
        result.demoted = effect == .demoted && !(clause?.cue.isEmpty ?? true)
        result.scamLikely = p >= compiled.spec.threshold && effect != .demoted
        guard var alert = ruleAlert else {
            guard effect == .raised || effect == .raisedHigh else { return nil }
            return modelAlert(compiled, p: p, vector: keyed(), input: input, hits: hits, effect: effect, clause: clause, unit: unit)
        }
        var opinion = ModelOpinion(pack: ruleSet.packs[compiled.packIndex].manifest.label, probability: Assessor.rounded(p), effect: effect,
                                   reason: clause.map { Assessor.reason($0, cues: input.cues, model: compiled.model) }, features: [])
        switch effect {
        case .demoted:
            alert.severity = .info
            // What pulled it down: the cues and features of greatest weight (negative ones).
            opinion.features = explain(compiled, vector: keyed(), input: input, unit: unit).features
        case .escalated:
            alert.severity = Assessor.raised(alert.severity)
            let explained = explain(compiled, vector: keyed(), input: input, unit: unit)
            alert.evidence = EvidenceMerger.adding(explained.evidence, to: alert.evidence)
            opinion.features = explained.features
        case .none, .raised, .raisedHigh:
            break
        }
        alert.model = opinion
        return alert
    }

    /// An alert the model raised: named after the model, with the rule hits (below every
    /// threshold) and the weightiest n-grams as evidence.
    private func modelAlert(_ compiled: CompiledModel, p: Double, vector: ModelFeatures.Vector, input: ModelInput, hits: [Hit],
                            effect: ModelOpinion.Effect, clause: FusionClause?, unit: Unit) -> Alert {
        let pack = ruleSet.packs[compiled.packIndex]
        let explained = explain(compiled, vector: vector, input: input, unit: unit)
        let ruleEvidence = orderedEvidence(hits)
        let pieces = ruleEvidence + explained.evidence
        let evidence = EvidenceMerger.adding(explained.evidence, to: EvidenceMerger.merged(ruleEvidence))
        let topHit = hits.max { a, b in
            let ra = ruleSet.rules[a.rule], rb = ruleSet.rules[b.rule]
            return ra.score != rb.score ? ra.score < rb.score : a.rule > b.rule
        }
        let advice = topHit.flatMap { ruleSet.rules[$0.rule].advice(unit.lang, filling: $0.captures) }
            ?? Assessor.pick(compiled.spec.advice, lang: unit.lang) ?? Assessor.pick(pack.manifest.advice, lang: unit.lang)
        var tags: [String] = []
        for hit in hits { for tag in ruleSet.rules[hit.rule].tags where !tags.contains(tag) { tags.append(tag) } }
        let threshold = clause?.pAtLeast ?? compiled.spec.threshold
        let latest = Alert.latestTime(of: evidence)
        var alert = Alert(time: latest.time, utcOffset: latest.utcOffset,
                          alertID: Assessor.alertID(kind: "model", pack: pack.manifest.name, unit: unit, evidence: pieces),
                          subject: unit.subject, kind: .model, id: Assessor.modelAlertID,
                          title: Assessor.pick(compiled.spec.title, lang: unit.lang) ?? "Likely scam",
                          severity: effect == .raisedHigh ? .high : .medium,
                          score: Int((p * 100).rounded(.down)), threshold: Int((threshold * 100).rounded(.up)),
                          advice: advice, evidence: evidence, pack: pack.manifest.label, source: unit.source,
                          recordID: unit.recordID, channel: unit.channel, lang: unit.lang, tags: tags)
        alert.peer = unit.peer
        alert.model = ModelOpinion(pack: pack.manifest.label, probability: Assessor.rounded(p), effect: effect,
                                   reason: clause.map { Assessor.reason($0, cues: input.cues, model: compiled.model) }
                                       ?? "p >= \(compiled.spec.threshold) (model alone)",
                                   features: explained.features)
        return alert
    }

    /// The id of alerts the model raises.
    public static let modelAlertID = "model.scam-likely"
    /// The signal units emit when the model's probability reaches its threshold.
    public static let modelSignal = "model.scam_likely"

    private func explain(_ compiled: CompiledModel, vector: ModelFeatures.Vector, input: ModelInput, unit: Unit)
        -> (evidence: [Evidence], features: [(key: String, weight: Double)]) {
        guard let explainer else { return ([], []) }
        return explainer.explain(vector, pieces: input.top, segments: unit.segments, model: compiled.model, signal: Assessor.modelSignal,
                                 rule: Assessor.modelAlertID)
    }

    /// A probability as alerts write it: to four decimals.
    public static func rounded(_ p: Double) -> Double { (p * 10000).rounded() / 10000 }


    /// The fusion line, and the cues of the model that were found: `p < 0.5, cue reported|...;
    /// found reported, refusal`.
    static func reason(_ clause: FusionClause, cues: UInt32, model: ScoringModel) -> String {
        let found = model.cues.indices.filter { cues & (1 << UInt32($0)) != 0 }.map { model.cues[$0].name }
        return clause.summary + (found.isEmpty ? "" : "; found " + found.joined(separator: ", "))
    }

    /// One severity higher (critical stays critical).
    static func raised(_ severity: Severity) -> Severity {
        let all = Severity.allCases
        return all[min(all.count - 1, all.firstIndex(of: severity)! + 1)]
    }

    static func severity(score: Int, threshold: Int) -> Severity {
        score * 2 >= threshold * 5 ? .critical : (score * 2 >= threshold * 3 ? .high : .medium)
    }

    /// One piece of evidence per rule (its first hit), in the order they occur: by line, then
    /// by record (hits arrive in record order, and several segments of a one-line JSON
    /// transcript share a line), then by position in the record. Two packs may carry rules
    /// for the same thing: each keeps its own line, so every rule that matched is visible.
    private func orderedEvidence(_ hits: [Hit]) -> [Evidence] { orderedHits(hits).map(evidence) }

    private func evidence(_ hit: Hit) -> Evidence {
        let r = ruleSet.rules[hit.rule]
        var e = Evidence(source: hit.source, time: hit.time, utcOffset: hit.utcOffset, signal: r.signal, rule: r.id,
                         excerpt: hit.excerpt, span: hit.span, speaker: hit.speaker, recordID: hit.recordID)
        e.score = r.score
        return e
    }

    private func orderedHits(_ hits: [Hit]) -> [Hit] {
        var seen = Set<Int>()
        var ordinal = 0
        var keyed: [(line: Int, record: Int, start: Int, rule: Int, hit: Hit)] = []
        keyed.reserveCapacity(hits.count)
        for (i, hit) in hits.enumerated() {
            if i > 0, hit.recordID != hits[i - 1].recordID || hit.source != hits[i - 1].source || hit.time != hits[i - 1].time { ordinal += 1 }
            keyed.append((hit.source.line, ordinal, hit.span.lowerBound, hit.rule, hit))
        }
        return keyed.sorted { ($0.line, $0.record, $0.start, $0.rule) < ($1.line, $1.record, $1.start, $1.rule) }
            .map(\.hit)
            .filter { seen.insert($0.rule).inserted }
    }

    private func makeAlert(_ hits: [Hit], pack: CompiledPack, score: Int, threshold: Int, severity: Severity, unit: Unit) -> Alert {
        let ordered = orderedHits(hits)
        // The id covers every rule's piece (as before merging), so merging never changes it.
        let pieces = ordered.map(evidence)
        let evidence = EvidenceMerger.merged(pieces)
        // The alert is named after the top rule of the pack that fired.
        // (From all hits: the dedup above may have kept another pack's copy of a hit.)
        let top = hits.filter { ruleSet.packs[ruleSet.rules[$0.rule].packIndex].manifest.name == pack.manifest.name }
            .max { a, b in
            let ra = ruleSet.rules[a.rule], rb = ruleSet.rules[b.rule]
            return ra.score != rb.score ? ra.score < rb.score : a.rule > b.rule
        }!
        let rule = ruleSet.rules[top.rule]
        // Slots are filled from the top rule's own hit: the words of the message it matched.
        let advice = rule.advice(unit.lang, filling: top.captures) ?? Assessor.pick(pack.manifest.advice, lang: unit.lang)
        var tags: [String] = []
        for hit in ordered { for tag in ruleSet.rules[hit.rule].tags where !tags.contains(tag) { tags.append(tag) } }
        let latest = Alert.latestTime(of: evidence)
        var alert = Alert(time: latest.time, utcOffset: latest.utcOffset,
                     alertID: Assessor.alertID(pack: pack.manifest.name, unit: unit, evidence: pieces),
                     subject: unit.subject, kind: .rule, id: rule.id, title: rule.title(filling: top.captures), severity: severity, score: score,
                     threshold: threshold, advice: advice, evidence: evidence, pack: pack.manifest.label,
                     source: unit.source, recordID: unit.recordID, channel: unit.channel, lang: unit.lang, tags: tags)
        alert.peer = unit.peer
        return alert
    }

    /// Advice in the unit's language, else English, else any.
    static func pick(_ advice: [String: String], lang: String) -> String? {
        pickKey(advice, lang: lang).flatMap { advice[$0] }
    }

    /// The language `pick` takes: `lang`, else `en`, else the first in order.
    static func pickKey(_ advice: [String: String], lang: String) -> String? {
        advice[lang] != nil ? lang : advice["en"] != nil ? "en" : advice.keys.min()
    }

    /// A stable id: FNV-1a over what identifies the finding (kind, pack, subject, where, what matched).
    static func alertID(kind: String = "rule", pack: String, unit: Unit, evidence: [Evidence]) -> String {
        var hash = StableHash()
        hash.add(kind); hash.add(pack); hash.add(unit.subject ?? ""); hash.add(unit.source.description)
        for e in evidence { hash.add(e.rule); hash.add(e.source.description); hash.add("\(e.span.lowerBound)-\(e.span.upperBound)") }
        return hash.hex
    }
}

/// 64-bit FNV-1a, stable across runs and platforms (unlike `Hasher`, which is seeded per process).
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
    public mutating func add(_ string: String) { add(string.utf8) }

    public mutating func add<S: Sequence<UInt8>>(_ bytes: S) {
        var v = value
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { v = (v ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        if done == nil { for byte in bytes { v = (v ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 } }
        value = (v ^ 0xFF) &* 0x0000_0100_0000_01b3  // field separator
    }
    public var hex: String { StableHash.hex(value) }

    /// 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
