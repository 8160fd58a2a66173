import PCRE2

/// A rule that matched a record, located in the record's original text.
public struct Hit: Sendable {
    /// Index of the rule in `RuleSet.rules`.
    public let rule: Int
    /// Byte range in the original text.
    public let span: Range<Int>
    public let excerpt: String
    public let source: SourcePosition
    public let time: Int64?
    public let speaker: String?
    public let recordID: String?
}

/// A rule that could not finish on a record (it hit the match limit, say). Reported, never
/// silently dropped: the rule is treated as not matching that record.
public struct RuleFailure: Sendable, Error {
    public let rule: String
    public let source: SourcePosition
    public let error: PCRE2Error
}

/// Runs a `RuleSet` over records. One per thread: it owns a PCRE2 matcher (match data, JIT
/// stack) and a normalizer cache; the rule set itself is shared.
public final class Scanner {
    public let ruleSet: RuleSet
    private let matcher: Matcher
    private let normalizer: Normalizer
    /// Excerpts longer than this are cut (with an ellipsis): alerts carry proof, not messages.
    public var maxExcerptScalars = 120

    public init(ruleSet: RuleSet, limits: Matcher.Limits = .default) {
        self.ruleSet = ruleSet
        matcher = Matcher(limits: limits)
        normalizer = Normalizer()
    }

    /// Every rule hit in `record`, in rule order, and the rules that failed on it.
    /// - Returns: the record's language (given, or detected from its text).
    @discardableResult
    public func scan(_ record: Record, hits: inout [Hit], failures: inout [RuleFailure]) -> String {
        guard let text = record.text, !text.isEmpty else { return record.lang ?? "en" }
        let normalized = normalizer.normalize(text)
        let language = record.lang ?? normalized.detectedLanguage
        let original = Array(text.utf8)
        for (index, rule) in ruleSet.rules.enumerated() where rule.applies(channel: record.channel, language: language) {
            do {
                guard let range = try matcher.firstMatch(rule.match, in: normalized.subject) else { continue }
                if let unless = rule.unless, try matcher.firstMatch(unless, in: normalized.subject) != nil { continue }
                let span = normalized.originalRange(of: range)
                hits.append(Hit(rule: index, span: span, excerpt: excerpt(original, span), source: record.source,
                                time: record.time, speaker: record.speaker, recordID: record.id))
            } catch {
                failures.append(RuleFailure(rule: rule.id, source: record.source, error: error))
            }
        }
        return language
    }

    /// Whether `rule` matches `text` (after normalization, honouring `unless`): what a rule's
    /// examples are checked with.
    public func matches(rule index: Int, text: String) throws(PCRE2Error) -> Range<Int>? {
        let rule = ruleSet.rules[index]
        let normalized = normalizer.normalize(text)
        guard let range = try matcher.firstMatch(rule.match, in: normalized.subject) else { return nil }
        if let unless = rule.unless, try matcher.firstMatch(unless, in: normalized.subject) != nil { return nil }
        return normalized.originalRange(of: range)
    }

    /// Normalized form of `text`, for `scamflow normalize` and debugging rules.
    public func normalize(_ text: String) -> String {
        String(decoding: normalizer.normalize(text).subject.bytes, as: UTF8.self)
    }

    private func excerpt(_ original: [UInt8], _ span: Range<Int>) -> String {
        let text = String(decoding: original[span], as: UTF8.self)
        let scalars = text.unicodeScalars
        guard scalars.count > maxExcerptScalars else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(maxExcerptScalars))) + "…"
    }
}
