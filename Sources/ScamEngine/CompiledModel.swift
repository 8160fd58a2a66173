import ScamPacks

/// A pack's model ready to run: the scorer, and its fusion rule with cue names resolved.
public final class CompiledModel: Sendable {
    public let model: ScoringModel
    public let spec: ModelSpec
    /// Index of the model's pack in `RuleSet.packs`.
    public let packIndex: Int
    let raise: [Clause]
    let escalate: [Clause]
    let demote: [Clause]

    /// A fusion line with its cue names as bit masks of `ModelInput.cues`.
    struct Clause: Sendable {
        let spec: FusionClause
        let cueMask: UInt32
        let noCueMask: UInt32

        func holds(_ facts: FusionFacts) -> Bool {
            if let x = spec.pAtLeast, !(facts.probability >= x) { return false }
            if let x = spec.pBelow, !(facts.probability < x) { return false }
            if let n = spec.signalsAtLeast, facts.signals < n { return false }
            if let n = spec.guardsAtMost, facts.guards > n { return false }
            if let x = spec.ruleScoreBelow, !(facts.ratio < x) { return false }
            if cueMask != 0, facts.reaching & cueMask == 0 { return false }
            if noCueMask != 0, facts.cues & noCueMask != 0 { return false }
            return true
        }
    }

    /// Compiles `spec` (its file already parsed into `model`).
    /// - Returns: nil, with diagnostics, when a clause names a cue the model does not have.
    public static func compile(_ spec: ModelSpec, model: ScoringModel, packIndex: Int, into diagnostics: inout [Diagnostic]) -> CompiledModel? {
        var ok = true
        func clauses(_ list: [FusionClause]) -> [Clause] {
            list.map { clause in
                func mask(_ names: [String]) -> UInt32 {
                    var m: UInt32 = 0
                    for name in names {
                        if let i = model.cueIndex(name) { m |= 1 << UInt32(i); continue }
                        ok = false
                        let known = model.cues.map(\.name).joined(separator: ", ")
                        diagnostics.append(Diagnostic(.invalidValue, at: clause.location, "the model has no cue `\(name)`",
                                                      hint: known.isEmpty ? "this model defines no cues" : "its cues are: \(known)"))
                    }
                    return m
                }
                return Clause(spec: clause, cueMask: mask(clause.cue), noCueMask: mask(clause.noCue))
            }
        }
        let raise = clauses(spec.raise), escalate = clauses(spec.escalate), demote = clauses(spec.demote)
        guard ok else { return nil }
        return CompiledModel(model: model, spec: spec, packIndex: packIndex, raise: raise, escalate: escalate, demote: demote)
    }

    private init(model: ScoringModel, spec: ModelSpec, packIndex: Int, raise: [Clause], escalate: [Clause], demote: [Clause]) {
        self.model = model
        self.spec = spec
        self.packIndex = packIndex
        self.raise = raise
        self.escalate = escalate
        self.demote = demote
    }

    /// What the fusion rule decides for a unit: the first line that holds in each list, in the
    /// order demote, then escalate (for a unit the rules flagged) or raise (for one they did
    /// not). A unit the rules did not flag is demoted too when a `demote` line holds: it raises
    /// nothing either way, but its hits then feed no flow (a retelling's "客服" and "验证码" are
    /// not a pretext and a request).
    public func decide(_ facts: FusionFacts, rulesFired: Bool) -> (ModelOpinion.Effect, FusionClause?) {
        if let c = demote.first(where: { $0.holds(facts) }) { return (.demoted, c.spec) }
        if rulesFired {
            if let c = escalate.first(where: { $0.holds(facts) }) { return (.escalated, c.spec) }
            return (.none, nil)
        }
        if let c = raise.first(where: { $0.holds(facts) }) {
            return (escalate.contains { $0.holds(facts) } ? .raisedHigh : .raised, c.spec)
        }
        return (.none, nil)
    }
}

/// The facts a fusion line tests.
public struct FusionFacts: Sendable {
    public var probability: Double
    /// Distinct signals of text rules that matched.
    public var signals: Int
    /// Rules dropped by their `unless`.
    public var guards: Int
    /// The best pack's rule score over its threshold.
    public var ratio: Double
    /// Bit `i` set when cue `i` of the model was found.
    public var cues: UInt32
    /// Bit `i` set when cue `i` reaches a rule hit of the unit (by its scope). A fusion line's
    /// `cue:` asks this, its `no_cue:` asks `cues`: a cue must qualify the scam's words to set an
    /// alert aside, and anywhere in the text it keeps the model from raising one.
    public var reaching: UInt32

    public init(probability: Double, signals: Int, guards: Int, ratio: Double, cues: UInt32, reaching: UInt32? = nil) {
        self.probability = probability
        self.signals = signals
        self.guards = guards
        self.ratio = ratio
        self.cues = cues
        self.reaching = reaching ?? cues
    }
}

/// What a model said about a unit, carried by the alert it changed or raised.
public struct ModelOpinion: Sendable {
    public enum Effect: String, Sendable {
        /// The model agreed or had nothing to add.
        case none
        /// The model raised an alert the rules did not.
        case raised
        /// Raised, and sure enough to escalate too (severity high).
        case raisedHigh = "raised-high"
        /// A rule alert one severity higher.
        case escalated
        /// A rule alert the model found very unlikely: an info finding.
        case demoted
    }

    /// `name@version` of the model's pack.
    public var pack: String
    /// The calibrated probability that the unit is a scam.
    public var probability: Double
    public var effect: Effect
    /// The fusion line that decided, as a person reads it.
    public var reason: String?
    /// The non-text features that weighed most (signals, cues, pairs), strongest first.
    public var features: [(key: String, weight: Double)]

    public init(pack: String, probability: Double, effect: Effect, reason: String?, features: [(key: String, weight: Double)]) {
        self.pack = pack
        self.probability = probability
        self.effect = effect
        self.reason = reason
        self.features = features
    }
}

/// Where a context cue reaches: which rule hits it qualifies.
enum CueReach {
    /// Whether a cue found at `cues` (original byte ranges) reaches the hit at `hit`.
    static func reaches(_ cues: [Range<Int>], _ hit: Range<Int>, scope: ModelFile.CueSpec.Scope, in original: [UInt8]) -> Bool {
        switch scope {
        case .record:
            return true
        case .sentence:
            return GuardScope.Layout(original).isGuarded(hit, by: cues)
        case .before:
            return cues.contains { $0.lowerBound < hit.lowerBound }
        case .near:
            return cues.contains { cue in
                guard cue.lowerBound < hit.lowerBound else { return false }
                let gap = max(0, hit.lowerBound - cue.upperBound)
                guard gap <= ModelFile.CueSpec.nearBytes else { return false }
                return gap == 0 || !GuardScope.endsSentence(original[cue.upperBound..<hit.lowerBound], in: original)
            }
        }
    }
}
