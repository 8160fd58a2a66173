/// Turns the hits of one unit (a message, or all segments of one call) into at most one alert.
///
/// Per pack: the score is the sum, over distinct signals, of the highest score among the hits
/// of that signal (two rules for one signal do not add up). A pack fires when its score reaches
/// its threshold (or `minScore` when set). Severity: `medium` from the threshold, `high` from
/// 1.5x, `critical` from 2.5x. When several packs fire on one unit, the one with the highest
/// severity (then score) names the alert and the hits of every pack are its evidence: one
/// finding, one alert.
public struct Assessor: Sendable {
    public let ruleSet: RuleSet
    /// Overrides every pack's threshold when set.
    public let minScore: Int?

    public init(ruleSet: RuleSet, minScore: Int? = nil) {
        self.ruleSet = ruleSet
        self.minScore = minScore
    }

    /// Facts about the unit that alerts carry.
    public struct Unit: Sendable {
        public var subject: String?
        public var source: SourcePosition
        public var recordID: String?
        public var channel: String?
        public var lang: String
        public init(subject: String?, source: SourcePosition, recordID: String?, channel: String?, lang: String) {
            self.subject = subject
            self.source = source
            self.recordID = recordID
            self.channel = channel
            self.lang = lang
        }
    }

    public func alerts(for hits: [Hit], in unit: Unit) -> [Alert] {
        guard !hits.isEmpty else { return [] }
        var best: (pack: CompiledPack, score: Int, threshold: Int, severity: Severity)?
        var fired: [(pack: CompiledPack, score: Int, threshold: Int, severity: Severity)] = []
        for (packIndex, pack) in ruleSet.packs.enumerated() {
            var bySignal: [String: Int] = [:]
            for hit in hits where ruleSet.rules[hit.rule].packIndex == packIndex {
                let rule = ruleSet.rules[hit.rule]
                bySignal[rule.signal] = max(bySignal[rule.signal] ?? 0, rule.score)
            }
            let score = bySignal.values.reduce(0, +)
            let threshold = minScore ?? pack.manifest.threshold
            guard score > 0, score >= threshold else { continue }
            let severity = Assessor.severity(score: score, threshold: threshold)
            fired.append((pack, score, threshold, severity))
            if let current = best, (current.severity, current.score) >= (severity, score) { continue }
            best = (pack, score, threshold, severity)
        }
        guard let best else { return [] }
        var alert = makeAlert(hits, pack: best.pack, score: best.score, threshold: best.threshold, severity: best.severity, unit: unit)
        alert.otherPacks = fired.filter { $0.pack.manifest.name != best.pack.manifest.name }
            .map { Alert.PackScore(pack: $0.pack.manifest.label, score: $0.score, threshold: $0.threshold) }
        return [alert]
    }

    static func severity(score: Int, threshold: Int) -> Severity {
        score * 2 >= threshold * 5 ? .critical : (score * 2 >= threshold * 3 ? .high : .medium)
    }

    private func makeAlert(_ hits: [Hit], pack: CompiledPack, score: Int, threshold: Int, severity: Severity, unit: Unit) -> Alert {
        // One piece of evidence per rule (its first hit), in the order they occur: by line, then
        // by record (hits arrive in record order, and several segments of a one-line JSON
        // transcript share a line), then by position in the record. Two packs may carry rules
        // for the same thing: each keeps its own line, so every rule that matched, the named
        // one included, is visible.
        var seen = Set<Int>()
        var ordinal = 0
        var keyed: [(line: Int, record: Int, start: Int, rule: Int, hit: Hit)] = []
        keyed.reserveCapacity(hits.count)
        for (i, hit) in hits.enumerated() {
            if i > 0, hit.recordID != hits[i - 1].recordID || hit.source != hits[i - 1].source || hit.time != hits[i - 1].time { ordinal += 1 }
            keyed.append((hit.source.line, ordinal, hit.span.lowerBound, hit.rule, hit))
        }
        let ordered = keyed.sorted { ($0.line, $0.record, $0.start, $0.rule) < ($1.line, $1.record, $1.start, $1.rule) }
            .map(\.hit)
            .filter { seen.insert($0.rule).inserted }
        // The alert is named after the top rule of the pack that fired.
        // (From all hits: the dedup above may have kept another pack's copy of a hit.)
        let top = hits.filter { ruleSet.packs[ruleSet.rules[$0.rule].packIndex].manifest.name == pack.manifest.name }
            .max { a, b in
            let ra = ruleSet.rules[a.rule], rb = ruleSet.rules[b.rule]
            return ra.score != rb.score ? ra.score < rb.score : a.rule > b.rule
        }!
        let rule = ruleSet.rules[top.rule]
        let evidence = ordered.map { hit in
            let r = ruleSet.rules[hit.rule]
            return Evidence(source: hit.source, time: hit.time, signal: r.signal, rule: r.id, excerpt: hit.excerpt,
                            span: hit.span, speaker: hit.speaker, recordID: hit.recordID)
        }
        let advice = Assessor.pick(rule.advice, lang: unit.lang) ?? Assessor.pick(pack.manifest.advice, lang: unit.lang)
        var tags: [String] = []
        for hit in ordered { for tag in ruleSet.rules[hit.rule].tags where !tags.contains(tag) { tags.append(tag) } }
        let times = ordered.compactMap(\.time)
        return Alert(time: times.max(), alertID: Assessor.alertID(pack: pack.manifest.name, unit: unit, evidence: evidence),
                     subject: unit.subject, kind: .rule, id: rule.id, title: rule.title, severity: severity, score: score,
                     threshold: threshold, advice: advice, evidence: evidence, pack: pack.manifest.label,
                     source: unit.source, recordID: unit.recordID, channel: unit.channel, lang: unit.lang, tags: tags)
    }

    /// Advice in the unit's language, else English, else any.
    static func pick(_ advice: [String: String], lang: String) -> String? {
        advice[lang] ?? advice["en"] ?? advice.sorted { $0.key < $1.key }.first?.value
    }

    /// A stable id: FNV-1a over what identifies the finding (pack, subject, where, what matched).
    static func alertID(pack: String, unit: Unit, evidence: [Evidence]) -> String {
        var hash = StableHash()
        hash.add("rule"); hash.add(pack); hash.add(unit.subject ?? ""); hash.add(unit.source.description)
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
    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
