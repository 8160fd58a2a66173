/// A rule's pattern rewritten to match the phonetic view of a text (`PhoneticText` in the
/// engine): each Han literal becomes its toneless pinyin syllable, so the rewritten pattern
/// finds the words the rule was written for when they are typed as homophones (验症码 for 验证码),
/// as pinyin (`yan zheng ma`, `yanzhengma`) or as a mix (`验zheng码`).
///
/// The rewriting, element by element of the (Han-simplified, lexicon-expanded) pattern:
/// - a Han literal `码` becomes ` ?ma`: the view writes a space between syllables, typed pinyin
///   may not (`mianmi`), so the space is optional. A match may therefore begin or end with a
///   space; whoever maps it back to the text trims those first (`trimmed(_:in:)`);
/// - a positive class of Han `[的地得]` becomes `(?: ?de| ?di)` (one branch a syllable);
/// - a literal letter, digit, `\d`, `\w` or class right after a Han literal gets ` ?` before it,
///   because the view separates a syllable from a letter or digit next to it (`下载app` is
///   `xia zai app`);
/// - a bounded repeat of something that can stand for a Han character (`.`, `[^...]`, `\S`,
///   `\w`, `\p{..}`, `\X`) has its upper bound multiplied by `gapScale`: twenty characters of
///   text are twenty syllables and their spaces in the view (`.{0,20}?` → `.{0,60}?`: the
///   usual syllable of a gap is two or three letters; a larger scale costs backtracking);
/// - the first syllable of a match takes no optional space (PCRE2 then knows the letters a match
///   can start with);
/// - everything else (Latin, digits, punctuation, groups, lookaheads, anchors) is kept.
///
/// What cannot be rewritten is an error (`PhoneticPatternError`, with the byte offset in the
/// pattern), never silently left as it was: a lookbehind holding Han other than words alone
/// (`(?<!不用)` becomes every fixed spelling of `bu yong`; `(?<!不.)` has no fixed length), a
/// negated class or a range holding Han, `\p{Han}` (the view has no Han
/// left to match), `\Q...\E`, conditionals, extended mode `(?x)`.
///
/// Invariant: the result is a valid PCRE2 pattern whenever the input was; its capture groups
/// are the input's, with the same numbers and names (only `(?:` groups are added), so a rule's
/// slots read the same groups in either form.
public struct PhoneticPattern: Sendable, Equatable {
    /// The pattern for the phonetic view.
    public let pattern: String
    /// The fewest syllables any match of the original pattern must contain (its words as
    /// written): each Han literal is one, each Latin letter written in the pattern half of one
    /// (a letter matches only itself, so `todesk` weighs three). Under `minimumSyllables` a
    /// sound-alike is too easy to find by chance.
    public let minSyllables: Int

    /// How much longer a gap is in the view than in the normalized text.
    public static let gapScale = 3
    /// The fewest syllables a phonetic pattern must require (`SF132` below it).
    public static let minimumSyllables = 3

    /// Rewrites `pattern` (Han simplified, lexicons expanded) for the phonetic view.
    public init(converting pattern: String) throws(PhoneticPatternError) {
        var parser = Parser(Array(pattern.unicodeScalars))
        let (out, min) = try parser.alternation(lookbehind: false, leading: true)
        if parser.i < parser.s.count { throw parser.error("unbalanced `)`") }
        self.pattern = out
        minSyllables = min / 2
    }

