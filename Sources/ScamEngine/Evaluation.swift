/// Measures detection quality on labelled records: what `scamflow eval` runs.
///
/// A record is *flagged* when any alert of the whole pipeline names it: a rule alert (its unit's
/// record, or any record its evidence points at) or a flow alert (any record its evidence points
/// at). Records are scanned in file order by one `MessageScan` per file, so subjects, times and
/// conversations work exactly as in `scamflow scan`; undated records without a subject are their
/// own subject, so a dialogue held in one record advances flows on its own.
///
/// Counting: `recall` = flagged scams / scams; `precision` = flagged scams / (flagged scams +
/// flagged benign) (advertising spam is neither a scam nor a false alarm, so it stays out of
/// precision and is reported on its own); `false-alarm` = flagged benign / benign; `spam` =
/// flagged spam / spam. A metric with an empty denominator is undefined (nil), never 0 or 1.

/// What a labelled record really is.
public enum Truth: String, Sendable, CaseIterable, Codable {
    case scam, benign, spam
}

/// The labels of one record (`truth`, `category`, `dataset`).
public struct EvalLabel: Sendable, Hashable {
    public var truth: Truth
    /// The kind of scam (or whatever the data set says); nil when not given.
    public var category: String?
    /// Which data set the record came from (`../shared/eval` lines say); nil when not given.
    public var dataset: String?

    public init(truth: Truth, category: String? = nil, dataset: String? = nil) {
        self.truth = truth
        self.category = category
        self.dataset = dataset
    }
}

/// A record with its labels.
public struct LabelledRecord: Sendable {
    public var record: Record
    public var label: EvalLabel

    public init(record: Record, label: EvalLabel) {
        self.record = record
        self.label = label
    }
}

/// The quality metrics `--fail-under` can bound. Recall and precision are floors; false-alarm
/// and spam rates are ceilings.
public enum EvalMetric: String, Sendable, CaseIterable, Codable {
    case recall, precision
    case falseAlarm = "false-alarm"
    case spam

    /// Whether a value must be at least the limit (else at most).
    public var isFloor: Bool { self == .recall || self == .precision }
}

/// Counts for one slice of the data: a file, a category, or everything.
public struct EvalTally: Sendable, Hashable {
    public var scams = 0
    public var caught = 0
    public var benign = 0
    public var falseAlarms = 0
    public var spam = 0
    public var spamFlagged = 0

    public init() {}

    public var records: Int { scams + benign + spam }
    public var flagged: Int { caught + falseAlarms + spamFlagged }

    public mutating func add(_ truth: Truth, flagged: Bool) {
        let hit = flagged ? 1 : 0
        switch truth {
        case .scam: scams += 1; caught += hit
        case .benign: benign += 1; falseAlarms += hit
        case .spam: spam += 1; spamFlagged += hit
        }
    }

    public mutating func add(_ other: EvalTally) {
        scams += other.scams; caught += other.caught
        benign += other.benign; falseAlarms += other.falseAlarms
        spam += other.spam; spamFlagged += other.spamFlagged
    }

    public var recall: Double? { ratio(caught, scams) }
    public var precision: Double? { ratio(caught, caught + falseAlarms) }
    public var falseAlarmRate: Double? { ratio(falseAlarms, benign) }
    public var spamRate: Double? { ratio(spamFlagged, spam) }

    public func value(_ metric: EvalMetric) -> Double? {
        switch metric {
        case .recall: recall
        case .precision: precision
        case .falseAlarm: falseAlarmRate
        case .spam: spamRate
        }
    }

    private func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
}

/// What happened to one labelled record.
public struct EvalOutcome: Sendable {
    /// Index of the record in the input given to `Evaluator.evaluate`.
    public var index: Int
    public var label: EvalLabel
    public var flagged: Bool
    /// Ids of the alerts (rule or flow) that named the record, in the order raised, without repeats.
    public var alerts: [String]

    /// A scam nobody flagged.
    public var isMiss: Bool { label.truth == .scam && !flagged }
    /// A benign record that was flagged.
    public var isFalseAlarm: Bool { label.truth == .benign && flagged }
    /// Advertising spam that was called a scam.
    public var isSpamFlagged: Bool { label.truth == .spam && flagged }
}

/// The result of one labelled file.
public struct FileEvaluation: Sendable {
    /// The file as given.
    public var file: String
    public var total: EvalTally
    /// Tallies of the records that carry a category, by category.
    public var categories: [String: EvalTally]
    /// One per labelled record, in input order.
    public var outcomes: [EvalOutcome]
    /// Rules that could not finish on a record (match limit): treated as not matching.
    public var ruleFailures: [RuleFailure]
    /// Labelled records left out of the counts because the model was trained on their text.
    public var seenInTraining = 0

    public init(file: String, total: EvalTally = EvalTally(), categories: [String: EvalTally] = [:], outcomes: [EvalOutcome] = [],
                ruleFailures: [RuleFailure] = []) {
        self.file = file
        self.total = total
        self.categories = categories
        self.outcomes = outcomes
        self.ruleFailures = ruleFailures
    }

