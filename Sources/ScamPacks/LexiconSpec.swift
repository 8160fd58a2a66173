/// A named pattern fragment of a pack (`lexicons/*.yaml`): vocabulary written once and used by
/// rules as `{{name}}`, so twenty rules that guard against anti-fraud warnings share one list.
///
/// Invariant: `expanded` holds no `{{name}}` reference (every reference it had was replaced by
/// the referenced lexicon's own expansion, wrapped in a non-capturing group); it is empty when
/// the lexicon could not be expanded (an undefined name or a cycle, both reported).
public struct LexiconSpec: Sendable, Codable {
    /// `claim.platform_support`: lowercase segments of letters, digits and `_`, joined by `.`.
    public var name: String
    /// The pattern as written, which may use other lexicons.
    public var pattern: Located<String>
    /// The pattern with every reference expanded: what a rule using it gets, inside `(?:…)`.
    public var expanded: String
    public var description: String
    /// Texts (normalized like records) the fragment must find, and look-alikes it must not.
    public var examples: RuleExamples
    /// Where the lexicon starts (its `- name:` line).
    public var location: SourceLocation
    /// `phonetic: true`: every rule whose `match` uses it (directly or through other lexicons)
    /// matches by sound too, unless the rule says `phonetic: false` (see `RuleSpec.phonetic`).
    public var phonetic: Bool = false

    public init(name: String, pattern: Located<String>, expanded: String = "", description: String = "",
                examples: RuleExamples = RuleExamples(), location: SourceLocation) {
        self.name = name
        self.pattern = pattern
        self.expanded = expanded
        self.description = description
        self.examples = examples
        self.location = location
    }
}

/// One `{{name}}` in a pattern.
public struct LexiconReference: Sendable, Hashable, Codable {
    public var name: String
    /// UTF-8 offsets of the whole `{{name}}` in the pattern.
    public var range: Range<Int>
}
