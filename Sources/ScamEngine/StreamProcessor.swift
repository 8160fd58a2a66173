/// The live pipeline: one record in, the alerts it causes out, at once.
///
/// Each record is scored on its own (a message alert when it reaches a pack's threshold) and
/// its signals advance the flows of its subject. Used by `scamflow stream` and by the sequence
/// fixtures of packs, so fixtures test exactly what runs live. Not thread-safe: one per stream.
public final class StreamProcessor {
    public private(set) var ruleSet: RuleSet
    public let engine: FlowEngine
    private var scanner: Scanner
    private var assessor: Assessor
    private var extractor: SignalExtractor
    private let minScore: Int?
    /// Counters.
    public private(set) var records = 0
    public private(set) var failures: [RuleFailure] = []

    public init(ruleSet: RuleSet, minScore: Int? = nil, config: FlowConfig = FlowConfig()) {
        self.ruleSet = ruleSet
        self.minScore = minScore
        scanner = Scanner(ruleSet: ruleSet)
        assessor = Assessor(ruleSet: ruleSet, minScore: minScore)
        extractor = SignalExtractor(ruleSet: ruleSet)
        engine = FlowEngine(flows: ruleSet.flows, config: config)
    }

    /// Swaps in new packs, keeping the flow state of flows that still exist.
    public func reload(_ newRuleSet: RuleSet) {
        ruleSet = newRuleSet
        scanner = Scanner(ruleSet: newRuleSet)
        assessor = Assessor(ruleSet: newRuleSet, minScore: minScore)
        extractor = SignalExtractor(ruleSet: newRuleSet)
        engine.reload(flows: newRuleSet.flows)
    }

    /// Processes one record. Undated records happen "now": at the latest event time seen, or at
    /// `fallbackTime` (the wall clock, for a live stream) when nothing has been seen yet.
    public func process(_ record: Record, fallbackTime: Int64 = 0) -> (alerts: [Alert], late: Int) {
        records += 1
        var hits: [Hit] = []
        let lang = scanner.scan(record, hits: &hits, failures: &failures)
        var alerts: [Alert] = []
        if !hits.isEmpty {
            let unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id, channel: record.channel, lang: lang)
            alerts += assessor.alerts(for: hits, in: unit)
        }
        guard !ruleSet.flows.isEmpty, !hits.isEmpty || record.event != nil else { return (alerts, 0) }
        let time = record.time ?? (engine.now == Int64.min ? fallbackTime : engine.now)
        var late = 0
        for occurrence in extractor.signals(for: record, hits: hits, lang: lang, time: time, wanted: engine.listens(to:)) {
            for action in engine.handle(occurrence) {
                switch action {
                case .alert(var alert):
                    alert.pack = packLabel(ofFlow: alert.id)
                    if alert.channel == nil { alert.channel = record.channel }
                    alerts.append(alert)
                case .late: late += 1
                case .evicted: break
                }
            }
        }
        return (alerts, late)
    }

    func packLabel(ofFlow id: String) -> String {
        guard let flow = ruleSet.flows.first(where: { $0.id == id }) else { return "" }
        return ruleSet.packs[flow.packIndex].manifest.label
    }
}
