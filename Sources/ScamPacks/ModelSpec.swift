import Yams

/// The `model:` section of a `pack.yaml`: a learned scorer the pack carries, and the fusion
/// rule (written by a person, read by a person) that says how its probability and the rules'
/// score decide together.
///
/// ```yaml
/// model:
///   file: model/scorer.sfmodel
///   threshold: 0.5          # the model's own verdict: model.scam_likely, and "model alone"
///   title: {zh: 疑似诈骗（模型判断）, en: Likely scam (learned scorer)}
///   raise:                  # besides the rules reaching their threshold, alert when a line holds
///     - {p_at_least: 0.97, signals_at_least: 1, guards_at_most: 0, no_cue: [reported, warning]}
///   escalate:               # a rule alert one severity higher
///     - {p_at_least: 0.995}
///   demote:                 # a rule alert becomes an info finding
///     - {p_below: 0.05, cue: [reported, warning, negation]}
///   examples:
///     alert: ['...']
///     silent: ['...']
/// ```
///
/// Each list is a set of alternatives; the conditions inside one line must all hold.
public struct ModelSpec: Sendable, Codable {
    /// The `cue` lines in the header of a model file (before its weights): name, scope and
    /// pattern as written, in file order. Read without parsing the weights, so the prefilter
    /// (and the literal table built with the pack) can cover the cues; empty when a cue line is
    /// malformed (the model's full parse reports why).
    public static func headerCues(_ text: String) -> [(name: String, scope: String, pattern: String)] {
        var out: [(name: String, scope: String, pattern: String)] = []
        for line in text.split(separator: "\n", maxSplits: 64, omittingEmptySubsequences: false).dropFirst() {
            if line.hasPrefix("weights\t") { break }
            guard line.hasPrefix("cue\t") else { continue }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4 else { return [] }
            out.append((f[1], f[2], f[3...].joined(separator: "\t")))
        }
        return out
    }

    /// Path of the model file inside the pack (`model/scorer.sfmodel`).
    public var file: Located<String>
    /// The model file's text, when the pack holds it.
    public var contents: String?
    /// Probability at which the model alone calls a unit a scam (and emits `model.scam_likely`).
    public var threshold: Double
    public var title: [String: String]
    public var advice: [String: String]
    public var raise: [FusionClause]
    public var escalate: [FusionClause]
    public var demote: [FusionClause]
    /// Texts that must raise an alert with every pack loaded, and texts that must stay silent.
    public var alertExamples: [Located<String>]
    public var silentExamples: [Located<String>]
    public var location: SourceLocation

    public static let defaultTitle = ["zh": "疑似诈骗（模型判断）", "en": "Likely scam (learned scorer)"]
}

/// One line of a fusion list: conditions that must all hold. A condition left out always holds.
public struct FusionClause: Sendable, Equatable, Codable {
    /// The model's calibrated probability is at least this.
    public var pAtLeast: Double?
    /// The model's probability is below this.
    public var pBelow: Double?
    /// At least this many distinct signals of text rules (any pack) matched the unit.
    public var signalsAtLeast: Int?
    /// At most this many rules matched and were dropped by their own `unless` (a warning's words).
    public var guardsAtMost: Int?
    /// The best pack's rule score is below this many times its threshold.
    public var ruleScoreBelow: Double?
    /// At least one of these cues of the model was found (negation, reported speech, ...).
    public var cue: [String]
    /// None of these cues was found.
    public var noCue: [String]
    public var location: SourceLocation

    public init(pAtLeast: Double? = nil, pBelow: Double? = nil, signalsAtLeast: Int? = nil, guardsAtMost: Int? = nil,
                ruleScoreBelow: Double? = nil, cue: [String] = [], noCue: [String] = [], location: SourceLocation) {
        self.pAtLeast = pAtLeast
        self.pBelow = pBelow
        self.signalsAtLeast = signalsAtLeast
        self.guardsAtMost = guardsAtMost
        self.ruleScoreBelow = ruleScoreBelow
        self.cue = cue
        self.noCue = noCue
        self.location = location
    }

    /// The clause as a person reads it: `p >= 0.97, signals >= 1, guards <= 0, no cue reported|warning`.
    public var summary: String {
        var parts: [String] = []
        if let pAtLeast { parts.append("p >= \(pAtLeast)") }
        if let pBelow { parts.append("p < \(pBelow)") }
        if let signalsAtLeast { parts.append("signals >= \(signalsAtLeast)") }
        if let guardsAtMost { parts.append("guards <= \(guardsAtMost)") }
        if let ruleScoreBelow { parts.append("rule score < \(ruleScoreBelow)x threshold") }
        if !cue.isEmpty { parts.append("cue " + cue.joined(separator: "|")) }
        if !noCue.isEmpty { parts.append("no cue " + noCue.joined(separator: "|")) }
        return parts.isEmpty ? "always" : parts.joined(separator: ", ")
    }
}

extension PackLoader {
    static let modelKeys = ["file", "threshold", "title", "advice", "raise", "escalate", "demote", "examples"]
    static let clauseKeys = ["p_at_least", "p_below", "signals_at_least", "guards_at_most", "rule_score_below", "cue", "no_cue"]
    /// The extension model files carry (the pack reader and the build plugin take such files).
    public static let modelExtension = ".sfmodel"

