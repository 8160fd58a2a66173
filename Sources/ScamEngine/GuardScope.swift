import PCRE2

/// How far a rule's `unless` reaches: the sentences its hit is in, not the whole record.
///
/// A guard says "this is a warning, a retelling, a notice of what we never do". Read over the
/// whole record, one inserted sentence silences a scam: "We will never ask for your PIN." put
/// before "enter your PIN at http://…" dropped every rule of the message. A guard speaks about
/// the sentence it is in, so a hit is dropped only when a match of its rule's `unless` overlaps
/// the sentences the hit's match spans; a rule whose first match is guarded is tried again
/// after it, and hits at the first match whose sentences are free of a guard. A hit inside a
/// quotation is the exception: a record that quotes a script and carries a guard anywhere
/// ("Beware texts like: "…". It's a phishing scam.") talks about the script, so any guard
/// reaches it.
///
/// What a warning that spreads one scam script over several sentences ("警方提醒：近期有人冒充
/// 客服。他们会让您开启屏幕共享。") is left to: the rules written to read such a script whole,
/// the model's cues (warning, reported speech, refusal), and the fusion rule that turns an alert
/// they mark into an info finding.
///
/// Sentences end at `。！？!?`, a line break, and a `.` followed by a space or the end of the
/// text (so 3.5, v1.2 and example.com do not end one); not inside a quotation, so a warning
/// that quotes a script stays one sentence with its guard. Invariant: a window contains the span it
/// was made for, and its bounds fall on scalar boundaries of the text.
public enum GuardScope {
    /// The most matches of a rule tried before it counts as guarded: bounds the work an
    /// `unless` can cause on one record.
    static let maxAttempts = 16
    /// The most guard matches collected on one record.
    static let maxGuards = 64

    /// Where a text's sentences end and what it quotes, worked out once per record.
    struct Layout {
        /// The offsets just after each sentence end, in order. A sentence end inside a
        /// quotation does not end the sentence that quotes it: a warning that quotes a scam
        /// script ("转：“您的ETC已失效，请点击链接认证。”这种短信是钓鱼") is one sentence with its guard.
        let ends: [Int]
        /// The quotations (“…”, 「…」, 『…』, "…"), marks included, outermost only. Empty when
        /// the marks do not pair up (then every sentence end counts).
        let quotes: [Range<Int>]
        let count: Int

        init(_ text: [UInt8]) {
            var ends: [Int] = [], quotes: [Range<Int>] = [], depth = 0, opened = 0, straight = false
            var i = 0
            while i < text.count {
                let wasQuoting = depth > 0 || straight
                switch (text[i], i + 2 < text.count ? text[i + 1] : 0, i + 2 < text.count ? text[i + 2] : 0) {
                case (0x22, _, _) where depth == 0: straight.toggle()
                case (0xE2, 0x80, 0x9C), (0xE3, 0x80, 0x8C), (0xE3, 0x80, 0x8E): if !straight { depth += 1 }  // “ 「 『
                case (0xE2, 0x80, 0x9D), (0xE3, 0x80, 0x8D), (0xE3, 0x80, 0x8F): if !straight { depth = max(0, depth - 1) }  // ” 」 』
                default: break
                }
                if !wasQuoting, depth > 0 || straight { opened = i }
                i += 1
                let quoting = depth > 0 || straight
                if wasQuoting, !quoting {
                    // The closing mark is one byte (") or three.
                    quotes.append(opened..<(text[i - 1] == 0x22 ? i : i + 2))
                }
                if !quoting, sentenceEnd(endingAt: i, in: text) != nil { ends.append(i) }
            }
            count = text.count
            if depth == 0 && !straight {
                self.ends = ends
                self.quotes = quotes
            } else {
                self.ends = (0...text.count).filter { sentenceEnd(endingAt: $0, in: text) != nil }
                self.quotes = []
            }
        }

        /// The sentences that `span` touches: from just after the sentence end before it to
        /// just after the sentence end that follows it (or the text's bounds).
        func window(around span: Range<Int>) -> Range<Int> {
            let lower = min(span.lowerBound, count)
            let start = ends.last(where: { $0 <= lower }) ?? 0
            // A span that ends right after a sentence end has its sentence already.
            let end = ends.first(where: { $0 >= max(span.upperBound, lower + 1) }) ?? count
            return start..<max(start, min(end, count))
        }

        /// Whether a guard at `guards` reaches a hit at `span`: one in the hit's sentences, or,
        /// for a hit that starts inside a quotation, one anywhere (a quoted script is what the
        /// record talks about, not what it asks).
        func isGuarded(_ span: Range<Int>, by guards: [Range<Int>]) -> Bool {
            if quotes.contains(where: { $0.contains(span.lowerBound) }) { return !guards.isEmpty }
            let scope = window(around: span)
            return guards.contains { $0.overlaps(scope) || ($0.isEmpty && scope.contains($0.lowerBound)) }
        }
    }

