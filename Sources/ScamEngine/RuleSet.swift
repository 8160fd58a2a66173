import PCRE2
import ScamPacks

/// A text rule ready to run: the spec's facts plus its compiled patterns.
///
/// Invariant: `match` and `unless` were compiled from the spec's patterns with their Han
/// characters simplified, so they see the same script as normalized text.
public struct CompiledRule: Sendable {
    public let id: String
    public let title: String
    public let signal: String
    public let score: Int
    public let tags: [String]
    public let advice: [String: String]
    /// Empty means every channel.
    public let channels: [String]
    /// Empty means every language.
    public let languages: [String]
    public let match: Regex
    public let unless: Regex?
    /// Index of the rule's pack in `RuleSet.packs`.
    public let packIndex: Int
    public let spec: RuleSpec

    /// Whether the rule applies to a record of this channel and language.
    func applies(channel: String?, language: String) -> Bool {
        if let channel, !channels.isEmpty, !channels.contains(channel) { return false }
        if !languages.isEmpty, !languages.contains(language) { return false }
        return true
    }
}

/// A pack as the engine runs it.
public struct CompiledPack: Sendable {
    public let manifest: PackManifest
    public let origin: PackOrigin
    /// Indices of this pack's rules in `RuleSet.rules`.
    public let rules: Range<Int>
}

/// Immutable compiled rules of one or more packs, shared by every scanner thread.
///
/// Built once per process by `RuleSet.compile`; a `RuleSet` never changes, so reloading packs
/// means building a new one and swapping it in.
public final class RuleSet: Sendable {
    public let packs: [CompiledPack]
    public let rules: [CompiledRule]

    init(packs: [CompiledPack], rules: [CompiledRule]) {
        self.packs = packs
        self.rules = rules
    }

    /// Compiles packs. Later packs override earlier packs of the same name (so `--packs` can
    /// replace a built-in pack); rule ids must be unique across the packs that remain.
    /// - Returns: the rule set when there was no error, and every diagnostic found.
    public static func compile(_ specs: [PackSpec]) -> (RuleSet?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var chosen: [PackSpec] = []
        for spec in specs {
            if let i = chosen.firstIndex(where: { $0.manifest.name == spec.manifest.name }) {
                diagnostics.append(Diagnostic(.duplicatePack, .warning, at: spec.manifest.location,
                                              "pack `\(spec.manifest.name)` from \(spec.origin) overrides the one from \(chosen[i].origin)"))
                chosen[i] = spec
            } else {
                chosen.append(spec)
            }
        }
        var packs: [CompiledPack] = []
        var rules: [CompiledRule] = []
        var seen: [String: SourceLocation] = [:]
        for spec in chosen {
            diagnostics += spec.warnings
            let first = rules.count
            for rule in spec.rules {
                if let earlier = seen[rule.id] {
                    diagnostics.append(Diagnostic(.duplicateID, at: rule.location, "duplicate rule id `\(rule.id)`",
                                                  hint: "first defined at \(earlier); rule ids must be unique across packs", rule: rule.id))
                    continue
                }
                seen[rule.id] = rule.location
                let match = compilePattern(rule.match, rule: rule.id, key: "match", into: &diagnostics)
                let unless = rule.unless.flatMap { compilePattern($0, rule: rule.id, key: "unless", into: &diagnostics) }
                guard let match, rule.unless == nil || unless != nil else { continue }
                rules.append(CompiledRule(id: rule.id, title: rule.title, signal: rule.signal, score: rule.score,
                                          tags: rule.tags, advice: rule.advice, channels: rule.channels,
                                          languages: rule.languages, match: match, unless: unless,
                                          packIndex: packs.count, spec: rule))
            }
            packs.append(CompiledPack(manifest: spec.manifest, origin: spec.origin, rules: first..<rules.count))
        }
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (RuleSet(packs: packs, rules: rules), diagnostics)
    }

    static func compilePattern(_ pattern: Located<String>, rule: String, key: String, into diagnostics: inout [Diagnostic]) -> Regex? {
        if let literal = PatternLint.unreachableLiteral(in: pattern.value) {
            diagnostics.append(Diagnostic(.unreachableLiteral, .warning, at: pattern.location,
                                          "`\(key)` of rule \(rule) contains `\(literal)`, which normalized text never contains",
                                          hint: "text is lowercased before matching: write Latin letters in lowercase", rule: rule))
        }
        do {
            return try Regex(Normalizer.simplifyHan(in: pattern.value))
        } catch {
            let offset = error.offset ?? 0
            diagnostics.append(Diagnostic(.badRegex, at: pattern.location,
                                          "`\(key)` of rule \(rule) does not compile: \(error.message) at offset \(offset)",
                                          hint: PatternLint.caret(pattern.value, byteOffset: offset), rule: rule))
            return nil
        }
    }
}
