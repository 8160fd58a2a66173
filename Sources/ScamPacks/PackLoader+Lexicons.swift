import Yams

/// Lexicons: `lexicons/*.yaml`, each a YAML list of named fragments that rules use as `{{name}}`.
extension PackLoader {
    static let lexiconKeys = ["name", "pattern", "description", "examples", "phonetic"]

    /// Reads the pack's lexicons, expands them into `rules` (their `match` and `unless`; the
    /// patterns as written move to `asWritten`), and reports undefined names, cycles and unused
    /// lexicons. A rule whose pattern cannot be expanded keeps it as written (lint then reports
    /// everything else about it too; the pack does not load). The pack's `verdict` is expanded
    /// the same way.
    /// - Returns: the lexicons, expanded, for their examples.
    static func expandLexicons(in rules: inout [RuleSpec], verdict: inout Located<String>?, files: [PackFile],
                               display: (String) -> String, into diagnostics: inout [Diagnostic]) -> [LexiconSpec] {
        let lexiconFiles = files.filter { $0.path.hasPrefix("lexicons/") && ($0.path.hasSuffix(".yaml") || $0.path.hasSuffix(".yml")) }
        let anyReference = rules.contains { rule in
            rule.match.value.contains("{{") || (rule.unless?.value.contains("{{") ?? false)
        } || (verdict?.value.contains("{{") ?? false)
        guard !lexiconFiles.isEmpty || anyReference else { return [] }
        var specs: [LexiconSpec] = []
        for file in lexiconFiles { specs += readLexicons(file, display: display(file.path), into: &diagnostics) }
        var sources: [String: String] = [:]
        for file in files where file.path.hasPrefix("rules/") || file.path.hasPrefix("lexicons/") {
            sources[display(file.path)] = file.contents
        }
        var expander = LexiconExpander(specs, sources: sources)
        let sounding = phoneticClosure(specs)
        for i in rules.indices {
            let rule = rules[i]
            // A phonetic lexicon in `match` makes the rule phonetic unless it says otherwise.
            if rule.phonetic == nil, LexiconExpander.references(in: rule.match.value).contains(where: { sounding.contains($0.name) }) {
                rules[i].phonetic = true
            }
            let patterns = [rule.match] + (rule.unless.map { [$0] } ?? [])
            guard patterns.contains(where: { !LexiconExpander.references(in: $0.value).isEmpty }) else { continue }
            rules[i].asWritten = WrittenPatterns(match: rule.match.value, unless: rule.unless?.value)
            if let match = expander.expand(rule.match, what: "`match` of rule \(rule.id)", rule: rule.id) {
                rules[i].match.value = match
            }
            if let unless = rule.unless, let expanded = expander.expand(unless, what: "`unless` of rule \(rule.id)", rule: rule.id) {
                rules[i].unless?.value = expanded
            }
        }
        if let written = verdict, let expanded = expander.expand(written, what: "`verdict` of pack.yaml", rule: nil) {
            verdict?.value = expanded
        }
        diagnostics += expander.diagnostics + expander.unusedDiagnostics
        return specs.compactMap { expander.lexicons[$0.name] }.reduce(into: [LexiconSpec]()) { out, spec in
            if !out.contains(where: { $0.name == spec.name }) { out.append(spec) }
        }
    }

    /// The names of the phonetic lexicons and of the lexicons that use one, however deep.
    static func phoneticClosure(_ specs: [LexiconSpec]) -> Set<String> {
        var sounding = Set(specs.filter(\.phonetic).map(\.name))
        var changed = !sounding.isEmpty
        while changed {
            changed = false
            for spec in specs where !sounding.contains(spec.name)
                && LexiconExpander.references(in: spec.pattern.value).contains(where: { sounding.contains($0.name) }) {
                sounding.insert(spec.name)
                changed = true
            }
        }
        return sounding
    }

    static func readLexicons(_ file: PackFile, display: String, into diagnostics: inout [Diagnostic]) -> [LexiconSpec] {
        guard let node = parse(file, display: display, into: &diagnostics) else { return [] }
        guard case .sequence(let sequence) = node else {
            diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: node, in: display),
                                          "a lexicons file must be a YAML list of lexicons", hint: "start each one with `- name: ...`"))
            return []
        }
        var out: [LexiconSpec] = []
        for item in sequence {
            guard case .mapping(let mapping) = item else {
                diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: item, in: display), "each lexicon must be a mapping"))
                continue
            }
            var r = NodeReader(file: display, mapping: mapping, context: "lexicon")
            r.rejectUnknownKeys(allowed: lexiconKeys, hints: ["match": "a lexicon's fragment is `pattern`", "id": "a lexicon is named by `name`"])
            let name = r.string("name", required: true)
            let pattern = r.string("pattern", required: true)
            let description = r.string("description", required: false)?.value ?? ""
            let examples = readExamples(&r, rule: nil, noun: "lexicon")
            let phonetic = r.bool("phonetic")?.value ?? false
            if let name, !LexiconExpander.isValidName(name.value) {
                r.report(Diagnostic(.invalidValue, at: name.location, "lexicon name `\(name.value)` is not allowed",
                                    hint: "use lowercase segments of letters, digits and '_' joined by '.', e.g. claim.platform_support"))
            }
            if let pattern, pattern.value.isEmpty {
                r.report(Diagnostic(.invalidValue, at: pattern.location, "`pattern` is empty"))
            }
            diagnostics += r.diagnostics
            guard let name, let pattern, !pattern.value.isEmpty else { continue }
            var lexicon = LexiconSpec(name: name.value, pattern: pattern, description: description, examples: examples, location: r.location)
            lexicon.phonetic = phonetic
            out.append(lexicon)
        }
        return out
    }
}
