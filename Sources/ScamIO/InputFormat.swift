/// The input formats `scan` reads.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One JSON object a line: the Record of the design (also the labelled eval format).
    case jsonl
    /// One message a line.
    case text
    /// A speaker-labelled call transcript (`坐席：`/`客户：`, `A:`/`B:`, `left:`/`right:`,
    /// optional `[hh:mm:ss]`), one segment a line.
    case transcript

    /// Picks the format from the file's extension and its first lines.
    ///
    /// JSON lines win when the first non-empty line is an object; a transcript needs at least
    /// half of the first non-empty lines to carry a speaker label.
    public static func detect(path: String, firstLines: [String]) -> InputFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        let lines = firstLines.map { $0.trimmed() }.filter { !$0.isEmpty }
        guard let first = lines.first else { return .text }
        if first.hasPrefix("{") { return .jsonl }
        let labelled = lines.filter { TranscriptLine.parse($0) != nil }.count
        if labelled * 2 >= lines.count { return .transcript }
        return .text
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, ideographic spaces and BOMs.
    func trimmed() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        func blank(_ s: Unicode.Scalar) -> Bool {
            s == " " || s == "\t" || s == "\u{3000}" || s == "\u{FEFF}" || s == "\u{00A0}"
        }
        while let f = scalars.first, blank(f) { scalars.removeFirst() }
        while let l = scalars.last, blank(l) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
