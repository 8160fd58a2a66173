import PCRE2
import ScamLiterals
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
    /// A phonetic lexicon's pinyin form (`PhoneticPattern`), for its examples: a `match` example
    /// may be written by sound (found on the phonetic view), a `no_match` one must be found by
    /// neither form. nil for other lexicons.
    public let phonetic: Regex?

    /// Compiles each expanded lexicon of a pack; one that does not compile is `SF106` at its
    /// `pattern`, and one left empty by an expansion error (already reported) is skipped.
    static func compile(_ specs: [LexiconSpec], packIndex: Int, into diagnostics: inout [Diagnostic]) -> [CompiledLexicon] {
        specs.compactMap { spec in
            guard !spec.expanded.isEmpty else { return nil }
            let pattern = Located("(?:" + spec.expanded + ")", at: spec.pattern.location)
            guard let regex = RuleSet.compilePattern(pattern, what: "lexicon `\(spec.name)`", rule: nil, into: &diagnostics) else {
                return nil
            }
            var phonetic: Regex?
            if spec.phonetic {
                do throws(PhoneticPatternError) {
                    let converted = try PhoneticPattern(converting: Normalizer.simplifyHan(in: pattern.value))
                    phonetic = RuleSet.compilePattern(Located(converted.pattern, at: spec.pattern.location),
                                                      what: "pinyin form of lexicon `\(spec.name)`", rule: nil, into: &diagnostics)
                } catch {
                    diagnostics.append(Diagnostic(.phoneticUnconvertible, at: spec.pattern.location,
                                                  "phonetic lexicon `\(spec.name)` has no pinyin form: \(error.message) at offset \(error.offset)",
                                                  hint: "rewrite that part, or take `phonetic: true` off the lexicon"))
                }
            }
            return CompiledLexicon(name: spec.name, regex: regex, packIndex: packIndex, spec: spec, phonetic: phonetic)
        }
    }
}
