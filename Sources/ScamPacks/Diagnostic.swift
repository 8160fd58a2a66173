/// A position in a pack file, for diagnostics and evidence. Lines and columns start at 1.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The file, as shown to people (relative to the pack's parent, e.g. `zh-payment/rules/a.yaml`).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// A stable diagnostic code. The raw values never change meaning once released: scripts and
/// golden files depend on them (`Patterns/README.md` lists them all).
public enum DiagnosticCode: String, Sendable, CaseIterable, Codable {
    /// The YAML does not parse (syntax error, duplicate key in a mapping).
    case yamlSyntax = "SF100"
    /// A required key is missing.
    case missingField = "SF101"
    /// A value has the wrong type (a list where a string was expected, ...).
    case wrongType = "SF102"
    /// A value has the right type but is not allowed (bad id, score out of range, unknown channel).
    case invalidValue = "SF103"
    /// A key that the format does not define (often a typo).
    case unknownKey = "SF104"
    /// Two rules share an id.
    case duplicateID = "SF105"
    /// A pattern does not compile.
    case badRegex = "SF106"
    /// A rule's example does not behave as it says (a `match` example that does not match, ...).
    case badExample = "SF107"
    /// A rule has no `match` or no `no_match` example.
    case missingExamples = "SF108"
    /// Two loaded packs have the same name (the later one overrides; a warning).
    case duplicatePack = "SF109"
    /// A pack file or folder cannot be read, or `pack.yaml` is missing.
    case unreadable = "SF110"
    /// A pattern hit the match limit on an example or an adversarial input.
    case matchLimit = "SF111"
    /// The pack needs a newer scamflow.
    case engineTooOld = "SF112"
    /// A pattern contains something that can never match normalized text (uppercase Latin,
    /// traditional Han characters): the text is lowercased and simplified before matching.
    case unreachableLiteral = "SF113"
    /// A flow names a signal that no rule emits and that is not an event name.
    case unknownSignal = "SF114"
    /// An event rule's signal is used by no flow (text rules always count towards the score).
    case unusedSignal = "SF115"
    /// A sequence fixture does not raise the alerts it says it must (or raises one it must not).
    case sequenceFailed = "SF116"
    /// A pack's model is missing, damaged, truncated or for another feature version.
    case badModel = "SF117"
    /// A model example does not behave (an `alert` text stays silent, or a `silent` one alerts).
    case badModelExample = "SF118"
    /// The model was trained with other signals than the loaded packs emit: retrain it.
    case staleModel = "SF119"
    /// More than one loaded pack carries a model: only the last one is used.
    case extraModel = "SF120"
    /// A condition compares with a capture (`$name`) that no earlier step of the flow binds.
    case captureUnbound = "SF121"
    /// A condition compares values of different kinds (a number with a city, ...).
    case kindMismatch = "SF122"
    /// A condition reads a context fact (`context.KEY`) that nothing sets, or where there is none.
    case unknownContext = "SF123"
    /// A pattern uses `{{name}}` and the pack defines no lexicon of that name.
    case undefinedLexicon = "SF124"
    /// A lexicon that no rule and no other lexicon uses (a warning).
    case unusedLexicon = "SF125"
    /// Lexicons that use each other in a circle, so none of them can be expanded.
    case lexiconCycle = "SF126"
    /// A lexicon's example does not behave (a `match` text it does not find, or a `no_match` one it does).
    case badLexiconExample = "SF127"
    /// Two rules each match every `match` example of the other: likely one rule written twice (a warning).
    case duplicateRule = "SF128"
    /// A rule's `title` or `advice` has a slot `{name}` whose group `(?<name>...)` its `match`
    /// lacks, or a `{{lexicon}}` reference, which only `match` and `unless` expand.
    case unknownSlot = "SF129"
    /// A pack's literal table (`literals.sflit`) is damaged, or does not match its patterns:
    /// the table is not used (a warning when loading; `pack install` refuses such a bundle).
    case badLiterals = "SF130"
    /// A phonetic rule's `match` cannot be rewritten for the phonetic view (a lookbehind or a
    /// negated class holding Han, `\\p{Han}`, ...): see `PhoneticPattern`.
    case phoneticUnconvertible = "SF131"
    /// A phonetic rule can match with fewer than three Han syllables of its own: a term of one
    /// or two syllables sounds like too many ordinary words without context around it.
    case phoneticTooShort = "SF132"
    /// A phonetic rule has no `match` example that only its phonetic form catches (a warning:
    /// show the homophone or pinyin it is there for).
    case phoneticExampleMissing = "SF133"
}

/// How bad a diagnostic is: errors make a pack unloadable, warnings do not.
public enum DiagnosticSeverity: String, Sendable, Codable {
    case error
    case warning
}

/// One finding about a pack: what, where, and how to fix it.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible, Codable {
    public var code: DiagnosticCode
    public var severity: DiagnosticSeverity
    public var location: SourceLocation
    public var message: String
    /// A sentence on how to fix it; empty when the message says it all.
    public var hint: String
    /// The rule the diagnostic is about, when there is one.
    public var ruleID: String?

    public init(_ code: DiagnosticCode, _ severity: DiagnosticSeverity = .error, at location: SourceLocation,
                _ message: String, hint: String = "", rule ruleID: String? = nil) {
        self.code = code
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
        self.ruleID = ruleID
    }

    /// `file:line:col: error[SF106]: message` then an indented hint, like a compiler.
    public var description: String {
        var s = "\(location): \(severity.rawValue)[\(code.rawValue)]: \(message)"
        if !hint.isEmpty { s += "\n  hint: \(hint)" }
        return s
    }
}

/// Diagnostics that made a pack (or a set of packs) unusable.
public struct PackError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
