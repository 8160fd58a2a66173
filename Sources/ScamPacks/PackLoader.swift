import ScamLiterals
import Yams

/// Turns pack files into a `PackSpec`, checking shape only: required keys, types, allowed values,
/// unknown keys, duplicate ids. Patterns are compiled later by the engine (which owns PCRE2).
///
/// Every problem is reported in one pass with its file:line; the load fails if any is an error.
public enum PackLoader {
    static let manifestKeys = ["name", "version", "description", "license", "min_engine", "languages", "threshold", "advice", "model", "values", "verdict"]
    static let ruleKeys = ["id", "title", "signal", "channels", "lang", "match", "unless", "score", "tags",
                           "advice", "examples", "prefilter", "phonetic"]
    /// Channels a text rule may name.
    public static let channels = ["sms", "call", "chat", "email"]
    /// Languages a rule may name (`any` means every language).
    public static let languages = ["zh", "en", "any"]

    public struct Result: Sendable {
        /// The pack, when there was no error.
        public var pack: PackSpec?
        /// Every error and warning found, in file order.
        public var diagnostics: [Diagnostic]
        /// What did load, even when there were errors: lint compiles it to report every
        /// problem in one pass (a typo in one key does not hide a bad regex in another rule).
        public var partial: PackSpec?

        public init(pack: PackSpec?, diagnostics: [Diagnostic], partial: PackSpec? = nil) {
            self.pack = pack
            self.diagnostics = diagnostics
            self.partial = partial
        }
    }

