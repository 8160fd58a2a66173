/// Checks on pattern text that need no compiling.
enum PatternLint {
    /// The first uppercase Latin literal in a pattern, which can never match lowercased text;
    /// nil when there is none (escapes such as `\D`, `\p{Han}`, `(?i)` patterns are fine).
    static func unreachableLiteral(in pattern: String) -> String? {
        if pattern.hasPrefix("(?i)") { return nil }
        var scalars = Array(pattern.unicodeScalars)[...]
        while let s = scalars.popFirst() {
            if s == "\\" {
                // Skip the escaped character, and a {...} argument (\p{Han}, \x{4e00}).
                guard let next = scalars.popFirst() else { break }
                if "pPxNgkoub".unicodeScalars.contains(next), scalars.first == "{" {
                    while let c = scalars.popFirst(), c != "}" {}
                }
                continue
            }
            if s == "(", scalars.starts(with: "?<".unicodeScalars) || scalars.starts(with: "?P<".unicodeScalars) {
                // A named group: the name may be in any case.
                while let c = scalars.popFirst(), c != ">" {}
                continue
            }
            if s == "(", scalars.first == "*" {
                // A verb such as (*UTF) or (*SKIP).
                while let c = scalars.popFirst(), c != ")" {}
                continue
            }
            if s.value >= 0x41 && s.value <= 0x5A { return String(s) }
        }
        return nil
    }

    /// The pattern with a caret under `byteOffset`, for compile error hints.
    static func caret(_ pattern: String, byteOffset: Int) -> String {
        let prefix = String(decoding: pattern.utf8.prefix(byteOffset), as: UTF8.self)
        let width = prefix.unicodeScalars.reduce(0) { $0 + (Normalizer.isWide($1) ? 2 : 1) }
        return "\(pattern)\n        " + String(repeating: " ", count: width) + "^"
    }
}

extension Normalizer {
    /// East Asian wide characters take two terminal columns.
    static func isWide(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
    }
}
