/// A rule's `title` or `advice` with slots for what the message itself named.
///
/// `{name}` is filled from the named group `(?<name>...)` of the rule's `match`: the original
/// text that group captured (`支付宝`, `AnyDesk`), so an alert says what the message said rather
/// than a platform it never mentioned. `{name|fallback}` writes `fallback` when the group took
/// no part in the match (a slot without one then writes nothing). A slot's name is ASCII, as
/// PCRE2 group names are: `[A-Za-z_][A-Za-z0-9_]*`, at most 32 characters.
///
/// Invariants: any `{` that does not open a well-formed slot is text, shown as written, so a
/// title without slots reads exactly as before; `{{name}}` is never a slot (it is how `match`
/// and `unless` name a lexicon, which titles and advice do not expand): it stays text and is
/// listed in `lexiconReferences` so lint can say so. Filling never fails.
public struct SlotTemplate: Sendable, Hashable {
    /// A run of text, or a slot.
    public enum Part: Sendable, Hashable {
        case text(String)
        case slot(name: String, fallback: String?)
    }

    /// The text as written.
    public let source: String
    /// The text split into runs and slots, in order; adjacent runs are joined.
    public let parts: [Part]
    /// `{{name}}` references found in the text (written as text, never expanded).
    public let lexiconReferences: [String]

    /// The longest group name PCRE2 accepts.
    public static let maxNameLength = 32

    public init(_ source: String) {
        self.source = source
        var parts: [Part] = []
        var lexicons: [String] = []
        var text = ""
        let scalars = Array(source.unicodeScalars)
        var i = 0
        func flush() {
            if !text.isEmpty { parts.append(.text(text)) }
            text = ""
        }
        while i < scalars.count {
            let c = scalars[i]
            guard c == "{" else {
                text.unicodeScalars.append(c)
                i += 1
                continue
            }
            if let (name, end) = SlotTemplate.lexiconReference(scalars, at: i) {
                lexicons.append(name)
                text.unicodeScalars.append(contentsOf: scalars[i..<end])
                i = end
            } else if let (name, fallback, end) = SlotTemplate.slot(scalars, at: i) {
                flush()
                parts.append(.slot(name: name, fallback: fallback))
                i = end
            } else {
                text.unicodeScalars.append(c)
                i += 1
            }
        }
        flush()
        self.parts = parts
        lexiconReferences = lexicons
    }

    /// The names of the slots, in order of first use.
    public var slotNames: [String] {
        var out: [String] = []
        for case .slot(let name, _) in parts where !out.contains(name) { out.append(name) }
        return out
    }

    /// Whether the text has a slot at all.
    public var hasSlots: Bool { parts.contains { if case .slot = $0 { true } else { false } } }

    /// The text with each slot replaced by `values[name]` when that is not empty, else by its
    /// fallback, else by nothing.
    public func filled(_ values: [String: String]) -> String {
        guard hasSlots else { return source }
        var out = ""
        for part in parts {
            switch part {
            case .text(let s): out += s
            case .slot(let name, let fallback):
                if let value = values[name], !value.isEmpty { out += value } else { out += fallback ?? "" }
            }
        }
        return out
    }

    /// `{name}` or `{name|fallback}` at `i` (a `{`): the name, the fallback and the index after
    /// the closing `}`. The fallback holds no `{`, `}` or line break.
    static func slot(_ s: [Unicode.Scalar], at i: Int) -> (String, String?, Int)? {
        var j = i + 1
        guard j < s.count, isNameStart(s[j]) else { return nil }
        var name = ""
        while j < s.count, isNameStart(s[j]) || ("0"..."9").contains(s[j]) {
            name.unicodeScalars.append(s[j])
            j += 1
        }
        guard name.unicodeScalars.count <= maxNameLength, j < s.count else { return nil }
        if s[j] == "}" { return (name, nil, j + 1) }
        guard s[j] == "|" else { return nil }
        j += 1
        var fallback = ""
        while j < s.count, s[j] != "}" {
            guard s[j] != "{", s[j] != "\n", s[j] != "\r" else { return nil }
            fallback.unicodeScalars.append(s[j])
            j += 1
        }
        guard j < s.count else { return nil }
        return (name, fallback, j + 1)
    }

    /// `{{name}}` at `i`, with a lexicon's name (lowercase segments joined by `.`): the name
    /// and the index after `}}`.
    static func lexiconReference(_ s: [Unicode.Scalar], at i: Int) -> (String, Int)? {
        guard i + 1 < s.count, s[i + 1] == "{" else { return nil }
        var j = i + 2
        var name = ""
        while j < s.count, ("a"..."z").contains(s[j]) || ("0"..."9").contains(s[j]) || s[j] == "_" || s[j] == "." {
            name.unicodeScalars.append(s[j])
            j += 1
        }
        guard !name.isEmpty, j + 1 < s.count, s[j] == "}", s[j + 1] == "}" else { return nil }
        return (name, j + 2)
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
}
