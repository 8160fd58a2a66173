/// Expands `{{name}}` references to a pack's lexicons in its rule patterns, at load time: the
/// engine, the prefilter and `pack export --patterns` only ever see the expanded PCRE2.
///
/// Invariants: a reference expands to `(?:BODY)`, so a fragment of alternatives stays one unit
/// wherever it is used (`x{{a}}y` never means `xa1|a2y`), and capture group numbers of the rule
/// are unchanged only if lexicons hold no capturing groups (they should use `(?:…)`); a pattern
/// without references comes out byte for byte as written; expansion never loops (cycles are
/// reported, `SF126`, and the lexicons in them expand to nothing).
public struct LexiconExpander {
    /// The pack's lexicons by name, with `expanded` filled in where possible.
    public private(set) var lexicons: [String: LexiconSpec] = [:]
    /// Names referenced by a rule or by another lexicon.
    public private(set) var used: Set<String> = []
    public private(set) var diagnostics: [Diagnostic] = []
    /// File text by display path, to point a diagnostic at the reference itself.
    private let sources: [String: String]

    /// Expands the lexicons among themselves; duplicates (`SF105`), undefined names (`SF124`)
    /// and cycles (`SF126`) are reported.
    public init(_ specs: [LexiconSpec], sources: [String: String]) {
        self.sources = sources
        for spec in specs {
            if let earlier = lexicons[spec.name] {
                diagnostics.append(Diagnostic(.duplicateID, at: spec.location, "duplicate lexicon `\(spec.name)`",
                                              hint: "first defined at \(earlier.location); lexicon names are unique within a pack"))
                continue
            }
            lexicons[spec.name] = spec
        }
        var state: [String: Bool] = [:]   // false: being expanded, true: done
        for name in lexicons.keys.sorted() { expandLexicon(name, path: [], state: &state) }
    }

    /// Depth first, so each lexicon is expanded once and a reference back into `path` is a cycle.
    private mutating func expandLexicon(_ name: String, path: [String], state: inout [String: Bool]) {
        guard state[name] == nil, let spec = lexicons[name] else { return }
        state[name] = false
        var ok = true
        for reference in Self.references(in: spec.pattern.value) {
            used.insert(reference.name)
            guard lexicons[reference.name] != nil else { continue }   // reported by `expand` below
            if state[reference.name] == false {
                let cycle = (path + [name]).drop { $0 != reference.name } + [reference.name]
                diagnostics.append(Diagnostic(.lexiconCycle, at: spec.location,
                                              "lexicons use each other in a cycle: " + cycle.joined(separator: " → "),
                                              hint: "a lexicon may use others, but never one that uses it back"))
                ok = false
                continue
            }
            expandLexicon(reference.name, path: path + [name], state: &state)
        }
        // A lexicon stands inside rules' patterns: a group of its own would shift the numbers
        // of the rule's groups (and take a slot's name).
        if let offset = Self.capturingGroupOffset(in: spec.pattern.value) {
            diagnostics.append(Diagnostic(.invalidValue, at: spec.pattern.location,
                                          "lexicon `\(name)` has a capturing group at byte \(offset); a lexicon's groups must not capture",
                                          hint: "write `(?:...)` instead of `(...)`; name groups in the rule that uses the lexicon"))
            ok = false
        }
        // `expand` reports undefined names; a cycle or a broken dependency leaves this one empty.
        let expanded = expand(spec.pattern, what: "lexicon `\(name)`", rule: nil)
        lexicons[name]!.expanded = ok ? expanded ?? "" : ""
        state[name] = true
    }

    /// `pattern` with every reference replaced by `(?:BODY)`, or nil when a name is undefined
    /// (`SF124`, at the reference's own line and column) or its lexicon could not be expanded.
    public mutating func expand(_ pattern: Located<String>, what: String, rule: String?) -> String? {
        let references = Self.references(in: pattern.value)
        guard !references.isEmpty else { return pattern.value }
        var out: [UInt8] = []
        let bytes = Array(pattern.value.utf8)
        var at = 0
        var ok = true
        var seen: [String: Int] = [:]
        let classes = Self.characterClasses(in: bytes)
        for reference in references {
            used.insert(reference.name)
            let occurrence = seen[reference.name, default: 0]
            seen[reference.name] = occurrence + 1
            out += bytes[at..<reference.range.lowerBound]
            at = reference.range.upperBound
            if classes.contains(where: { $0.contains(reference.range.lowerBound) }) {
                diagnostics.append(Diagnostic(.invalidValue, at: location(of: reference, occurrence: occurrence, in: pattern),
                                              "\(what) uses `{{\(reference.name)}}` inside a character class `[...]`, "
                                                + "where its words would become a set of single characters",
                                              hint: "put it outside the class: `(?:{{\(reference.name)}}|[...])`", rule: rule))
                ok = false
                continue
            }
            guard let lexicon = lexicons[reference.name] else {
                let near = NodeReader.nearest(reference.name, in: lexicons.keys.sorted())
                diagnostics.append(Diagnostic(.undefinedLexicon, at: location(of: reference, occurrence: occurrence, in: pattern),
                                              "\(what) uses `{{\(reference.name)}}`, which no lexicon of the pack defines",
                                              hint: near.map { "did you mean `{{\($0)}}`?" }
                                                  ?? "define it in lexicons/*.yaml (see Patterns/README.md, \"Lexicons\")",
                                              rule: rule))
                ok = false
                continue
            }
            // A lexicon in a cycle (or using an undefined one) is empty: reported already.
            guard !lexicon.expanded.isEmpty else { ok = false; continue }
            out += Array("(?:".utf8) + Array(lexicon.expanded.utf8) + Array(")".utf8)
        }
        out += bytes[at...]
        return ok ? String(decoding: out, as: UTF8.self) : nil
    }

