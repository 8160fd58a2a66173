/// Scans a stream of records in order and returns alerts as units complete.
///
/// A unit is one record, or the consecutive records that share a `conversation` (the segments
/// of one call), whose hits are scored together. Alerts come out in input order.
public final class MessageScan {
    public let scanner: Scanner
    public var assessor: Assessor

    /// Counters for the summary.
    public private(set) var records = 0
    public private(set) var units = 0
    public private(set) var textBytes = 0
    /// Rules that failed on a record (match limit, ...), in order.
    public private(set) var failures: [RuleFailure] = []
    /// Rule alerts the model set aside and that were not returned (see `Assessor.keepsInfo`).
    public private(set) var setAside = 0

    /// The unit being gathered: a conversation's segments so far.
    private var pending: (conversation: String, unit: PendingUnit)?
    /// Flow signals collected for `flowAlerts()` (only when the rule set has flows).
    private var signals: [SignalOccurrence] = []
    private let extractor: SignalExtractor
    private var lastTime: [String: Int64] = [:]
    /// Whether to collect flow signals.
    public var flowsEnabled: Bool
    /// Whether a flow waits for `model.scam_likely`.
    private let modelSignalWanted: Bool

    /// What a unit holds until it is assessed. With a model, its flow signals wait too: a unit
    /// the model sets aside (a retelling, a warning) feeds no flow.
    struct PendingUnit {
        var unit: Assessor.Unit
        var hits: [Hit] = []
        var guarded: [Int32] = []
        var model: ModelInput?
        /// Flow signals, each with whether it came from a text hit.
        var signals: [(occurrence: SignalOccurrence, text: Bool)] = []
        var lastTime: Int64 = 0
        var subject = ""
    }

    public init(ruleSet: RuleSet, minScore: Int? = nil, flows: Bool = true) {
        scanner = Scanner(ruleSet: ruleSet)
        assessor = Assessor(ruleSet: ruleSet, minScore: minScore)
        extractor = SignalExtractor(ruleSet: ruleSet)
        flowsEnabled = flows && !ruleSet.flows.isEmpty
        modelSignalWanted = ruleSet.flows.contains { $0.steps.contains { $0.signals.contains(Assessor.modelSignal) } }
    }

    /// Adds a record; returns the alerts of any unit it completes (possibly its own).
    public func add(_ record: Record) -> [Alert] {
        add(record, scanned: scanner.scan(record))
    }

    /// Adds a record whose rules another `Scanner` (on another thread, say) already ran:
    /// records must still be added in input order.
    public func add(_ record: Record, scanned: ScannedRecord) -> [Alert] {
        records += 1
        textBytes += record.text?.utf8.count ?? 0
        var out: [Alert] = []
        if let current = pending, current.conversation != record.conversation {
            out += flush()
        }
        let lang = scanned.lang
        failures += scanned.failures
        var current = pending?.unit ?? PendingUnit(unit: MessageScan.unit(of: record, lang: lang))
        MessageScan.gather(record, scanned, into: &current)
        if flowsEnabled { collectSignals(record, hits: scanned.hits, lang: lang, into: &current) }
        if let conversation = record.conversation {
            pending = (conversation, current)
            return out
        }
        units += 1
        // (A record without a conversation is a unit of its own: `pending` was flushed above.)
        return out + complete(current, assessed: scanned.assessment)
    }

    /// Assesses the unit of a record that is one by itself (no `conversation`) where it was
    /// scanned, on a worker thread of `ParallelScanner`, so the ordered thread that `add` runs
    /// on only writes the alerts: it parsed, delivered and assessed while the workers waited
    /// for it. `add` then uses `scanned.assessment` as it is.
    ///
    /// Invariant: `assessor` is the `assessor` of the `MessageScan` the record is added to, with
    /// the same settings (assessing is a pure function of the unit and those), so the alerts are
    /// the ones `add` would compute.
    public static func preassess(_ record: Record, _ scanned: inout ScannedRecord, with assessor: Assessor) {
        guard record.conversation == nil else { return }
        var unit = PendingUnit(unit: unit(of: record, lang: scanned.lang))
        gather(record, scanned, into: &unit)
        scanned.assessment = assessor.assess(unit.hits, guarded: unit.guarded, model: unit.model, in: unit.unit)
    }

