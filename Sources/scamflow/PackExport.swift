import ArgumentParser
import ScamEngine

/// `scamflow pack export --patterns`: the rules' patterns, one a line, as `rg -f` and
/// `pcre2grep -f` read them, for benchmarks side by side and for checking rules with other tools.
struct PackExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the patterns of the packs in force, one a line, for rg -f or pcre2grep -f.",
        discussion: """
        Patterns are written as scamflow compiles them (Han simplified), in rule order, and match \
        normalized text (see `scamflow normalize`): run the other tools on normalized text to compare. \
        --for pcre2grep prefixes each with (*UCP), which scamflow always sets and `pcre2grep -u` does not \
        (so \\b, \\d and \\w see Unicode). --for rg leaves out what rg's default engine cannot run \
        (lookaround, back references, atomic groups, possessive quantifiers, \\K and other PCRE-only \
        escapes). Each pattern left out is named on stderr with the reason. Lexicons are expanded: \
        `{{name}}` is written as the (?:…) group PCRE2 compiles; --ids puts each rule's id and a tab \
        before its pattern, to read what a rule became (not for -f).
        """
    )

    @Flag(help: "Write the `match` patterns (the only export there is yet).")
    var patterns = false

    @OptionGroup var packs: PackOptions

    @OptionGroup var packChecks: PackStrictness

    @Option(name: .customLong("for"), help: "Target tool: pcre2 (as compiled), pcre2grep or rg.")
    var tool: PatternDialect.Tool = .pcre2

    @Flag(help: "Write the `unless` patterns instead of the `match` patterns.")
    var unless = false

    @Flag(help: "Write the pinyin forms of the phonetic rules (what runs on the phonetic view) instead.")
    var phonetic = false

    @Flag(help: "Start each line with the rule's id and a tab.")
    var ids = false

    func validate() throws {
        guard patterns else { throw ValidationError("say what to export: --patterns") }
    }

    func run() throws {
        let console = Console.shared
        let loaded = packs.load(strictPacks: packChecks.strict)
        for d in loaded.diagnostics where d.severity == .error { console.err("\(d)\n") }
        guard let ruleSet = loaded.ruleSet else { throw ExitCode(2) }
        PackLoading.warn(loaded)
        var written = 0, skipped = 0
        for rule in ruleSet.rules {
            let pattern: String?
            if phonetic { pattern = unless ? rule.phoneticUnless?.pattern : rule.phonetic?.pattern }
            else { pattern = unless ? rule.unless?.pattern : rule.match.pattern }
            guard let pattern else { continue }
            if let reason = PatternDialect.unsupported(pattern, by: tool) {
                console.err("scamflow: \(rule.id): left out for \(tool.rawValue): \(reason)\n")
                skipped += 1
                continue
            }
            console.out((ids ? rule.id + "\t" : "") + PatternDialect.adapt(pattern, for: tool) + "\n")
            written += 1
        }
        console.flush()
        console.err("scamflow: \(written) pattern\(written == 1 ? "" : "s") written, \(skipped) left out\n")
        try PackStrictness.exitIfSetAside(loaded)
    }
}

/// What other regex tools can run of scamflow's PCRE2 patterns, and how to hand them over.
enum PatternDialect {
    enum Tool: String, ExpressibleByArgument, CaseIterable, Sendable {
        case pcre2, pcre2grep, rg
    }

    /// Why `tool` cannot run `pattern` with scamflow's meaning, or nil when it can.
    static func unsupported(_ pattern: String, by tool: Tool) -> String? {
        if pattern.contains("\n") { return "the pattern holds a line break (pattern files are one pattern a line)" }
        guard tool == .rg else { return nil }
        let s = Array(pattern.unicodeScalars)
        var i = 0
        var inClass = false
        while i < s.count {
            let c = s[i]
            if c == "\\" && i + 1 < s.count {
                let e = s[i + 1]
                switch e {
                case "1"..."9", "g", "k": if !inClass { return "back reference" }
                case "K": return "\\K"
                case "G", "Z", "R", "X", "C", "h", "H", "V", "N", "Q", "E", "o", "c", "e":
                    return "PCRE-only escape \\\(e)"
                default: break
                }
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                i += 1
                continue
            }
            switch c {
            case "[":
                inClass = true
                // A `]` first in the class is a literal.
                if i + 1 < s.count, s[i + 1] == "]" { i += 1 } else if i + 2 < s.count, s[i + 1] == "^", s[i + 2] == "]" { i += 2 }
            case "(":
                if i + 2 < s.count, s[i + 1] == "?" {
                    let d = s[i + 2]
                    if d == "=" || d == "!" { return "lookahead" }
                    if d == "<", i + 3 < s.count, s[i + 3] == "=" || s[i + 3] == "!" { return "lookbehind" }
                    if d == ">" { return "atomic group" }
                    if d == "|" { return "branch reset group" }
                    if d == "(" { return "conditional group" }
                    if d == "R" || d == "&" || d.properties.numericType == .decimal { return "recursion" }
                }
                if i + 1 < s.count, s[i + 1] == "*" { return "PCRE verb" }
            case "+", "*", "?", "}":
                if i + 1 < s.count, s[i + 1] == "+" { return "possessive quantifier" }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// `pattern` as `tool` needs it to mean what it means to scamflow.
    static func adapt(_ pattern: String, for tool: Tool) -> String {
        tool == .pcre2grep ? "(*UCP)" + pattern : pattern
    }
}
