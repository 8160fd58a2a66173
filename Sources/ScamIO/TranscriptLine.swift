/// One line of a speaker-labelled transcript: `[00:01:15] 坐席：您好` or `A: hello`.
public struct TranscriptLine: Sendable, Equatable {
    /// Seconds from the start of the call, when the line has a `[hh:mm:ss]` or `[mm:ss]` stamp.
    public var offset: Int?
    public var speaker: String
    public var text: String

    /// Speaker labels recognised without a number (compared lowercased).
    static let labels: Set<String> = [
        "坐席", "客户", "客服", "用户", "来电", "来电人", "主叫", "被叫", "对方", "本人", "甲", "乙", "骗子", "受害人", "民警",
        "a", "b", "left", "right", "caller", "callee", "agent", "customer", "me", "them", "user", "operator",
    ]

    /// Parses a line, or returns nil when it has no speaker label.
    public static func parse(_ line: String) -> TranscriptLine? {
        var rest = Substring(line)
        var offset: Int?
        if rest.first == "[", let close = rest.firstIndex(of: "]") {
            let stamp = rest[rest.index(after: rest.startIndex)..<close]
            guard let seconds = parseClock(stamp) else { return nil }
            offset = seconds
            rest = rest[rest.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        }
        guard let colon = rest.firstIndex(where: { $0 == ":" || $0 == "：" }) else { return nil }
        let label = rest[..<colon].trimmed()
        guard isSpeakerLabel(label) else { return nil }
        let text = rest[rest.index(after: colon)...].trimmed()
        return TranscriptLine(offset: offset, speaker: label, text: text)
    }

    static func isSpeakerLabel(_ label: String) -> Bool {
        let lower = label.lowercased()
        if labels.contains(lower) { return true }
        // Numbered speakers: "speaker 1", "SPEAKER_00", "说话人1", "spk2".
        for prefix in ["speaker", "说话人", "spk", "发言人"] where lower.hasPrefix(prefix) {
            let tail = lower.dropFirst(prefix.count).drop { $0 == " " || $0 == "_" }
            return !tail.isEmpty && tail.count <= 3 && tail.allSatisfy(\.isASCII) && tail.allSatisfy(\.isNumber)
        }
        return false
    }

    /// `hh:mm:ss`, `mm:ss`, optionally with `.fff` (ignored), to seconds.
    static func parseClock(_ text: Substring) -> Int? {
        let main = text.split(separator: ".", maxSplits: 1).first ?? text
        let parts = main.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count) else { return nil }
        var total = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 2, let v = Int(part), v >= 0 else { return nil }
            total = total * 60 + v
        }
        return total
    }
}