    /// Category names, sorted (byte order, so the output is stable across machines).
    public var categoryNames: [String] { categories.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
}

/// What decides in an evaluation: the whole pipeline, or one half of it, to compare them.
public enum Scorer: String, Sendable, CaseIterable {
    /// Rules, flows and the model, fused as the model's pack says (what `scan` runs).
    case both
    /// Rules and flows, the model unused.
    case rules
    /// The model alone: a unit is flagged when its probability reaches the model's threshold.
    case model
}

/// Runs the whole pipeline (rules and flows) over labelled records and counts the outcomes.
/// One per thread (it owns scanners).
///
/// A record whose text the model was trained on is scanned like any other (flows need their
/// context) but left out of the counts, unless `includeTrained`: a number on data a model was
/// trained on is not a result.
public final class Evaluator {
    public let ruleSet: RuleSet
    public let minScore: Int?
    public var scorer: Scorer = .both
    public var includeTrained = false
    private let scanner: Scanner
    private let trained: ModelFile?

    public init(ruleSet: RuleSet, minScore: Int? = nil, trained: ModelFile? = nil) {
        self.ruleSet = ruleSet
        self.minScore = minScore
        self.trained = trained
        scanner = Scanner(ruleSet: ruleSet)
    }

    /// Scans `records` (one file, in order) and returns what was flagged.
    public func evaluate(file: String, records: [LabelledRecord]) -> FileEvaluation {
        let scan = MessageScan(ruleSet: ruleSet, minScore: minScore, flows: scorer != .model)
        scan.assessor.usesModel = scorer != .rules
        scan.assessor.modelAlone = scorer == .model
        var alerts: [Alert] = []
        for item in records { alerts += scan.add(item.record) }
        alerts += scan.finish()
        alerts += scan.flowAlerts()

        // Which record each source names (several records could share a position only when
        // they come from different files, which one evaluation never mixes).
        var index: [SourcePosition: Int] = [:]
        for (i, item) in records.enumerated() where index[item.record.source] == nil { index[item.record.source] = i }
        var named: [[String]] = Array(repeating: [], count: records.count)
        for alert in alerts {
            var places: Set<SourcePosition> = [alert.source]
            for e in alert.evidence { places.insert(e.source) }
            for place in places {
                guard let i = index[place], !named[i].contains(alert.id) else { continue }
                named[i].append(alert.id)
            }
        }

        var total = EvalTally()
        var categories: [String: EvalTally] = [:]
        var outcomes: [EvalOutcome] = []
        var seen = 0
        outcomes.reserveCapacity(records.count)
        for (i, item) in records.enumerated() {
            if !includeTrained, let trained, let text = item.record.text, trained.wasTrained(on: text) {
                seen += 1
                continue
            }
            let flagged = !named[i].isEmpty
            total.add(item.label.truth, flagged: flagged)
            if let category = item.label.category { categories[category, default: EvalTally()].add(item.label.truth, flagged: flagged) }
            outcomes.append(EvalOutcome(index: i, label: item.label, flagged: flagged, alerts: named[i]))
        }
        var result = FileEvaluation(file: file, total: total, categories: categories, outcomes: outcomes, ruleFailures: scan.failures)
        result.seenInTraining = seen
        return result
    }

    /// What the model says of `record` on its own (nil without a model or text): its probability
    /// and what the fusion rule did, for reviewing misses and false alarms.
    public func modelView(of record: Record) -> (probability: Double, effect: ModelOpinion.Effect)? {
        guard ruleSet.model != nil else { return nil }
        var hits: [Hit] = [], failures: [RuleFailure] = [], guarded: [Int32] = []
        var input: ModelInput?
        let lang = scanner.scan(record, hits: &hits, failures: &failures, guarded: &guarded, model: &input)
        guard let input else { return nil }
        var unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id, channel: record.channel, lang: lang)
        unit.peer = record.peer
        let assessment = Assessor(ruleSet: ruleSet, minScore: minScore).assess(hits, guarded: guarded, model: input, in: unit)
        guard let p = assessment.probability else { return nil }
        return (p, assessment.effect ?? .none)
    }

    /// A rule that matched a record, for reviewing misses and false alarms.
    public struct RuleHit: Sendable {
        public var rule: String
        public var signal: String
        public var pack: String
        public var score: Int
        public var excerpt: String
    }

    /// Every rule that matches `record` on its own, strongest first: why a missed scam scored too
    /// little, or which rules a false alarm tripped.
    public func hits(of record: Record) -> [RuleHit] {
        var hits: [Hit] = []
        var failures: [RuleFailure] = []
        scanner.scan(record, hits: &hits, failures: &failures)
        return hits.map { hit in
            let rule = ruleSet.rules[hit.rule]
            return RuleHit(rule: rule.id, signal: rule.signal, pack: ruleSet.packs[rule.packIndex].manifest.name,
                           score: rule.score, excerpt: hit.excerpt)
        }.sorted { ($1.score, $0.rule) < ($0.score, $1.rule) }
    }
}