    /// `range` of `bytes` without the spaces at either end (a phonetic match may take the
    /// optional space before its first syllable); unchanged when it is all spaces.
    public static func trimmed(_ range: Range<Int>, in bytes: [UInt8]) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi, bytes[lo] == 0x20 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 { hi -= 1 }
        return lo < hi ? lo..<hi : range
    }

    /// Recursive descent over the pattern's scalars; `i` is the next one to read.
    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        /// Byte offset of each scalar, for errors.
        let offsets: [Int]

        init(_ s: [Unicode.Scalar]) {
            self.s = s
            var o: [Int] = [], at = 0
            for c in s { o.append(at); at += String(c).utf8.count }
            o.append(at)
            offsets = o
        }

        func error(_ message: String, at index: Int? = nil) -> PhoneticPatternError {
            PhoneticPatternError(message: message, offset: offsets[min(index ?? i, s.count)])
        }

        static func isHan(_ c: Unicode.Scalar) -> Bool {
            (0x3400...0x4DBF).contains(c.value) || (0x4E00...0x9FFF).contains(c.value) || (0x20000...0x2FA1F).contains(c.value)
        }

        /// What one element of the pattern became.
        struct Atom {
            var text: String
            /// Half-syllables every match of it holds (a Han syllable 2, a Latin letter 1).
            var min: Int
            /// It may stand for a Han character of the text (a gap): its bounded repeats scale.
            var wide = false
            /// It is a Han syllable (so a letter after it needs the optional space).
            var syllable = false
            /// It can match a letter or digit (so it needs the optional space after a syllable).
            var wordy = false
            /// It takes no quantifier (an anchor, a lookaround, an option setting).
            var bare = false
        }

        /// Branches up to a `)` or the end: the minimum is that of the weakest branch.
        /// `leading`: nothing of the match comes before (the pattern's start, or a group there),
        /// so a first syllable needs no optional space before it; without one, PCRE2 knows the
        /// letters a match can start with and skips ahead to them.
        mutating func alternation(lookbehind: Bool, leading: Bool) throws(PhoneticPatternError) -> (String, Int) {
            var out = ""
            var best = Int.max
            while true {
                let (branch, min) = try sequence(lookbehind: lookbehind, leading: leading)
                out += branch
                best = Swift.min(best, min)
                if i < s.count, s[i] == "|" { out += "|"; i += 1; continue }
                break
            }
            return (out, best == Int.max ? 0 : best)
        }

        /// Elements up to a `|`, a `)` or the end.
        mutating func sequence(lookbehind: Bool, leading: Bool) throws(PhoneticPatternError) -> (String, Int) {
            var out = ""
            var total = 0
            var afterSyllable = false
            var leading = leading
            while i < s.count, s[i] != "|", s[i] != ")" {
                var atom = try self.atom(lookbehind: lookbehind, leading: leading)
                // (A gap takes the space itself.)
                if afterSyllable && atom.wordy && !atom.syllable && !atom.wide { atom.text = " ?" + atom.text }
                var count = 1
                if !atom.bare, let q = try quantifier() {
                    count = q.min
                    var text = atom.text
                    // A repeated syllable is separated from its repeat like any other.
                    if atom.syllable && !text.hasPrefix(" ?") { text = " ?" + text }
                    if atom.syllable || text.hasPrefix(" ?") { text = "(?:" + text + ")" }
                    let upper = q.max.map { atom.wide ? $0 * PhoneticPattern.gapScale : $0 }
                    let bounds: String
                    switch (q.written, upper) {
                    case (true, let u?): bounds = u == q.min && !atom.wide ? "{\(q.min)}" : "{\(q.min),\(u)}"
                    case (true, nil): bounds = "{\(q.min),}"
                    case (false, _): bounds = q.symbol
                    }
                    atom.text = text + bounds + q.mode
                }
                out += atom.text
                total += atom.min * count
                if !atom.bare {
                    afterSyllable = atom.syllable
                    // Only an element that must match keeps the next one from leading (`a?验` may
                    // start at 验); an optional one leaves it leading too.
                    if count > 0 { leading = false }
                }
            }
            return (out, total)
        }

        struct Quantifier {
            var min: Int
            var max: Int?
            /// Written as `{...}` (else `symbol`: `?`, `*`, `+`).
            var written: Bool
            var symbol: String
            /// `?` (lazy), `+` (possessive) or nothing.
            var mode: String
        }

        mutating func quantifier() throws(PhoneticPatternError) -> Quantifier? {
            guard i < s.count else { return nil }
            var q: Quantifier
            switch s[i] {
            case "?": q = Quantifier(min: 0, max: 1, written: false, symbol: "?", mode: ""); i += 1
            case "*": q = Quantifier(min: 0, max: nil, written: false, symbol: "*", mode: ""); i += 1
            case "+": q = Quantifier(min: 1, max: nil, written: false, symbol: "+", mode: ""); i += 1
            case "{":
                // `{n}`, `{n,}`, `{n,m}`; anything else is a literal brace (as in PCRE2).
                var j = i + 1
                var first = "", second: String?
                while j < s.count, ("0"..."9").contains(s[j]) { first.unicodeScalars.append(s[j]); j += 1 }
                if j < s.count, s[j] == "," {
                    second = ""
                    j += 1
                    while j < s.count, ("0"..."9").contains(s[j]) { second!.unicodeScalars.append(s[j]); j += 1 }
                }
                guard !first.isEmpty, j < s.count, s[j] == "}", let low = Int(first) else { return nil }
                let high: Int? = second == nil ? low : (second!.isEmpty ? nil : Int(second!))
                q = Quantifier(min: low, max: high, written: true, symbol: "", mode: "")
                i = j + 1
            default: return nil
            }
            if i < s.count, s[i] == "?" || s[i] == "+" { q.mode = String(s[i]); i += 1 }
            return q
        }

        mutating func atom(lookbehind: Bool, leading: Bool) throws(PhoneticPatternError) -> Atom {
            let c = s[i]
            let space = leading ? "" : " ?"
            switch c {
            case "(": return try group(lookbehind: lookbehind, leading: leading)
            case "[": return try characterClass(lookbehind: lookbehind, leading: leading)
            case "\\": return try escape()
            case ".": i += 1; return Atom(text: ".", min: 0, wide: true, wordy: true)
            case "^", "$": i += 1; return Atom(text: String(c), min: 0, bare: true)
            default:
                i += 1
                if Parser.isHan(c) {
                    if lookbehind { throw error("a lookbehind holds the Han character `\(c)`, whose syllable has no fixed length", at: i - 1) }
                    guard let syllable = HanPinyin.syllable(of: c) else { return Atom(text: String(c), min: 0) }
                    return Atom(text: space + syllable, min: 2, syllable: true, wordy: true)
                }
                let wordy = c.properties.isAlphabetic || c.properties.numericType != nil
                let letter = c.isASCII && c.properties.isAlphabetic
                return Atom(text: Parser.literal(c), min: letter ? 1 : 0, wordy: wordy)
            }
        }

        static func literal(_ c: Unicode.Scalar) -> String { String(c) }

        mutating func escape() throws(PhoneticPatternError) -> Atom {
            let start = i
            guard i + 1 < s.count else { throw error("a pattern ending in `\\`") }
            let c = s[i + 1]
            i += 2
            switch c {
            case "Q": throw error("`\\Q...\\E` quoting cannot be rewritten for the phonetic view", at: start)
            case "p", "P", "x", "o", "N", "g", "k":
                var text = "\\" + String(c)
                if i < s.count, s[i] == "{" || (c == "k" && (s[i] == "<" || s[i] == "'")) {
                    let close: Unicode.Scalar = s[i] == "{" ? "}" : (s[i] == "<" ? ">" : "'")
                    while i < s.count, s[i] != close { text.unicodeScalars.append(s[i]); i += 1 }
                    guard i < s.count else { throw error("an unclosed `\\\(c)` escape", at: start) }
                    text.unicodeScalars.append(s[i]); i += 1
                } else if c == "x" {
                    while i < s.count, text.count < 4, s[i].properties.isASCIIHexDigit { text.unicodeScalars.append(s[i]); i += 1 }
                } else if i < s.count, c == "p" || c == "P" {
                    text.unicodeScalars.append(s[i]); i += 1
                }
                if (c == "p" || c == "P"), text.lowercased().contains("han") {
                    throw error("`\(text)` matches Han characters, which the phonetic view has turned into syllables", at: start)
                }
                if c == "x", let v = UInt32(text.dropFirst(2).filter { $0 != "{" && $0 != "}" }, radix: 16),
                   let scalar = Unicode.Scalar(v), Parser.isHan(scalar) {
                    throw error("`\(text)` is a Han character written as a code point: write the character itself", at: start)
                }
                let wide = c == "p" || c == "P" || c == "N"
                return Atom(text: text, min: 0, wide: wide, wordy: wide || c == "x")
            case "d": return Atom(text: "\\d", min: 0, wordy: true)
            case "w", "S", "X", "C", "R": return Atom(text: "\\" + String(c), min: 0, wide: true, wordy: true)
            case "b", "B", "A", "z", "Z", "G", "K": return Atom(text: "\\" + String(c), min: 0, bare: true)
            default:
                if Parser.isHan(c) {
                    i -= 1
                    return try atom(lookbehind: false, leading: false)
                }
                return Atom(text: "\\" + String(c), min: 0, wordy: c.properties.isAlphabetic && !"nrtfeaWDsHhVv".unicodeScalars.contains(c))
            }
        }

        mutating func characterClass(lookbehind: Bool, leading: Bool) throws(PhoneticPatternError) -> Atom {
            let start = i
            i += 1
            var negated = false
            if i < s.count, s[i] == "^" { negated = true; i += 1 }
            var rest = ""         // the class's items that are not Han, as written
            var han: [Unicode.Scalar] = []
            var first = true
            while i < s.count, s[i] != "]" || first {
                first = false
                let c = s[i]
                if c == "\\", i + 1 < s.count {
                    rest.unicodeScalars.append(c); rest.unicodeScalars.append(s[i + 1]); i += 2
                    continue
                }
                if c == "[", i + 1 < s.count, s[i + 1] == ":" {
                    while i < s.count, !(s[i] == "]" && s[i - 1] == ":") { rest.unicodeScalars.append(s[i]); i += 1 }
                    rest.unicodeScalars.append("]"); i += 1
                    continue
                }
                if Parser.isHan(c) {
                    if i + 1 < s.count, s[i + 1] == "-" { throw error("a range of Han characters in a class cannot be rewritten as syllables", at: i) }
                    han.append(c)
                } else {
                    rest.unicodeScalars.append(c)
                }
                i += 1
            }
            guard i < s.count else { throw error("an unclosed character class", at: start) }
            i += 1
            if han.isEmpty {
                let text = "[" + (negated ? "^" : "") + rest + "]"
                return Atom(text: text, min: 0, wide: negated, wordy: true)
            }
            if negated { throw error("a negated class holds Han characters, which the phonetic view has turned into syllables", at: start) }
            if lookbehind { throw error("a lookbehind holds a class of Han characters, whose syllables have no fixed length", at: start) }
            var syllables: [String] = []
            for c in han {
                let syllable = HanPinyin.syllable(of: c).map { (leading ? "" : " ?") + $0 } ?? String(c)
                if !syllables.contains(syllable) { syllables.append(syllable) }
            }
            var branches = syllables
            if !rest.isEmpty { branches.insert("[" + rest + "]", at: 0) }
            return Atom(text: "(?:" + branches.joined(separator: "|") + ")", min: rest.isEmpty ? 2 : 0, syllable: rest.isEmpty, wordy: true)
        }

        /// A lookbehind's contents when they are Han words only (`不用|无需`, up to four
        /// characters each), consumed up to and with the `)`; nil (nothing consumed) otherwise.
        mutating func hanWords() -> [[Unicode.Scalar]]? {
            var words: [[Unicode.Scalar]] = [[]]
            var j = i
            while j < s.count, s[j] != ")" {
                if s[j] == "|" { words.append([]) } else if Parser.isHan(s[j]) { words[words.count - 1].append(s[j]) } else { return nil }
                j += 1
            }
            guard j < s.count, words.allSatisfy({ !$0.isEmpty && $0.count <= 4 }) else { return nil }
            i = j + 1
            return words
        }

        mutating func group(lookbehind: Bool, leading: Bool) throws(PhoneticPatternError) -> Atom {
            let start = i
            i += 1
            var opener = "("
            var counts = true       // the group's syllables count towards the match's
            var behind = lookbehind
            var bare = false
            if i < s.count, s[i] == "*" {
                // A verb `(*...)`: copied whole.
                while i < s.count, s[i] != ")" { opener.unicodeScalars.append(s[i]); i += 1 }
                i += 1
                return Atom(text: opener + ")", min: 0, bare: true)
            }
            if i < s.count, s[i] == "?" {
                opener += "?"
                i += 1
                guard i < s.count else { throw error("an unclosed group", at: start) }
                let c = s[i]
                switch c {
                case ":", "|", ">", "=", "!":
                    opener.unicodeScalars.append(c); i += 1
                    if c == "=" || c == "!" { counts = c == "="; bare = true }
                case "<" where i + 1 < s.count && (s[i + 1] == "=" || s[i + 1] == "!"):
                    opener += "<" + String(s[i + 1]); i += 2
                    behind = true; counts = false; bare = true
                case "<", "P", "'":
                    // A named group: copied up to the end of its name.
                    let close: Unicode.Scalar = c == "'" ? "'" : ">"
                    while i < s.count, s[i] != close { opener.unicodeScalars.append(s[i]); i += 1 }
                    guard i < s.count else { throw error("an unclosed group name", at: start) }
                    opener.unicodeScalars.append(s[i]); i += 1
                case "#":
                    while i < s.count, s[i] != ")" { i += 1 }
                    i += 1
                    return Atom(text: "", min: 0, bare: true)
                case "(":
                    throw error("a conditional group cannot be rewritten for the phonetic view", at: start)
                default:
                    // Option settings: `(?i)`, `(?i:...)`; extended mode would change what spaces mean.
                    var options = ""
                    while i < s.count, s[i] != ")", s[i] != ":" { options.unicodeScalars.append(s[i]); i += 1 }
                    if options.contains("x") { throw error("extended mode `(?x)` cannot be rewritten for the phonetic view", at: start) }
                    guard i < s.count else { throw error("an unclosed group", at: start) }
                    opener += options
                    if s[i] == ")" { i += 1; return Atom(text: opener + ")", min: 0, bare: true) }
                    opener += ":"; i += 1
                }
            }
            if behind && !lookbehind, let words = hanWords() {
                // `(?<!不用)`: every spelling the view can give the words, as branches of fixed
                // length (PCRE2 allows those in a lookbehind), with a space after or none.
                var branches: [String] = []
                for word in words {
                    let syllables = word.map { HanPinyin.syllable(of: $0) ?? String($0) }
                    for joints in 0..<(1 << syllables.count) {
                        var text = syllables[0]
                        for k in 1..<max(1, syllables.count) where syllables.count > 1 {
                            text += (joints >> k) & 1 == 1 ? " " + syllables[k] : syllables[k]
                        }
                        if joints & 1 == 1 { text += " " }
                        if !branches.contains(text) { branches.append(text) }
                    }
                }
                return Atom(text: opener + branches.joined(separator: "|") + ")", min: 0, bare: true)
            }
            // A lookaround's contents are not where the match starts.
            let (inner, min) = try alternation(lookbehind: behind, leading: leading && !bare)
            guard i < s.count, s[i] == ")" else { throw error("missing `)`", at: start) }
            i += 1
            return Atom(text: opener + inner + ")", min: counts ? min : 0, wide: false, syllable: false, wordy: !bare, bare: bare)
        }
    }
}

/// Why a pattern has no phonetic form, and where (a byte offset in the pattern).
public struct PhoneticPatternError: Error, Sendable, Equatable {
    public let message: String
    public let offset: Int
}
