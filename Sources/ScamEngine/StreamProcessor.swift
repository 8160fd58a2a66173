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
    /// Whether findings the model set aside are returned (severity `info`).
    public var keepsInfo = false {
        didSet { assessor.keepsInfo = keepsInfo }
    }
    private var extractor: SignalExtractor
    private let minScore: Int?
    /// Counters.
    public private(set) var records = 0
    public private(set) var failures: [RuleFailure] = []
    /// Rule alerts the model set aside and that were not written (no `keepsInfo`).
    public private(set) var setAside = 0

    public init(ruleSet: RuleSet, minScore: Int? = nil, config: FlowConfig = FlowConfig()) {
        self.ruleSet = ruleSet
        self.minScore = minScore
        scanner = Scanner(ruleSet: ruleSet)
        assessor = Assessor(ruleSet: ruleSet, minScore: minScore)
        extractor = SignalExtractor(ruleSet: ruleSet)
        engine = FlowEngine(flows: ruleSet.flows, config: config, values: ruleSet.values)
    }

    /// Swaps in new packs, keeping the flow state of flows that still exist.
    public func reload(_ newRuleSet: RuleSet) {
        ruleSet = newRuleSet
        scanner = Scanner(ruleSet: newRuleSet)
        assessor = Assessor(ruleSet: newRuleSet, minScore: minScore)
        assessor.keepsInfo = keepsInfo
        extractor = SignalExtractor(ruleSet: newRuleSet)
        engine.reload(flows: newRuleSet.flows, values: newRuleSet.values)
    }

    /// Processes one record. Undated records happen "now": at the latest event time seen, or at
    /// `fallbackTime` (the wall clock, for a live stream) when nothing has been seen yet.
    public func process(_ record: Record, fallbackTime: Int64 = 0) -> (alerts: [Alert], late: Int) {
        records += 1
        var hits: [Hit] = []
        var guarded: [Int32] = []
        var input: ModelInput?
        let lang = scanner.scan(record, hits: &hits, failures: &failures, guarded: &guarded, model: &input)
        var alerts: [Alert] = []
        var assessment = Assessor.Assessment()
        if !hits.isEmpty || input != nil {
            var unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id, channel: record.channel, lang: lang)
            unit.peer = record.peer
            if input != nil, let text = record.text {
                unit.segments = [ModelExplainer.Segment(text: text, source: record.source, time: record.time, utcOffset: record.utcOffset,
                                                        speaker: record.speaker, recordID: record.id)]
            }
            assessment = assessor.assess(hits, guarded: guarded, model: input, in: unit)
            if assessment.setAside { setAside += 1 }
            alerts += assessment.alerts
        }
        let modelSignal = assessment.scamLikely && engine.listens(to: Assessor.modelSignal)
        guard !ruleSet.flows.isEmpty, !hits.isEmpty || record.event != nil || modelSignal else { return (alerts, 0) }
        let time = record.time ?? (engine.now == Int64.min ? fallbackTime : engine.now)
        var late = 0
        // A unit the model set aside (a retelling, a warning) feeds no flow with its text hits.
        var occurrences = extractor.signals(for: record, hits: assessment.demoted ? [] : hits, lang: lang, time: time,
                                            wanted: engine.listens(to:))
        if modelSignal, let p = assessment.probability {
            let evidence = Evidence(source: record.source, time: record.time, utcOffset: record.utcOffset, signal: Assessor.modelSignal,
                                    rule: Assessor.modelAlertID,
                                    excerpt: "p=\(Assessor.rounded(p))", span: 0..<0, speaker: record.speaker, recordID: record.id)
            occurrences.append(SignalOccurrence(subject: SignalExtractor.subject(of: record), signal: Assessor.modelSignal, time: time,
                                                evidence: evidence, lang: lang))
        }
        for occurrence in occurrences {
            for action in engine.handle(occurrence) {
                switch action {
                case .alert(var alert):
                    if alert.channel == nil { alert.channel = record.channel }
                    alerts.append(alert)
                case .late: late += 1
                case .evicted: break
                }
            }
        }
        return (alerts, late)
    }
}