    /// Loads a pack from its files.
    /// - Parameters:
    ///   - files: the pack's files, paths relative to the pack folder.
    ///   - root: how to show the pack folder in diagnostics (`Patterns/zh-payment-scams`).
    public static func load(files: [PackFile], root: String, origin: PackOrigin) -> Result {
        var diagnostics: [Diagnostic] = []
        func display(_ path: String) -> String { root.isEmpty ? path : root + "/" + path }

        guard let manifestFile = files.first(where: { $0.path == "pack.yaml" }) else {
            return Result(pack: nil, diagnostics: [Diagnostic(.unreadable, at: SourceLocation(file: display("pack.yaml")),
                                                              "the pack has no pack.yaml", hint: "add pack.yaml with name, version, threshold")],
                          partial: nil)
        }
        var (manifest, model) = readManifest(manifestFile, display: display(manifestFile.path), files: files, into: &diagnostics)
        let languages = manifest?.languages ?? []

        var rules: [RuleSpec] = []
        var eventRules: [EventRuleSpec] = []
        var firstSeen: [String: SourceLocation] = [:]
        let ruleFiles = files.filter { $0.path.hasPrefix("rules/") && ($0.path.hasSuffix(".yaml") || $0.path.hasSuffix(".yml")) }
        if ruleFiles.isEmpty && model == nil {
            diagnostics.append(Diagnostic(.missingField, .warning, at: SourceLocation(file: display("rules")),
                                          "the pack has no rules/*.yaml", hint: "add rule files under rules/"))
        }
        func unique(_ id: String, _ location: SourceLocation) -> Bool {
            if let earlier = firstSeen[id] {
                diagnostics.append(Diagnostic(.duplicateID, at: location, "duplicate id `\(id)`",
                                              hint: "first defined at \(earlier); rule and flow ids must be unique", rule: id))
                return false
            }
            firstSeen[id] = location
            return true
        }
        for file in ruleFiles {
            let (text, events) = readRules(file, display: display(file.path), packLanguages: languages, into: &diagnostics)
            rules += text.filter { unique($0.id, $0.location) }
            eventRules += events.filter { unique($0.id, $0.location) }
        }
        var verdict = manifest?.verdict
        let lexicons = expandLexicons(in: &rules, verdict: &verdict, files: files, display: display, into: &diagnostics)
        manifest?.verdict = verdict
        var flows: [FlowSpec] = []
        for file in files where file.path.hasPrefix("flows/") && (file.path.hasSuffix(".yaml") || file.path.hasSuffix(".yml")) {
            flows += readFlows(file, display: display(file.path), into: &diagnostics).filter { unique($0.id, $0.location) }
        }
        var sequences: [SequenceSpec] = []
        for file in files where file.path.hasPrefix("tests/") && (file.path.hasSuffix(".yaml") || file.path.hasSuffix(".yml")) {
            sequences += readSequences(file, display: display(file.path), into: &diagnostics)
        }
        if let manifest, manifest.minEngine > Engine.version {
            diagnostics.append(Diagnostic(.engineTooOld, at: manifest.location,
                                          "pack \(manifest.label) needs scamflow \(manifest.minEngine) or newer; this is \(Engine.version)",
                                          hint: "upgrade scamflow, or use an older version of the pack"))
        }
        let errors = diagnostics.contains { $0.severity == .error }
        let warnings = diagnostics.filter { $0.severity == .warning }
        let stand = PackManifest(name: root.isEmpty ? "pack" : root, version: SemanticVersion(0, 0, 0), description: "", license: "",
                                 minEngine: SemanticVersion(0, 0, 0), languages: languages, threshold: 60, advice: [:],
                                 location: SourceLocation(file: display("pack.yaml")))
        var spec = PackSpec(manifest: manifest ?? stand, rules: rules, eventRules: eventRules, flows: flows, sequences: sequences,
                            model: model, lexicons: lexicons, origin: origin, warnings: warnings)
        if let file = files.first(where: { $0.path == LiteralTable.fileName }) {
            do throws(LiteralTableError) {
                spec.literals = try LiteralTable(text: file.contents)
                if case .directory = origin {
                    // A folder is a pack under development (or a bundle unpacked by hand): its
                    // patterns cost an extraction anyway, so its table is checked, not trusted.
                    // A table that says otherwise would make a rule skip text without a word.
                    let extracted = LiteralTable(extracting: spec.prefilterPatterns)
                    if let wrong = spec.prefilterPatterns.first(where: { pattern in
                        spec.literals.requirement(of: pattern).map { $0 != extracted.requirement(of: pattern) } ?? false
                    }) {
                        let warning = Diagnostic(.badLiterals, .warning, at: SourceLocation(file: display(file.path)),
                                                 "the literal table does not match the pattern `\(wrong.prefix(60))`; the table is not used",
                                                 hint: "delete \(LiteralTable.fileName) from the folder (`pack build` writes a new one)")
                        diagnostics.append(warning)
                        spec.warnings.append(warning)
                    }
                    spec.literals = extracted
                }
            } catch where error.otherVersion {
                // Built by another scamflow: sound, not ours to use; the patterns are extracted.
            } catch {
                let warning = Diagnostic(.badLiterals, .warning, at: SourceLocation(file: display(file.path), line: error.line, column: 1),
                                         "the literal table is damaged: \(error.message); the patterns are extracted at load instead",
                                         hint: "rebuild the bundle with `scamflow pack build`, or install it again")
                diagnostics.append(warning)
                spec.warnings.append(warning)
            }
        }
        guard manifest != nil, !errors else { return Result(pack: nil, diagnostics: diagnostics, partial: spec) }
        return Result(pack: spec, diagnostics: diagnostics, partial: spec)
    }

    /// The YAML tags packs use: booleans, integers and null (floats are read from their text).
    /// Yams resolves every mapping key's tag with each rule's regular expression while checking
    /// for duplicate keys; the default seven rules were a quarter of the packs' load time.
    static let resolver = Resolver.basic.appending(.bool).appending(.int).appending(.null)

