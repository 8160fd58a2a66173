/// Scans a stream of records in order and returns alerts as units complete.
///
/// A unit is one record, or the consecutive records that share a `conversation` (the segments
/// of one call), whose hits are scored together. Alerts come out in input order.
public final class MessageScan {
    public let scanner: Scanner
    public let assessor: Assessor

    /// Counters for the summary.
    public private(set) var records = 0
    public private(set) var units = 0
    public private(set) var textBytes = 0
    /// Rules that failed on a record (match limit, ...), in order.
    public private(set) var failures: [RuleFailure] = []

    private var pending: (conversation: String, unit: Assessor.Unit, hits: [Hit])?
    /// Flow signals collected for `flowAlerts()` (only when the rule set has flows).
    private var signals: [SignalOccurrence] = []
    private let extractor: SignalExtractor
    private var lastTime: [String: Int64] = [:]
    /// Whether to collect flow signals.
    public var flowsEnabled: Bool

    public init(ruleSet: RuleSet, minScore: Int? = nil, flows: Bool = true) {
        scanner = Scanner(ruleSet: ruleSet)
        assessor = Assessor(ruleSet: ruleSet, minScore: minScore)
        extractor = SignalExtractor(ruleSet: ruleSet)
        flowsEnabled = flows && !ruleSet.flows.isEmpty
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
        let hits = scanned.hits
        let lang = scanned.lang
        failures += scanned.failures
        if flowsEnabled { collectSignals(record, hits: hits, lang: lang) }
        if let conversation = record.conversation {
            if pending == nil {
                let unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id,
                                         channel: record.channel, lang: lang)
                pending = (conversation, unit, [])
            }
            // A conversation is Chinese when any of its segments is.
            if lang == "zh" { pending!.unit.lang = "zh" }
            pending!.hits += hits
            return out
        }
        units += 1
        let unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id,
                                 channel: record.channel, lang: lang)
        return out + assessor.alerts(for: hits, in: unit)
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
        let engine = FlowEngine(flows: scanner.ruleSet.flows, config: config)
        let ordered = signals.enumerated().sorted { a, b in
            (a.element.subject, a.element.time, a.offset) < (b.element.subject, b.element.time, b.offset)
        }
        var alerts: [Alert] = []
        for (_, occurrence) in ordered {
            for action in engine.handle(occurrence) {
                if case .alert(var alert) = action {
                    alert.pack = scanner.ruleSet.packs[engine.flows.first { $0.id == alert.id }?.packIndex ?? 0].manifest.label
                    if let earlier = alerts.firstIndex(where: { $0.attemptID == alert.attemptID }) {
                        alerts[earlier] = alert
                    } else {
                        alerts.append(alert)
                    }
                }
            }
        }
        signals.removeAll()
        return alerts
    }

    /// Undated records take the time of the subject's previous record (or 0), so a dialogue in
    /// one record, or undated lines of one conversation, advance flows in input order.
    private func collectSignals(_ record: Record, hits: [Hit], lang: String) {
        guard !hits.isEmpty || record.event != nil else { return }
        let subject = SignalExtractor.subject(of: record)
        let time = record.time ?? lastTime[subject] ?? 0
        lastTime[subject] = time
        signals += extractor.signals(for: record, hits: hits, lang: lang, time: time)
    }

    private func flush() -> [Alert] {
        guard let current = pending else { return [] }
        pending = nil
        units += 1
        return assessor.alerts(for: current.hits, in: current.unit)
    }
}