    /// Warnings (`SF125`) for lexicons no rule and no other lexicon uses.
    public var unusedDiagnostics: [Diagnostic] {
        lexicons.values.filter { !used.contains($0.name) }.sorted { $0.location < $1.location }.map {
            Diagnostic(.unusedLexicon, .warning, at: $0.location, "lexicon `\($0.name)` is not used by any rule",
                       hint: "use it in a pattern as `{{\($0.name)}}`, or remove it")
        }
    }

    /// Every `{{…}}` in `pattern`, in order. Whatever stands between the braces is a reference
    /// (a name with a typo or in capitals is reported as undefined, never left as literal text);
    /// an unclosed `{{`, or one spanning a line, is not.
    public static func references(in pattern: String) -> [LexiconReference] {
        let bytes = Array(pattern.utf8)
        var out: [LexiconReference] = []
        var i = 0
        while i + 1 < bytes.count {
            guard bytes[i] == 0x7B, bytes[i + 1] == 0x7B else { i += 1; continue }
            var j = i + 2
            while j < bytes.count, bytes[j] != 0x7D, bytes[j] != 0x7B, bytes[j] != 0x0A { j += 1 }
            guard j + 1 < bytes.count, bytes[j] == 0x7D, bytes[j + 1] == 0x7D, j > i + 2 else { i += 2; continue }
            out.append(LexiconReference(name: String(decoding: bytes[(i + 2)..<j], as: UTF8.self), range: i..<(j + 2)))
            i = j + 2
        }
        return out
    }

    /// The byte ranges of `pattern`'s character classes `[...]` (escapes, a `]` first in the
    /// class and POSIX `[:name:]` inside one taken into account).
    static func characterClasses(in bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case 0x5C: i += 2
            case 0x5B:
                let start = i
                var j = i + 1
                if j < bytes.count, bytes[j] == 0x5E { j += 1 }
                if j < bytes.count, bytes[j] == 0x5D { j += 1 }   // `[]...]`: a literal `]`
                while j < bytes.count, bytes[j] != 0x5D {
                    if bytes[j] == 0x5C { j += 2; continue }
                    if bytes[j] == 0x5B, j + 1 < bytes.count, bytes[j + 1] == 0x3A,
                       let close = bytes[(j + 2)...].firstIndex(of: 0x5D), close > j + 2, bytes[close - 1] == 0x3A {
                        j = close + 1
                        continue
                    }
                    j += 1
                }
                out.append(start..<min(j + 1, bytes.count))
                i = j + 1
            default: i += 1
            }
        }
        return out
    }

    /// The byte offset of the first group in `pattern` that captures (`(`, `(?<name>`,
    /// `(?P<name>`, `(?'name'`), or nil; groups inside a character class are characters.
    static func capturingGroupOffset(in pattern: String) -> Int? {
        let bytes = Array(pattern.utf8)
        let classes = characterClasses(in: bytes)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C { i += 2; continue }
            if bytes[i] == 0x28, !classes.contains(where: { $0.contains(i) }) {
                let rest = bytes[(i + 1)...].prefix(3)
                if rest.first != 0x3F { return i }                              // (
                let after = Array(rest.dropFirst())
                if after.first == 0x27 { return i }                               // (?'name'
                if after.first == 0x50, after.count > 1, after[1] == 0x3C { return i }   // (?P<name>
                if after.first == 0x3C, after.count > 1, after[1] != 0x3D, after[1] != 0x21 { return i }   // (?<name>
            }
            i += 1
        }
        return nil
    }

    /// Whether `name` is a valid lexicon name: segments of `[a-z0-9_]` joined by `.`, starting
    /// with a letter (`guard.warning`, `claim.platform_support`).
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 0x61 && first <= 0x7A else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        }
    }

    /// Where the `occurrence`-th `{{name}}` of `pattern` is in its file: found in the file's
    /// text from the pattern's start, so folded and multi-line scalars point right too. Falls
    /// back to the pattern's own location.
    func location(of reference: LexiconReference, occurrence: Int, in pattern: Located<String>) -> SourceLocation {
        guard let source = sources[pattern.location.file], pattern.location.line > 0 else { return pattern.location }
        let needle = Array("{{\(reference.name)}}".unicodeScalars)
        let scalars = Array(source.unicodeScalars)
        var line = 1, column = 1, i = 0
        while i < scalars.count, line < pattern.location.line || (line == pattern.location.line && column < pattern.location.column) {
            if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        var remaining = occurrence
        while i + needle.count <= scalars.count {
            if scalars[i] == "{", Array(scalars[i..<(i + needle.count)]) == needle {
                if remaining == 0 { return SourceLocation(file: pattern.location.file, line: line, column: column) }
                remaining -= 1
            }
            if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        return pattern.location
    }
}
