import Foundation

/// What the scanner collects from one record for the learned scorer, before the unit (message
/// or call) it belongs to is complete.
public struct ModelInput: Sendable {
    /// Text n-gram ids (`TextFeatures`): distinct, in the order first seen, while `distinct`;
    /// with repeats after merging the segments of a call.
    public var text: [UInt64] = []
    /// Whether `text` and `slots` hold each entry once (true for one record's input).
    public var distinct = true
    /// With a model whose `text_scale` is 0, the scanner keeps the n-grams the model has, as
    /// slots of its weight table, instead of every n-gram id (`text` is then empty): the
    /// number of the others does not matter, and most n-grams are in no model.
    public var slots: [Int32] = []
    /// Σ of the model's weights over `text`, computed where the record was scanned (on a
    /// worker thread) when `distinct`; nil otherwise, or without a model.
    public var textWeight: Double?
    /// Context features: a cue's presence (`c:CUE`) and a rule hit within a cue's reach
    /// (`cs:CUE|SIGNAL`). Their keys are built only when asked (`key`): scoring needs the ids.
    public var context: [Context] = []

    /// One context feature: its id, and what its key is made of (strings the cue and the rule
    /// already hold, so recording one allocates nothing).
    public struct Context: Sendable {
        public var hash: UInt64
        public var cue: String
        /// The signal of the hit it reaches; nil for the cue's presence.
        public var signal: String?
        public var key: String { signal.map { ModelFeatures.crossKey(cue, $0) } ?? ModelFeatures.cueKey(cue) }
    }
    /// Bit `i` is set when cue `i` of the model was found.
    public var cues: UInt32 = 0
    /// Bit `i` is set when cue `i` reaches a rule hit (`FusionFacts.reaching`).
    public var reaching: UInt32 = 0
    /// The n-grams of highest positive weight, each located in its segment's original text.
    public var top: [Piece] = []
    /// How many records (segments of one call) the input holds.
    public var segments = 1

    /// An n-gram to show as evidence: where it is (original bytes of segment `segment`) and its
    /// weight in the model.
    public struct Piece: Sendable {
        public var hash: UInt64
        public var range: Range<Int>
        public var weight: Float
        public var segment = 0
    }

    public init() {}

    public mutating func merge(_ other: ModelInput) {
        text += other.text
        slots += other.slots
        distinct = false
        textWeight = nil
        top += other.top.map { var p = $0; p.segment += segments; return p }
        segments += other.segments
        context += other.context
        cues |= other.cues
        reaching |= other.reaching
    }
}

/// The feature vector of a unit, and the keys that name its features: one definition shared
/// by scoring (`Assessor`) and training (`scamflow learn`), so a model sees at run time exactly
/// what it was trained on.
///
/// Features besides the text n-grams, each counting 1 when present:
/// - `s:SIGNAL` for each distinct signal of the text rules that matched (any pack);
/// - `p:A|B` for each pair of those signals (A < B): which claim goes with which request;
/// - `g:SIGNAL` for a rule whose pattern matched but whose `unless` dropped it (a warning's or a
///   news item's words around the scam's);
/// - `c:CUE` when a cue of the model was found, `cs:CUE|SIGNAL` when a hit lies within its reach
///   (a negation just before "open screen sharing"; a retelling before the whole story);
/// - `r:BUCKET`, the best pack's rule score against its threshold (`0`, `<0.5`, `<1`, `<1.5`,
///   `<2.5`, `>=2.5`), so the model learns how far to trust the rules.
public enum ModelFeatures {
    public static func signalKey(_ signal: String) -> String { "s:" + signal }
    public static func pairKey(_ a: String, _ b: String) -> String { a < b ? "p:\(a)|\(b)" : "p:\(b)|\(a)" }
    public static func guardKey(_ signal: String) -> String { "g:" + signal }
    public static func cueKey(_ cue: String) -> String { "c:" + cue }
    public static func crossKey(_ cue: String, _ signal: String) -> String { "cs:\(cue)|\(signal)" }
    /// The ids of the six rule-score buckets.
    static let ratioHashes: [String: UInt64] = Dictionary(uniqueKeysWithValues:
        ["r:0", "r:<0.5", "r:<1", "r:<1.5", "r:<2.5", "r:>=2.5"].map { ($0, FeatureHash.of($0)) })

