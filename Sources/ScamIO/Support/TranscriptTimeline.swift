import ScamEngine

/// Turns the segments of one speech-to-text transcript into records of one call, checking
/// their times as it goes.
///
/// Every segment of a file gets `conversation` = the file, so its hits add up to one score, and
/// `channel: call`. Offsets become times when `--call-start` is given; speakers are renamed by
/// `--speaker-map`.
///
/// Invariants: a segment with a negative time, that ends before it starts, or that starts more
/// than `tolerance` seconds before the previous segment ends (overlapping or going back in
/// time) is reported at its position with both times; it is still scanned (its words are real),
/// without a time when its start is negative.
struct TranscriptTimeline {
    let context: ReadContext
    /// Overlaps this small are rounding, not errors.
    static let tolerance = 0.1
    private var previousEnd: Double?
    private var previousLine = 0

    init(context: ReadContext) {
        self.context = context
    }

    mutating func segment(text raw: String, start: Double?, end: Double?, speaker: String?, line: Int, id: String?) -> [ReaderOutput] {
        var out: [ReaderOutput] = []
        let name = id.map { "segment \($0)" } ?? "the segment"
        var start = start
        if let s = start, s < 0 || !s.isFinite || s > 1e9 {
            out.append(context.issue(.badTiming, line: line, s > 1e9 ? "\(name) starts \(s) seconds into the call" : "\(name) starts at a negative time (\(Self.clock(s)))",
                                     hint: "it was scanned without a time", skipped: false))
            start = nil
        }
        if let e = end, e < 0 || !e.isFinite {
            out.append(context.issue(.badTiming, line: line, "\(name) ends at a negative time (\(Self.clock(e)))",
                                     hint: "it was scanned; check the transcriber's output", skipped: false))
        } else if let s = start, let e = end, e < s {
            out.append(context.issue(.badTiming, line: line, "\(name) ends (\(Self.clock(e))) before it starts (\(Self.clock(s)))",
                                     hint: "it was scanned; check the transcriber's output", skipped: false))
        }
        if let s = start, let previous = previousEnd, s < previous - Self.tolerance {
            out.append(context.issue(.badTiming, line: line,
                                     "\(name) starts at \(Self.clock(s)), before the previous segment (line \(previousLine)) ends at \(Self.clock(previous))",
                                     hint: "overlapping or out-of-order segments; both were scanned", skipped: false))
        }
        if let s = start {
            let e = end.flatMap { $0 >= s ? $0 : nil } ?? s
            previousEnd = max(previousEnd ?? e, e)
            previousLine = line
        }
        let (labelled, text) = Self.splitSpeaker(raw)
        let spoken = text.trimmed()
        guard !spoken.isEmpty else { return out }
        let who = (speaker ?? labelled).map { context.options.speakerMap[$0] ?? $0 }
        let time = start.flatMap { s in context.options.callStart.map { $0 + Int64((s * 1000).rounded()) } }
        out.append(.record(Record(text: spoken, source: context.at(line), time: time, channel: "call", subject: context.subject,
                                  speaker: who, id: id, conversation: context.file)))
        return out
    }

    /// A speaker label that starts a segment's text: `[SPEAKER_00]: `, `SPEAKER_00: `, `坐席：`.
    static func splitSpeaker(_ text: String) -> (String?, String) {
        let trimmed = text.trimmed()
        if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
            let label = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let after = trimmed[trimmed.index(after: close)...]
            if TranscriptLine.isSpeakerLabel(label), let colon = after.first, colon == ":" || colon == "：" {
                return (label, String(after.dropFirst()).trimmed())
            }
        }
        if let line = TranscriptLine.parse(trimmed), line.offset == nil { return (line.speaker, line.text) }
        return (nil, trimmed)
    }

    /// `hh:mm:ss.mmm` (with a sign when negative).
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e9 else { return "\(seconds) s" }
        let ms = Int((abs(seconds) * 1000).rounded())
        func p(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        return (seconds < 0 ? "-" : "") + "\(p(ms / 3_600_000, 2)):\(p(ms / 60_000 % 60, 2)):\(p(ms / 1000 % 60, 2)).\(p(ms % 1000, 3))"
    }
}