    /// The unit a record starts.
    static func unit(of record: Record, lang: String) -> Assessor.Unit {
        Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id, channel: record.channel, lang: lang)
    }

    /// Adds a record's scan to the unit it belongs to (all but the flow signals).
    static func gather(_ record: Record, _ scanned: ScannedRecord, into current: inout PendingUnit) {
        if scanned.lang == "zh" { current.unit.lang = "zh" }  // a conversation is Chinese when any of its segments is
        if current.unit.peer == nil { current.unit.peer = record.peer }
        current.hits += scanned.hits
        current.guarded += scanned.guarded
        if let input = scanned.model {
            if current.model == nil { current.model = input } else { current.model!.merge(input) }
            if let text = record.text {
                current.unit.segments.append(ModelExplainer.Segment(text: text, source: record.source, time: record.time,
                                                                    utcOffset: record.utcOffset, speaker: record.speaker,
                                                                    recordID: record.id))
            }
        }
    }
    /// Ends the input: returns the alerts of the conversation in progress, if any.
    public func finish() -> [Alert] { flush() }

    /// Runs the flows over every signal collected, grouped by subject and ordered by time (then
    /// input order), and returns the flow alerts. Call once, after the last `finish()`.
    ///
    /// A scan looks back at finished history, so each flow attempt is reported once, at the
    /// furthest step it reached (a live stream reports every step as it happens).
    public func flowAlerts(config: FlowConfig = FlowConfig()) -> [Alert] {
        guard flowsEnabled else { return [] }
        let engine = FlowEngine(flows: scanner.ruleSet.flows, config: config, values: scanner.ruleSet.values)
        var alerts: [Alert] = []
        // Where each attempt's alert is: a later step of the attempt replaces it in place
        // (looking it up among all alerts so far was quadratic: a tenth of a large scan's
        // flows).
        var byAttempt: [String?: Int] = [:]
        for index in MessageScan.order(signals) {
            for action in engine.handle(signals[index]) {
                if case .alert(let alert) = action {
                    if let earlier = byAttempt[alert.attemptID] {
                        alerts[earlier] = alert
                    } else {
                        byAttempt[alert.attemptID] = alerts.count
                        alerts.append(alert)
                    }
                }
            }
        }
        signals.removeAll()
        return alerts
    }

    /// The indices of `signals` by subject, then time, then input order.
    ///
    /// Subjects are ranked once (in `String` order, so equal subjects share a rank) and the sort
    /// compares integers: comparing the strings in every step of the sort took a third of the
    /// flows' time on a large scan. The order is total (input order breaks ties), so it is the
    /// same whichever way it is computed.
    static func order(_ signals: [SignalOccurrence]) -> [Int] {
        var rank: [String: Int] = [:]
        for occurrence in signals { rank[occurrence.subject] = 0 }
        for (i, subject) in rank.keys.sorted().enumerated() { rank[subject] = i }
        let keys = signals.map { (subject: rank[$0.subject]!, time: $0.time) }
        return keys.indices.sorted { a, b in (keys[a].subject, keys[a].time, a) < (keys[b].subject, keys[b].time, b) }
    }

    /// Undated records take the time of the subject's previous record (or 0), so a dialogue in
    /// one record, or undated lines of one conversation, advance flows in input order.
    private func collectSignals(_ record: Record, hits: [Hit], lang: String, into unit: inout PendingUnit) {
        let subject = SignalExtractor.subject(of: record)
        guard !hits.isEmpty || record.event != nil || (modelSignalWanted && record.text != nil) else { return }
        let time = record.time ?? lastTime[subject] ?? 0
        lastTime[subject] = time
        unit.lastTime = time
        unit.subject = subject
        let found = extractor.signals(for: record, hits: hits, lang: lang, time: time)
        if scanner.ruleSet.model == nil { signals += found; return }
        // The extractor gives one signal per text hit first, then the event's.
        for (i, occurrence) in found.enumerated() { unit.signals.append((occurrence, i < hits.count)) }
    }

    /// Assesses a finished unit and releases its flow signals (unless the model set it aside).
    private func complete(_ unit: PendingUnit, assessed: Assessor.Assessment? = nil) -> [Alert] {
        let assessment = assessed ?? assessor.assess(unit.hits, guarded: unit.guarded, model: unit.model, in: unit.unit)
        if assessment.setAside { setAside += 1 }
        guard flowsEnabled, scanner.ruleSet.model != nil else { return assessment.alerts }
        // Event signals always count; text hits of a retelling or warning do not.
        for (occurrence, text) in unit.signals where !(text && assessment.demoted) { signals.append(occurrence) }
        if assessment.scamLikely, modelSignalWanted, let p = assessment.probability {
            let evidence = Evidence(source: unit.unit.source, time: unit.unit.segments.last?.time,
                                    utcOffset: unit.unit.segments.last?.utcOffset, signal: Assessor.modelSignal,
                                    rule: Assessor.modelAlertID, excerpt: "p=\(Assessor.rounded(p))", span: 0..<0,
                                    speaker: nil, recordID: unit.unit.recordID)
            signals.append(SignalOccurrence(subject: unit.subject, signal: Assessor.modelSignal, time: unit.lastTime,
                                            evidence: evidence, lang: unit.unit.lang))
        }
        return assessment.alerts
    }

    private func flush() -> [Alert] {
        guard let current = pending else { return [] }
        pending = nil
        units += 1
        return complete(current.unit)
    }
}