    /// Reads `model:` of pack.yaml; the file it names is looked up among `files`.
    static func readModel(_ node: Node, in r: inout NodeReader, files: [PackFile], display: (String) -> String) -> ModelSpec? {
        guard case .mapping(let mapping) = node else {
            r.report(Diagnostic(.wrongType, at: r.location(of: node), "`model` must be a mapping with `file:` and the fusion rule",
                                hint: "see Patterns/README.md, \"A learned scorer\""))
            return nil
        }
        var m = NodeReader(file: r.file, mapping: mapping, context: "model")
        m.rejectUnknownKeys(allowed: modelKeys)
        let file = m.string("file", required: true)
        let threshold = m.probability("threshold") ?? Located(0.5, at: m.location)
        let title = m.localized("title", fallbackLanguage: "en")
        let advice = m.localized("advice", fallbackLanguage: "en")
        let raise = readClauses("raise", &m)
        let escalate = readClauses("escalate", &m)
        let demote = readClauses("demote", &m)
        var alert: [Located<String>] = []
        var silent: [Located<String>] = []
        if let examples = m.node("examples") {
            if case .mapping(let map) = examples {
                var e = NodeReader(file: r.file, mapping: map, context: "model examples")
                e.rejectUnknownKeys(allowed: ["alert", "silent"])
                alert = e.strings("alert", required: false) ?? []
                silent = e.strings("silent", required: false) ?? []
                for d in e.diagnostics { m.report(d) }
            } else {
                m.report(Diagnostic(.wrongType, at: m.location(of: examples), "`examples` of a model must be a mapping with `alert` and `silent`"))
            }
        }
        if alert.isEmpty || silent.isEmpty {
            m.report(Diagnostic(.missingExamples, .warning, at: m.location, "the model has no `\(alert.isEmpty ? "alert" : "silent")` example",
                                hint: "add `examples: {alert: [...], silent: [...]}`: texts the packs with this model must flag, and look-alikes they must not"))
        }
        if threshold.value <= 0 || threshold.value >= 1 {
            m.report(Diagnostic(.invalidValue, at: threshold.location, "`threshold` of a model must be between 0 and 1 (exclusive)"))
        }
        var contents: String?
        if let file {
            if let found = files.first(where: { $0.path == file.value }) {
                contents = found.contents
            } else {
                m.report(Diagnostic(.badModel, at: file.location, "the model file `\(file.value)` is not in the pack",
                                    hint: "put it at \(display(file.value)) (model files end in \(modelExtension)), or fix the path"))
            }
            if !file.value.hasPrefix("model/") || !file.value.hasSuffix(modelExtension) {
                m.report(Diagnostic(.invalidValue, at: file.location, "a model file must be under model/ and end in \(modelExtension)",
                                    hint: "move it to model/NAME\(modelExtension): bundles carry only the folders packs know"))
            }
        }
        for d in m.diagnostics { r.report(d) }
        guard let file else { return nil }
        return ModelSpec(file: file, contents: contents, threshold: threshold.value,
                         title: title.isEmpty ? ModelSpec.defaultTitle : title, advice: advice,
                         raise: raise, escalate: escalate, demote: demote,
                         alertExamples: alert, silentExamples: silent, location: m.location)
    }

    static func readClauses(_ key: String, _ m: inout NodeReader) -> [FusionClause] {
        guard let node = m.node(key) else { return [] }
        guard case .sequence(let items) = node else {
            m.report(Diagnostic(.wrongType, at: m.location(of: node), "`\(key)` must be a list of conditions",
                                hint: "write `- {p_at_least: 0.98, signals_at_least: 1}`, one alternative a line"))
            return []
        }
        var out: [FusionClause] = []
        for item in items {
            guard case .mapping(let map) = item else {
                m.report(Diagnostic(.wrongType, at: m.location(of: item), "each line of `\(key)` must be a mapping of conditions"))
                continue
            }
            var c = NodeReader(file: m.file, mapping: map, context: "`\(key)` condition")
            c.rejectUnknownKeys(allowed: clauseKeys)
            let clause = FusionClause(pAtLeast: c.probability("p_at_least")?.value, pBelow: c.probability("p_below")?.value,
                                      signalsAtLeast: c.int("signals_at_least", required: false)?.value,
                                      guardsAtMost: c.int("guards_at_most", required: false)?.value,
                                      ruleScoreBelow: c.number("rule_score_below")?.value,
                                      cue: c.strings("cue", required: false)?.map(\.value) ?? [],
                                      noCue: c.strings("no_cue", required: false)?.map(\.value) ?? [],
                                      location: c.location)
            if key == "raise", clause.pAtLeast == nil {
                c.report(Diagnostic(.invalidValue, at: c.location, "a `raise` line needs `p_at_least`",
                                    hint: "the model raises alerts only when it is sure: give the probability it must reach"))
            }
            for d in c.diagnostics { m.report(d) }
            out.append(clause)
        }
        return out
    }
}

extension NodeReader {
    /// A number written in YAML (the packs' resolver reads floats as text).
    mutating func number(_ key: String) -> Located<Double>? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            report(Diagnostic(.wrongType, at: location(of: node), "`\(key)` must be a number"))
            return nil
        }
        return Located(value, at: location(of: node))
    }

    /// A number between 0 and 1.
    mutating func probability(_ key: String) -> Located<Double>? {
        guard let value = number(key) else { return nil }
        if value.value < 0 || value.value > 1 {
            report(Diagnostic(.invalidValue, at: value.location, "`\(key)` must be a probability between 0 and 1"))
            return nil
        }
        return value
    }
}
