import PCRE2
import ScamPacks

/// A pack's lexicon compiled on its own, `(?:EXPANDED)`, so its examples can be run apart from
/// the rules that use it (a broken fragment is then reported once, at its own line).
///
/// Invariant: `regex` was compiled from the lexicon's expansion with Han simplified, exactly as
/// the fragment appears inside every rule that uses it.
public struct CompiledLexicon: Sendable {
    public let name: String
    public let regex: Regex
    /// Index of the lexicon's pack in `RuleSet.packs`.
    public let packIndex: Int
    public let spec: LexiconSpec

    /// Compiles each expanded lexicon of a pack; one that does not compile is `SF106` at its
    /// `pattern`, and one left empty by an expansion error (already reported) is skipped.
    static func compile(_ specs: [LexiconSpec], packIndex: Int, into diagnostics: inout [Diagnostic]) -> [CompiledLexicon] {
        specs.compactMap { spec in
            guard !spec.expanded.isEmpty else { return nil }
            let pattern = Located("(?:" + spec.expanded + ")", at: spec.pattern.location)
            guard let regex = RuleSet.compilePattern(pattern, what: "lexicon `\(spec.name)`", rule: nil, into: &diagnostics) else {
                return nil
            }
            return CompiledLexicon(name: spec.name, regex: regex, packIndex: packIndex, spec: spec)
        }
    }
}
