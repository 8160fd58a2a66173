import ScamLiterals

/// A value together with where it was written, so later stages (the regex compiler, example
/// runner) can point back at the exact line.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
extension Located: Codable where Value: Codable {}

/// What `pack.yaml` says about a pack.
public struct PackManifest: Sendable, Codable {
    public var name: String
    public var version: SemanticVersion
    public var description: String
    public var license: String
    public var minEngine: SemanticVersion
    /// Languages the pack's rules are for (a rule without `lang` applies to these).
    public var languages: [String]
    /// Score at which a record raises an alert.
    public var threshold: Int
    /// Default advice by language code, used when the top rule of an alert has none.
    public var advice: [String: String]
    public var location: SourceLocation
    /// Values that mean the same, per attribute: canonical value → its synonyms (`values:`).
    public var values: [String: [String: [String]]] = [:]
    /// Words by which a record calls itself a warning or a report ("it's a scam", "这就是诈骗",
    /// "forward it to 7726"): where one is found, every `unless` of the pack reaches the whole
    /// record instead of only the hit's sentences (`verdict:`, lexicons expanded). Scammers
    /// write "we will never ask for your PIN" into their own texts; they do not call them a scam.
    public var verdict: Located<String>?

    /// `name@version`, as alerts show it.
    public var label: String { "\(name)@\(version)" }
}

/// A rule's examples: texts it must match and texts it must not.
public struct RuleExamples: Sendable, Codable {
    public var match: [Located<String>]
    public var noMatch: [Located<String>]
    public init(match: [Located<String>] = [], noMatch: [Located<String>] = []) {
        self.match = match
        self.noMatch = noMatch
    }
}

/// A text rule as written in a pack, validated for shape but with its patterns not yet compiled
/// (compiling needs PCRE2, which lives in the engine).
public struct RuleSpec: Sendable, Codable {
    public var id: String
    public var title: String
    public var signal: String
    /// Channels the rule applies to; empty means every channel.
    public var channels: [String]
    /// Languages the rule applies to; empty means any language.
    public var languages: [String]
    public var match: Located<String>
    public var unless: Located<String>?
    public var score: Int
    public var tags: [String]
    public var advice: [String: String]
    public var examples: RuleExamples
    /// Literals the author states every match contains (for the prefilter); empty if not given.
    public var prefilter: [String]
    /// Where the rule starts (its `- id:` line).
    public var location: SourceLocation
    /// The patterns as written, before lexicons were expanded into `match` and `unless`; nil
    /// when the rule uses no lexicon (then `match` and `unless` are exactly as written).
    public var asWritten: WrittenPatterns? = nil
    /// Whether the rule also matches by sound (`phonetic: true`, or a `phonetic: true` lexicon
    /// in its `match`; `phonetic: false` keeps it off): its `match` runs a second time, rewritten
    /// in pinyin (`PhoneticPattern`), on the phonetic view of a text it did not match. nil: not
    /// said and no phonetic lexicon (off).
    public var phonetic: Bool? = nil
    /// Where the rule said `phonetic:` (nil when a lexicon made it phonetic, or it is off).
    public var phoneticLocation: SourceLocation? = nil
    /// Where `title` and `advice` are written, for diagnostics about their slots
    /// (`SlotTemplate`); nil for a rule built in code.
    public var titleLocation: SourceLocation? = nil
    public var adviceLocation: SourceLocation? = nil
}

extension RuleSpec {
    /// The pinyin forms of `match` and `unless` (Han simplified first), nil where a pattern has
    /// none (`PhoneticPattern`); meaningful for a phonetic rule only.
    public var phoneticPatterns: (match: String?, unless: String?) {
        let match = try? PhoneticPattern(converting: TraditionalToSimplified.simplify(self.match.value)).pattern
        let unless = self.unless.flatMap { try? PhoneticPattern(converting: TraditionalToSimplified.simplify($0.value)).pattern }
        return (match, unless)
    }
}

/// A rule's patterns with their `{{lexicon}}` references, as the author wrote them.
public struct WrittenPatterns: Sendable, Hashable, Codable {
    public var match: String
    public var unless: String?
}

/// A loaded, shape-checked pack.
public struct PackSpec: Sendable, Codable {
    public var manifest: PackManifest
    public var rules: [RuleSpec]
    public var eventRules: [EventRuleSpec] = []
    public var flows: [FlowSpec] = []
    /// Sequence fixtures from `tests/`.
    public var sequences: [SequenceSpec] = []
    /// The learned scorer the pack carries, with its fusion rule.
    public var model: ModelSpec?
    /// Named fragments from `lexicons/`, already expanded into the rules' patterns; kept for
    /// their examples (`pack test`) and for export.
    public var lexicons: [LexiconSpec] = []
    public var origin: PackOrigin
    /// Warnings found while loading (errors make the load fail instead).
    public var warnings: [Diagnostic]
    /// The literal requirements of the pack's patterns, worked out when the pack was built
    /// (`literals.sflit` of a bundle or of a built-in pack); empty for a pack folder, whose
    /// patterns are extracted when it is compiled.
    public var literals = LiteralTable()

    /// Every pattern the literal prefilter covers for this pack, as compiled (lexicons
    /// expanded, Han simplified): each rule's `match` and `unless`, and the cues in the header
    /// of its model. What a `LiteralTable` is built from (`EmbedPacks`, `pack build`).
    public var prefilterPatterns: [String] {
        var patterns: [String] = []
        for rule in rules {
            patterns.append(TraditionalToSimplified.simplify(rule.match.value))
            if let unless = rule.unless { patterns.append(TraditionalToSimplified.simplify(unless.value)) }
            // A phonetic rule's pinyin forms run behind a prefilter of their own.
            if rule.phonetic == true {
                let forms = rule.phoneticPatterns
                patterns += [forms.match, forms.unless].compactMap { $0 }
            }
        }
        if let contents = model?.contents {
            patterns += ModelSpec.headerCues(contents).map { TraditionalToSimplified.simplify($0.pattern) }
        }
        return patterns
    }
}
