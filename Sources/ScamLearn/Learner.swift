import Dispatch
import ScamEngine

/// A labelled record to learn from, with the name of the file it came from.
public struct TrainingRecord: Sendable {
    public var record: Record
    public var label: EvalLabel
    /// The source's name (a file's base name), for the model's `source` lines and the report.
    public var source: String

    public init(record: Record, label: EvalLabel, source: String) {
        self.record = record
        self.label = label
        self.source = source
    }
}

/// What `scamflow learn` is asked to do.
public struct LearnOptions: Sendable {
    public var alpha = 0.1
    public var beta = 1.0
    public var l1 = 1.0
    public var l2 = 1.0
    public var epochs = 4
    /// Features seen in fewer training units are dropped before training.
    public var minCount = 2
    /// Folds for the out-of-fold margins that calibrate the model (and that the report shows).
    public var folds = 5
    /// Percent of the records (by a hash of their id, else their text) never trained on: the
    /// validation split that `scamflow eval` reports.
    public var holdout = 0
    /// How much the records of a source count (default 1): hard negatives are few beside the
    /// scams that share their words, and count more.
    public var sourceWeights: [String: Double] = [:]
    /// Scam categories left out of training altogether (to measure how the model does on a scam
    /// type it never saw).
    public var leaveOutCategories: Set<String> = []
    /// Sources whose `spam` records are left out rather than learned as not-a-scam.
    public var ignoreSpamIn: Set<String> = []
    /// What a text n-gram counts: `N^-textScale` for N distinct n-grams in the unit.
    public var textScale = 0.5
    /// Context cues the model computes.
    public var cues: [ModelFile.CueSpec] = []
    public init() {}

    var parameters: FTRLProximal.Parameters {
        FTRLProximal.Parameters(alpha: alpha, beta: beta, l1: l1, l2: l2, epochs: epochs)
    }
}

/// How far training has come, for a progress line.
public enum LearnProgress: Sendable {
    case scanning(done: Int, of: Int)
    /// Model `model` of `models` (the out-of-fold ones, then the final one) finished `epoch`.
    case training(model: Int, of: Int, epoch: Int, epochs: Int)
    case naming
}

/// Why training could not start.
public struct LearnError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Trains the learned scorer: scans every training record with the packs (for their signals),
/// builds each unit's features exactly as `Assessor` does, trains FTRL-proximal logistic
/// regression, calibrates it on out-of-fold margins, and writes a `ModelFile`.
///
/// Deterministic: the same records (in the same order), packs and options give the same file
/// byte for byte (examples are scanned in parallel but stored by index; training is serial).
public final class Learner {
    public let ruleSet: RuleSet
    public let options: LearnOptions

    public init(ruleSet: RuleSet, options: LearnOptions) {
        self.ruleSet = ruleSet
        self.options = options
    }

    /// The salt of the split hash: changing it would change which records are held out.
    public static let splitSalt = "split/1"

    /// Whether a record falls in the held-out `percent` (by its id, else its text).
    public static func isHeldOut(_ record: Record, percent: Int) -> Bool {
        guard percent > 0 else { return false }
        var h = StableHash()
        h.add(splitSalt)
        h.add(record.id ?? record.text ?? "")
        return Int(h.value % 100) < percent
    }

    /// One training unit as scanned.
    struct Unit {
        var text: [UInt64]
        var other: [UInt64]
        var otherKeys: [UInt64: String]
        var scale: Double
        var facts: FusionFacts
    }

