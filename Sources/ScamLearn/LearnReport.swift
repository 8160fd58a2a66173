import ScamEngine

/// What training saw and how the model did on records it was not trained on (out of fold).
public struct LearnReport: Sendable {
    /// Per source: how many records were used, held out and left out.
    public struct Source: Sendable {
        public var name: String
        public var used = 0
        public var heldOut = 0
        /// Records left out: spam of `--ignore-spam-in`, scams of `--leave-out-category`.
        public var ignored = 0
        public var scams = 0
        public var benign = 0
        public var spam = 0
        public init(name: String) { self.name = name }
    }

    /// A training record's out-of-fold probability, with whether the rules alone flagged it.
    public struct Prediction: Sendable {
        /// The record's id, when it has one.
        public var id: String?
        public var source: String
        public var truth: Truth
        /// What a fusion rule tests, the out-of-fold probability included.
        public var facts: FusionFacts
        public var probability: Double { facts.probability }
        /// Whether the rules alone reached a pack's threshold.
        public var ruleFired: Bool { facts.ratio >= 1 }
    }

    public var sources: [String: Source] = [:]
    public var outOfFold: [Prediction] = []
    /// Features kept for training, and weights the model ended with.
    public var features = 0
    public var weights = 0
    public var calibration = ModelFile.Calibration(a: 1, b: 0)

    /// Out-of-fold recall, false alarms and spam flagged for one source (nil: all) when a unit
    /// is flagged by `flagged`.
    public func tally(source: String?, _ flagged: (Prediction) -> Bool) -> EvalTally {
        var tally = EvalTally()
        for p in outOfFold where source == nil || p.source == source { tally.add(p.truth, flagged: flagged(p)) }
        return tally
    }
}
