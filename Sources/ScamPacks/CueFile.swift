import Yams

/// A model's context cues as a person writes them (`model/cues.yaml` of a model pack), the
/// input of `scamflow learn --cues`:
///
/// ```yaml
/// - name: negation               # [a-z_]+, unique
///   scope: near                  # near | before | record | sentence
///   pattern: '(?:不会|绝不|never)'  # PCRE2 on normalized text, like a rule's match
///   examples:
///     match: ['官方不会让您开启屏幕共享']
///     no_match: ['请开启屏幕共享']
/// ```
///
/// The trained model copies each cue into its file, so a model never depends on this file
/// afterwards; retrain after changing it.
public struct CueDefinition: Sendable {
    public var name: String
    public var scope: String
    public var pattern: Located<String>
    public var examples: RuleExamples
    public var location: SourceLocation

    public static let scopes = ["near", "before", "record", "sentence"]
    static let keys = ["name", "scope", "pattern", "examples"]

    /// Reads a cue file; every problem is a diagnostic with its line.
    public static func load(_ file: PackFile, display: String) -> ([CueDefinition], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        guard let node = PackLoader.parse(file, display: display, into: &diagnostics) else { return ([], diagnostics) }
        guard case .sequence(let items) = node else {
            diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: node, in: display), "a cue file must be a YAML list of cues",
                                          hint: "start each cue with `- name: ...`"))
            return ([], diagnostics)
        }
        var cues: [CueDefinition] = []
        var seen = Set<String>()
        for item in items {
            guard case .mapping(let mapping) = item else {
                diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: item, in: display), "each cue must be a mapping"))
                continue
            }
            var r = NodeReader(file: display, mapping: mapping, context: "cue")
            r.rejectUnknownKeys(allowed: keys)
            let name = r.string("name", required: true)
            let scope = r.string("scope", required: true)
            let pattern = r.string("pattern", required: true)
            let examples = PackLoader.readExamples(&r, rule: name?.value)
            if let name, name.value.isEmpty || !name.value.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) {
                r.report(Diagnostic(.invalidValue, at: name.location, "cue name `\(name.value)` is not allowed", hint: "use lowercase letters and '_'"))
            } else if let name, !seen.insert(name.value).inserted {
                r.report(Diagnostic(.duplicateID, at: name.location, "duplicate cue `\(name.value)`"))
            }
            if let scope, !scopes.contains(scope.value) {
                r.report(Diagnostic(.invalidValue, at: scope.location, "unknown scope `\(scope.value)`", hint: "use near, before, record or sentence"))
            }
            diagnostics += r.diagnostics
            guard let name, let scope, let pattern else { continue }
            cues.append(CueDefinition(name: name.value, scope: scope.value, pattern: pattern, examples: examples, location: r.location))
        }
        return (cues, diagnostics)
    }
}