    static func parse(_ file: PackFile, display: String, into diagnostics: inout [Diagnostic]) -> Node? {
        do {
            return try Yams.compose(yaml: file.contents, PackLoader.resolver)
        } catch let error as YamlError {
            diagnostics.append(yamlDiagnostic(error, file: display))
        } catch {
            diagnostics.append(Diagnostic(.yamlSyntax, at: SourceLocation(file: display), "cannot parse YAML: \(error)"))
        }
        return nil
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return Diagnostic(.yamlSyntax, at: at(mark), "YAML syntax error: \(problem)",
                              hint: "quote regexes with single quotes; indent list items consistently")
        case let .duplicatedKeysInMapping(duplicates, context):
            return Diagnostic(.yamlSyntax, at: at(context.mark), "duplicate key \(duplicates.joined(separator: ", ")) in a mapping",
                              hint: "each key may appear once per rule")
        case let .reader(problem, _, _, _):
            return Diagnostic(.yamlSyntax, at: SourceLocation(file: file), "YAML reader error: \(problem)")
        default:
            return Diagnostic(.yamlSyntax, at: SourceLocation(file: file), "cannot parse YAML: \(error)")
        }
    }

    /// Reads pack.yaml: the manifest, and the model section when there is one (its file is
    /// looked up among `files`).
    static func readManifest(_ file: PackFile, display: String, files: [PackFile] = [],
                             into diagnostics: inout [Diagnostic]) -> (PackManifest?, ModelSpec?) {
        let reported = diagnostics.count
        guard let node = parse(file, display: display, into: &diagnostics) else {
            // An empty (or comments-only) pack.yaml parses to no node and no YAML error: without
            // this the pack would be dropped with no error at all.
            if diagnostics.count == reported {
                diagnostics.append(Diagnostic(.missingField, at: SourceLocation(file: display), "pack.yaml is empty",
                                              hint: "add name, version, threshold"))
            }
            return (nil, nil)
        }
        guard case .mapping(let mapping) = node else {
            diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: node, in: display), "pack.yaml must be a mapping"))
            return (nil, nil)
        }
        var r = NodeReader(file: display, mapping: mapping, context: "pack.yaml")
        r.rejectUnknownKeys(allowed: manifestKeys)
        let name = r.string("name", required: true)
        let versionText = r.string("version", required: true)
        let minEngineText = r.string("min_engine", required: false)
        let languages = r.strings("languages", required: false)?.map(\.value) ?? []
        let threshold = r.int("threshold", required: true)
        let description = r.string("description", required: false)?.value ?? ""
        let license = r.string("license", required: false)?.value ?? ""
        let advice = r.localized("advice", fallbackLanguage: languages.first ?? "en")
        let root = String(display.dropLast("pack.yaml".count))
        let model = r.node("model").flatMap { readModel($0, in: &r, files: files, display: { root + $0 }) }
        let values = r.node("values").map { readValues($0, in: &r) } ?? [:]
        let verdict = r.string("verdict", required: false)

        if let name, !isValidName(name.value) {
            r.report(Diagnostic(.invalidValue, at: name.location, "pack name `\(name.value)` is not allowed",
                                hint: "use lowercase letters, digits and '-' (e.g. zh-payment-scams)"))
        }
        var version: SemanticVersion?
        if let versionText {
            version = SemanticVersion(versionText.value)
            if version == nil {
                r.report(Diagnostic(.invalidValue, at: versionText.location, "`version` is not a version: \(versionText.value)", hint: "write major.minor.patch, e.g. 1.0.0"))
            }
        }
        var minEngine = SemanticVersion(0, 0, 0)
        if let minEngineText {
            if let v = SemanticVersion(minEngineText.value) { minEngine = v } else {
                r.report(Diagnostic(.invalidValue, at: minEngineText.location, "`min_engine` is not a version: \(minEngineText.value)", hint: "write major.minor.patch, e.g. 0.1.0"))
            }
        }
        for lang in languages where !languages.isEmpty && !PackLoader.languages.contains(lang) {
            r.report(Diagnostic(.invalidValue, at: r.location, "unknown language `\(lang)` in `languages`", hint: "use zh, en or any"))
        }
        if let threshold, threshold.value < 1 {
            r.report(Diagnostic(.invalidValue, at: threshold.location, "`threshold` must be at least 1"))
        }
        diagnostics += r.diagnostics
        guard let name, let version, let threshold else { return (nil, model) }
        var manifest = PackManifest(name: name.value, version: version, description: description, license: license,
                                    minEngine: minEngine, languages: languages, threshold: threshold.value,
                                    advice: advice, location: r.location)
        manifest.values = values
        manifest.verdict = verdict
        return (manifest, model)
    }

    /// `values: {ATTRIBUTE: {CANONICAL: [SYNONYM, ...]}}`: values that mean the same.
    static func readValues(_ node: Node, in r: inout NodeReader) -> [String: [String: [String]]] {
        var out: [String: [String: [String]]] = [:]
        guard case .mapping(let attributes) = node else {
            r.report(Diagnostic(.wrongType, at: r.location(of: node), "`values` maps attributes to {canonical: [synonyms]}",
                                hint: "e.g. values: {channel: {offline: [store, pos, 门店]}}"))
            return out
        }
        for (k, v) in attributes {
            guard let attribute = k.string, case .mapping(let canon) = v else {
                r.report(Diagnostic(.wrongType, at: r.location(of: v), "each attribute of `values` maps a canonical value to a list of synonyms"))
                continue
            }
            for (ck, cv) in canon {
                guard let canonical = ck.string else { continue }
                let synonyms = cv.sequence?.compactMap(\.string) ?? (cv.string.map { [$0] } ?? [])
                out[attribute, default: [:]][canonical] = synonyms
            }
        }
        return out
    }

    static func readRules(_ file: PackFile, display: String, packLanguages: [String], into diagnostics: inout [Diagnostic]) -> ([RuleSpec], [EventRuleSpec]) {
        guard let node = parse(file, display: display, into: &diagnostics) else { return ([], []) }
        guard case .sequence(let sequence) = node else {
            diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: node, in: display),
                                          "a rules file must be a YAML list of rules", hint: "start each rule with `- id: ...`"))
            return ([], [])
        }
        var rules: [RuleSpec] = []
        var eventRules: [EventRuleSpec] = []
        for item in sequence {
            guard case .mapping(let mapping) = item else {
                diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: item, in: display), "each rule must be a mapping"))
                continue
            }
            if mapping["event"] != nil {
                if let rule = readEventRule(mapping, file: display, into: &diagnostics) { eventRules.append(rule) }
            } else if let rule = readRule(mapping, file: display, packLanguages: packLanguages, into: &diagnostics) {
                rules.append(rule)
            }
        }
        return (rules, eventRules)
    }

    static func readRule(_ mapping: Node.Mapping, file: String, packLanguages: [String], into diagnostics: inout [Diagnostic]) -> RuleSpec? {
        var r = NodeReader(file: file, mapping: mapping, context: "rule")
        r.rejectUnknownKeys(allowed: ruleKeys, hints: [
            "where": "`where` belongs to event rules, which have an `event:` key",
            "regex": "the pattern key is `match`",
            "pattern": "the pattern key is `match`",
        ])
        let id = r.string("id", required: true)
        let ruleID = id?.value
        let title = r.string("title", required: true)
        let signal = r.string("signal", required: true)
        let match = r.string("match", required: true)
        let unless = r.string("unless", required: false)
        let score = r.int("score", required: true)
        let channels = r.strings("channels", required: false) ?? []
        let langs = r.strings("lang", required: false)
        let tags = r.strings("tags", required: false)?.map(\.value) ?? []
        let prefilter = r.strings("prefilter", required: false)?.map(\.value) ?? []
        let phonetic = r.bool("phonetic")
        let advice = r.localized("advice", fallbackLanguage: langs?.first?.value ?? packLanguages.first ?? "en")
        let adviceLocation = r.node("advice").map { r.location(of: $0) }
        let examples = readExamples(&r, rule: ruleID)

        if let id, !isValidID(id.value) {
            r.report(Diagnostic(.invalidValue, at: id.location, "rule id `\(id.value)` is not allowed",
                                hint: "use lowercase letters, digits, '.', '-' and '_' (e.g. zh.pay.sms-code-request)", rule: ruleID))
        }
        if let signal, !isValidSignal(signal.value) {
            r.report(Diagnostic(.invalidValue, at: signal.location, "signal `\(signal.value)` is not allowed",
                                hint: "write domain.name in lowercase, e.g. request.sms_code", rule: ruleID))
        }
        if let score, !(1...100).contains(score.value) {
            r.report(Diagnostic(.invalidValue, at: score.location, "`score` must be between 1 and 100", rule: ruleID))
        }
        for channel in channels where !PackLoader.channels.contains(channel.value) {
            r.report(Diagnostic(.invalidValue, at: channel.location, "unknown channel `\(channel.value)`",
                                hint: "use any of " + PackLoader.channels.joined(separator: ", "), rule: ruleID))
        }
        for lang in langs ?? [] where !PackLoader.languages.contains(lang.value) {
            r.report(Diagnostic(.invalidValue, at: lang.location, "unknown language `\(lang.value)`", hint: "use zh, en or any", rule: ruleID))
        }
        if let match, match.value.isEmpty {
            r.report(Diagnostic(.invalidValue, at: match.location, "`match` is empty", rule: ruleID))
        }
        diagnostics += r.diagnostics
        guard let id, let title, let signal, let match, let score else { return nil }
        var languages = langs?.map(\.value) ?? packLanguages
        if languages.contains("any") { languages = [] }
        var rule = RuleSpec(id: id.value, title: title.value, signal: signal.value, channels: channels.map(\.value),
                            languages: languages, match: match, unless: unless, score: score.value, tags: tags,
                            advice: advice, examples: examples, prefilter: prefilter, location: r.location)
        rule.titleLocation = title.location
        rule.adviceLocation = adviceLocation
        rule.phonetic = phonetic?.value
        rule.phoneticLocation = phonetic?.location
        return rule
    }

    /// `examples: {match, no_match}` of a rule, or of a lexicon (`noun`), both required.
    static func readExamples(_ r: inout NodeReader, rule: String?, noun: String = "rule") -> RuleExamples {
        guard let node = r.node("examples") else {
            r.report(Diagnostic(.missingExamples, at: r.location, "\(noun) has no examples",
                                hint: "add `examples: {match: [...], no_match: [...]}`: they are the rule's tests", rule: rule))
            return RuleExamples()
        }
        guard case .mapping(let mapping) = node else {
            r.report(Diagnostic(.wrongType, at: r.location(of: node), "`examples` must be a mapping with `match` and `no_match`", rule: rule))
            return RuleExamples()
        }
        var e = NodeReader(file: r.file, mapping: mapping, context: "examples")
        e.rejectUnknownKeys(allowed: ["match", "no_match"])
        let match = e.strings("match", required: false) ?? []
        let noMatch = e.strings("no_match", required: false) ?? []
        if match.isEmpty {
            e.report(Diagnostic(.missingExamples, at: e.location, "\(noun) has no `match` example",
                                hint: "add at least one text the rule must match", rule: rule))
        }
        if noMatch.isEmpty {
            e.report(Diagnostic(.missingExamples, at: e.location, "\(noun) has no `no_match` example",
                                hint: "add at least one look-alike it must not match, such as an anti-fraud warning", rule: rule))
        }
        for d in e.diagnostics { r.report(d) }
        return RuleExamples(match: match, noMatch: noMatch)
    }

    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    static func isValidID(_ s: String) -> Bool {
        guard let first = s.utf8.first, (first >= 0x61 && first <= 0x7A) || (first >= 0x30 && first <= 0x39) else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
    }

    static func isValidSignal(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        }
    }
}
