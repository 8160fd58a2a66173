import PCRE2
import ScamPacks

/// Checks a cue file's cues: each pattern compiles and behaves on its examples (after
/// normalization, like rules).
public enum CueCheck {
    public static func run(_ cues: [CueDefinition]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let normalizer = Normalizer()
        let matcher = Matcher()
        for cue in cues {
            let regex: Regex
            do {
                regex = try Regex(Normalizer.simplifyHan(in: cue.pattern.value))
            } catch {
                out.append(Diagnostic(.badRegex, at: cue.pattern.location, "the pattern of cue `\(cue.name)` does not compile: \(error.message) at offset \(error.offset ?? 0)",
                                      hint: PatternLint.caret(cue.pattern.value, byteOffset: error.offset ?? 0)))
                continue
            }
            func matches(_ text: String) -> Bool {
                (try? matcher.firstMatch(regex, in: normalizer.normalize(text).subject)) != nil
            }
            for example in cue.examples.match where !matches(example.value) {
                out.append(Diagnostic(.badExample, at: example.location, "cue `\(cue.name)` does not match its example", hint: example.value))
            }
            for example in cue.examples.noMatch where matches(example.value) {
                out.append(Diagnostic(.badExample, at: example.location, "cue `\(cue.name)` matches its no_match example", hint: example.value))
            }
        }
        return out
    }
}