    /// The sentences of `text` that `span` touches (see `Layout`).
    public static func window(around span: Range<Int>, in text: [UInt8]) -> Range<Int> {
        Layout(text).window(around: span)
    }

    /// Whether the bytes up to `i` end with a sentence end: returns `i` then, nil otherwise.
    /// A semicolon counts only with `semicolon` (a context cue's reach stops there; a guard's
    /// does not: "Never share it; nobody will ask you to send this code" is one thought).
    static func sentenceEnd(endingAt i: Int, in text: [UInt8], semicolon: Bool = false) -> Int? {
        guard i > 0, i <= text.count else { return nil }
        switch text[i - 1] {
        case 0x0A, 0x0D, 0x21, 0x3F:
            return i
        case 0x3B:
            return semicolon ? i : nil
        case 0x2E:
            // A full stop ends a sentence before a space or the end, not inside 3.5 or a.com.
            return i == text.count || text[i] == 0x20 || text[i] == 0x09 ? i : nil
        case 0x82:  // 。 is E3 80 82
            return i >= 3 && text[i - 3] == 0xE3 && text[i - 2] == 0x80 ? i : nil
        case 0x81, 0x9F:  // ！？ are EF BC 81, EF BC 9F
            return i >= 3 && text[i - 3] == 0xEF && text[i - 2] == 0xBC ? i : nil
        case 0x9B:  // ； is EF BC 9B
            return semicolon && i >= 3 && text[i - 3] == 0xEF && text[i - 2] == 0xBC ? i : nil
        default:
            return nil
        }
    }

    /// Whether `bytes` hold a sentence end or a semicolon (quotation marks aside): where a `near`
    /// context cue stops reaching.
    static func endsSentence(_ bytes: ArraySlice<UInt8>, in text: [UInt8]) -> Bool {
        var i = bytes.startIndex + 1
        while i <= bytes.endIndex {
            if sentenceEnd(endingAt: i, in: text, semicolon: true) != nil { return true }
            i += 1
        }
        return false
    }

    /// The first match of a rule that no guard reaches, with its groups when asked for.
    ///
    /// - Parameters:
    ///   - first: the rule's first match (and its groups), found already.
    ///   - match: the rule's pattern; `withGroups` when the rule reads capture groups.
    ///   - guards: the spans of the `unless` matches, in the original text.
    ///   - everywhere: the record holds its pack's `verdict`: any guard reaches every match.
    ///   - subject: the text the pattern runs on; `toOriginal` maps its ranges to `original`.
    /// - Returns: nil when every match tried is guarded (the rule is then guarded).
    static func firstUnguarded(first: (range: Range<Int>, groups: [Range<Int>?]?), match: Regex, withGroups: Bool,
                               guards: [Range<Int>], everywhere: Bool = false, in subject: Subject, matcher: Matcher,
                               toOriginal: (Range<Int>) -> Range<Int>, original: [UInt8])
        throws(PCRE2Error) -> (range: Range<Int>, groups: [Range<Int>?]?)? {
        guard !guards.isEmpty else { return first }
        guard !everywhere else { return nil }
        let layout = Layout(original)
        var current = first
        for _ in 0..<maxAttempts {
            if !layout.isGuarded(toOriginal(current.range), by: guards) { return current }
            // After an empty match, one scalar on (the next byte that is not a continuation).
            var next = current.range.upperBound
            if current.range.isEmpty {
                next += 1
                while next < subject.bytes.count, subject.bytes[next] & 0xC0 == 0x80 { next += 1 }
            }
            guard next <= subject.bytes.count else { return nil }
            if withGroups {
                guard let groups = try matcher.firstMatchGroups(match, in: subject, from: next), let whole = groups.first ?? nil
                else { return nil }
                current = (whole, groups)
            } else {
                guard let range = try matcher.firstMatch(match, in: subject, from: next) else { return nil }
                current = (range, nil)
            }
        }
        return nil
    }

    /// The spans of `unless`'s matches in `subject`, mapped to the original text (at most
    /// `maxGuards`).
    static func spans(of unless: Regex, in subject: Subject, matcher: Matcher,
                      toOriginal: (Range<Int>) -> Range<Int>) throws(PCRE2Error) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        try matcher.forEachMatch(unless, in: subject) { range in
            spans.append(toOriginal(range))
            return spans.count < maxGuards
        }
        return spans
    }
}