    public func learn(_ records: [TrainingRecord], updating previous: ModelFile? = nil,
                      progress: (LearnProgress) -> Void = { _ in }) throws(LearnError) -> (model: ModelFile, report: LearnReport) {
        let cueSpecs = previous?.cues ?? options.cues
        let cues: [ScoringModel.Cue]
        do { cues = try ScoringModel.compile(cues: cueSpecs) } catch { throw LearnError("the cues do not compile: \(error.message)") }
        var report = LearnReport()
        // Choose the records: text, a label to learn, outside the held-out split.
        var chosen: [TrainingRecord] = []
        for item in records {
            guard let text = item.record.text, !text.isEmpty else { continue }
            var source = report.sources[item.source] ?? LearnReport.Source(name: item.source)
            defer { report.sources[item.source] = source }
            if Learner.isHeldOut(item.record, percent: options.holdout) { source.heldOut += 1; continue }
            if item.label.truth == .spam, options.ignoreSpamIn.contains(item.source) { source.ignored += 1; continue }
            if item.label.truth == .scam, let category = item.label.category, options.leaveOutCategories.contains(category) {
                source.ignored += 1
                continue
            }
            source.used += 1
            switch item.label.truth {
            case .scam: source.scams += 1
            case .benign: source.benign += 1
            case .spam: source.spam += 1
            }
            chosen.append(item)
        }
        guard chosen.contains(where: { $0.label.truth == .scam }), chosen.contains(where: { $0.label.truth != .scam }) else {
            throw LearnError("training needs both scams and non-scams; found \(chosen.filter { $0.label.truth == .scam }.count) scams among \(chosen.count) records")
        }
        let units = scan(chosen, cues: cues, progress: progress)
        var keep: [UInt64] = []
        if let previous { keep = previous.weights.map(\.hash) }
        let index = FeatureIndex(units: units.map { $0.text + $0.other }, minCount: options.minCount, keep: keep)
        var examples = ExampleSet()
        for (i, unit) in units.enumerated() {
            examples.append(text: index.indices(unit.text), other: index.indices(unit.other), scale: unit.scale,
                            label: chosen[i].label.truth == .scam, weight: options.sourceWeights[chosen[i].source] ?? 1, origin: i)
        }
        let parameters = options.parameters
        var calibration = previous?.calibration ?? ModelFile.Calibration(a: 1, b: 0)
        let folds = previous == nil ? max(0, options.folds) : 0
        let models = folds + 1
        var oof = [Double](repeating: 0, count: examples.count)
        if folds >= 2 {
            let foldOf = chosen.map { item -> Int in
                var h = StableHash()
                h.add("fold/1")
                h.add(item.record.id ?? item.record.text ?? "")
                return Int(h.value % UInt64(folds))
            }
            for f in 0..<folds {
                let train = (0..<examples.count).filter { foldOf[$0] != f }
                let test = (0..<examples.count).filter { foldOf[$0] == f }
                var ftrl = FTRLProximal(features: index.count, parameters: parameters)
                ftrl.train(examples.subset(train)) { progress(.training(model: f + 1, of: models, epoch: $0, epochs: parameters.epochs)) }
                for e in test { oof[e] = ftrl.margin(examples, e) }
            }
            calibration = PlattScaling.fit(margins: oof, labels: examples.labels)
            report.outOfFold = zip(0..<examples.count, oof).map { e, margin in
                var facts = units[e].facts
                facts.probability = calibration.probability(margin)
                return LearnReport.Prediction(id: chosen[e].record.id, source: chosen[e].source, truth: chosen[e].label.truth, facts: facts)
            }
        }
        var ftrl = FTRLProximal(features: index.count, parameters: parameters)
        if let previous {
            for w in previous.weights { if let i = index.index(of: w.hash) { ftrl.restore(Int(i), weight: Double(w.weight), n: Double(w.n)) } }
            ftrl.restore(ftrl.biasIndex, weight: previous.bias, n: Double(previous.params.first { $0.0 == "bias_n" }.flatMap { Double($0.1) } ?? 0))
        }
        ftrl.train(examples) { progress(.training(model: models, of: models, epoch: $0, epochs: parameters.epochs)) }

        progress(.naming)
        var model = ModelFile()
        model.bias = ftrl.weight(ftrl.biasIndex)
        model.textScale = previous?.textScale ?? options.textScale
        model.calibration = calibration
        model.cues = cueSpecs
        model.signals = Array(Set(ruleSet.rules.map(\.signal))).sorted()
        model.params = parameters.lines + options.sourceWeights.keys.sorted().map { ("weight", "\($0)=\(options.sourceWeights[$0]!)") }
            + options.leaveOutCategories.sorted().map { ("left_out_category", $0) }
            + [("min_count", "\(options.minCount)"), ("folds", "\(previous.flatMap { p in p.params.first { $0.0 == "folds" }?.1 } ?? "\(folds)")"),
                                          ("bias_n", ModelFile.format(ftrl.n[ftrl.biasIndex]))]
        if let previous {
            // An update keeps what described the first training (its source weights, its
            // left-out categories), then says what was added.
            let own = Set(model.params.map(\.0))
            model.params += previous.params.filter { !own.contains($0.0) && ($0.0 == "weight" || $0.0 == "left_out_category") }
                .filter { p in !model.params.contains { $0 == p } }
        }
        var weights: [Int: Double] = [:]
        for i in 0..<index.count {
            let w = ftrl.weight(i)
            if w != 0 { weights[i] = w }
        }
        var names = name(Set(weights.keys.map { index.hashes[$0] }), units: units, records: chosen)
        for w in previous?.weights ?? [] where names[w.hash] == nil { names[w.hash] = w.key }
        model.weights = weights.keys.sorted().compactMap { i in
            guard let key = names[index.hashes[i]] else { return nil }
            return ModelFile.Weight(key: key, weight: Float(weights[i]!), n: Float(ftrl.n[i]))
        }
        var fingerprints = previous?.trained ?? []
        fingerprints += chosen.compactMap { $0.record.text.map(ModelFile.fingerprint(of:)) }
        fingerprints.sort()
        model.trained = fingerprints.reduce(into: []) { if $0.last != $1 { $0.append($1) } }
        model.sources = (previous?.sources ?? []) + report.sources.keys.sorted().map { name in
            let s = report.sources[name]!
            return ModelFile.Source(name: name, records: s.used, scams: s.scams)
        }
        if options.holdout > 0 { model.split = "holdout\t\(options.holdout)%\tby id hash (\(Learner.splitSalt))" } else { model.split = previous?.split }
        model.notes = previous.map { $0.notes + ["updated with \(chosen.count) records"] }
            ?? ["trained on \(chosen.count) records (\(chosen.filter { $0.label.truth == .scam }.count) scams), \(index.count) features kept of those seen in at least \(options.minCount) records"]
        report.features = index.count
        report.weights = model.weights.count
        report.calibration = calibration
        return (model, report)
    }