    public static func ratioKey(_ ratio: Double) -> String {
        switch ratio {
        case ..<0.0001: "r:0"
        case ..<0.5: "r:<0.5"
        case ..<1: "r:<1"
        case ..<1.5: "r:<1.5"
        case ..<2.5: "r:<2.5"
        default: "r:>=2.5"
        }
    }

    /// A unit's features: text n-grams (distinct) and the others (sorted, distinct), with the
    /// keys of the others.
    public struct Vector: Sendable {
        public var text: [UInt64]
        /// The model's slots of the text n-grams it has (instead of `text`, see `ModelInput.slots`).
        public var slots: [Int32] = []
        /// Σ of the model's weights over the text n-grams, when already known.
        public var textWeight: Double?
        public var other: [UInt64]
        public var otherKeys: [UInt64: String]
        /// What one text n-gram counts: `N^-power` for N distinct n-grams (the model's
        /// `text_scale`; 0.5 counts each `1/√N`, so long calls and short texts weigh alike).
        public func textScale(_ power: Double) -> Double {
            if power == 0 { return 1 }
            return text.isEmpty ? 0 : (power == 0.5 ? 1 / Double(text.count).squareRoot() : pow(Double(text.count), -power))
        }
    }

    /// Builds the vector of a unit.
    /// - Parameters:
    ///   - signals: the distinct signals of the text rules that matched.
    ///   - guarded: the signals of rules dropped by their `unless`.
    ///   - ratio: the best pack's rule score divided by its threshold.
    ///   - keys: fill `otherKeys` (for explaining or training; scoring needs only the ids).
    public static func vector(_ input: ModelInput, signals: [String], guarded: [String], ratio: Double, keys withKeys: Bool = true) -> Vector {
        var text = input.text
        var slots = input.slots
        if !input.distinct {
            text.sort()
            dedupe(&text)
            slots = Array(Set(slots)).sorted()
        }
        var keys: [UInt64: String] = [:]
        if withKeys { for c in input.context where keys[c.hash] == nil { keys[c.hash] = c.key } }
        var other = input.context.map(\.hash)
        other.reserveCapacity(other.count + signals.count * (signals.count + 1) / 2 + guarded.count + 1)
        func add(_ h: UInt64, _ key: @autoclosure () -> String) {
            other.append(h)
            if withKeys { keys[h] = key() }
        }
        let distinct = signals.count < 2 ? signals : Array(Set(signals)).sorted()
        for s in distinct { add(FeatureHash.of("s:", s), signalKey(s)) }
        if distinct.count > 1 {
            for i in 0..<(distinct.count - 1) {
                for j in (i + 1)..<distinct.count {
                    add(FeatureHash.of("p:", distinct[i], "|", distinct[j]), pairKey(distinct[i], distinct[j]))
                }
            }
        }
        for g in (guarded.count < 2 ? guarded : Array(Set(guarded)).sorted()) { add(FeatureHash.of("g:", g), guardKey(g)) }
        let ratioKey = ratioKey(ratio)
        add(ratioHashes[ratioKey] ?? FeatureHash.of(ratioKey), ratioKey)
        other.sort()
        dedupe(&other)
        return Vector(text: text, slots: slots, textWeight: input.distinct ? input.textWeight : nil, other: other, otherKeys: keys)
    }

    /// `bias + Σ w·x` for a model.
    public static func margin(_ vector: Vector, model: ScoringModel) -> Double {
        var textSum: Double = 0
        if let known = vector.textWeight {
            textSum = known
        } else if !vector.slots.isEmpty {
            for s in vector.slots { textSum += Double(model.weight(slot: Int(s))) }
        } else {
            for h in vector.text { textSum += Double(model.weight(h)) }
        }
        var otherSum: Double = 0
        for h in vector.other { otherSum += Double(model.weight(h)) }
        return model.file.bias + textSum * vector.textScale(model.file.textScale) + otherSum
    }

    static func dedupe(_ sorted: inout [UInt64]) {
        guard sorted.count > 1 else { return }
        var write = 1
        for read in 1..<sorted.count where sorted[read] != sorted[write - 1] {
            sorted[write] = sorted[read]
            write += 1
        }
        sorted.removeLast(sorted.count - write)
    }
}