    /// Scans the records on every core; each unit lands at its record's index.
    private func scan(_ records: [TrainingRecord], cues: [ScoringModel.Cue], progress: (LearnProgress) -> Void) -> [Unit] {
        let chunk = 512
        let chunks = (records.count + chunk - 1) / chunk
        let slots = UnitSlots(count: records.count)
        defer { slots.deallocate() }
        let ruleSet = self.ruleSet
        let textScale = options.textScale
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let scanner = Scanner(ruleSet: ruleSet)
            scanner.modelCues = cues
            let assessor = Assessor(ruleSet: ruleSet)
            for i in (c * chunk)..<min(records.count, (c + 1) * chunk) {
                var hits: [Hit] = [], failures: [RuleFailure] = [], guarded: [Int32] = []
                var input: ModelInput?
                var record = records[i].record
                record.conversation = nil
                scanner.scan(record, hits: &hits, failures: &failures, guarded: &guarded, model: &input)
                let (vector, facts) = assessor.modelVector(hits, guarded: guarded, input: input ?? ModelInput())
                slots.set(i, Unit(text: vector.text, other: vector.other, otherKeys: vector.otherKeys, scale: vector.textScale(textScale),
                                  facts: facts))
            }
        }
        progress(.scanning(done: records.count, of: records.count))
        return slots.values()
    }

    /// The keys of `wanted` feature ids: the non-text ones from the units, the n-grams by
    /// extracting them again, with their text, from the records that hold them.
    private func name(_ wanted: Set<UInt64>, units: [Unit], records: [TrainingRecord]) -> [UInt64: String] {
        var names: [UInt64: String] = [:]
        for unit in units {
            for h in unit.other where wanted.contains(h) && names[h] == nil { names[h] = unit.otherKeys[h] }
        }
        let normalizer = Normalizer()
        for (i, item) in records.enumerated() where names.count < wanted.count {
            guard units[i].text.contains(where: { wanted.contains($0) && names[$0] == nil }), let text = item.record.text else { continue }
            let normalized = normalizer.normalize(text)
            var sink = FeatureOccurrences()
            normalized.subject.bytes.withUnsafeBufferPointer { bytes in
                TextFeatures.extract(bytes, into: &sink)
                for o in sink.occurrences where wanted.contains(o.hash) && names[o.hash] == nil {
                    names[o.hash] = TextFeatures.key(of: o, in: bytes)
                }
            }
        }
        return names
    }
}

/// Slots written by distinct threads (each index once), read after they all finish.
private struct UnitSlots: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Learner.Unit?>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    func set(_ i: Int, _ unit: Learner.Unit) { buffer[i] = unit }
    func values() -> [Learner.Unit] { buffer.map { $0! } }
    func deallocate() {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }
}
