import Foundation
import ScamEngine

/// Reads SubRip (`.srt`) and WebVTT (`.vtt`) subtitles, as Whisper and WhisperX write them, as
/// one call: a record per cue.
///
/// A cue is an optional number or id line, a time line `00:01:02,500 --> 00:01:04,000` (VTT:
/// `.` before the milliseconds, hours optional, settings after), and text lines up to a blank
/// line. The speaker comes from a WebVTT voice tag (`<v 坐席>`) or a label that starts the text
/// (WhisperX's `[SPEAKER_00]: `); other tags are removed and entities decoded.
///
/// Invariants: a record's position is the line of its cue's first text line and its id the cue
/// number; a cue without a valid time line is reported and skipped; times are checked by
/// `TranscriptTimeline` (negative, reversed, overlapping).
struct SubtitleReader {
    let context: ReadContext
    let webVTT: Bool

    private enum State {
        case header, between, cue(id: String?), text, skip
    }

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        var timeline = TranscriptTimeline(context: context)
        var state: State = webVTT ? .header : .between
        var cue: (id: String?, start: Double?, end: Double?, line: Int, text: [String], bytes: Int)?
        var firstLine = true
        func finish(_ emit: inout Emitter) -> Bool {
            guard let c = cue.take(), !c.text.isEmpty else { return true }
            var text = c.text.joined(separator: "\n")
            var speaker: String?
            if webVTT { (speaker, text) = Self.vttText(text) }
            for output in timeline.segment(text: text, start: c.start, end: c.end, speaker: speaker, line: c.line, id: c.id) {
                guard emit(output) else { return false }
            }
            return true
        }
        while let line = lines.next() {
            let number: Int, text: String
            switch line {
            case .readError(let n, let code):
                guard finish(&emit) else { return }
                emit(context.readError(code, line: n))
                return
            case .oversized(let n, let bytes):
                guard emit(context.issue(.oversizedLine, line: n, "\(bytes) bytes, over the limit of \(context.options.maxLineBytes)",
                                         hint: "raise it with --max-line-bytes")) else { return }
                continue
            case .text(let n, let bytes):
                let (decoded, invalid) = context.decode(bytes, line: n)
                guard emit(invalid) else { return }
                number = n
                text = firstLine ? String(decoded.drop { $0 == "\u{FEFF}" }) : decoded
                firstLine = false
            }
            let blank = text.trimmed().isEmpty
            switch state {
            case .header:
                if blank { state = .between }
            case .skip:
                if blank { state = .between }
            case .between:
                if blank { continue }
                if Self.hasArrow(text) {
                    state = timing(text, id: nil, line: number, &cue, &emit)
                } else if webVTT, text.hasPrefix("NOTE") || text.hasPrefix("STYLE") || text.hasPrefix("REGION") {
                    state = .skip
                } else {
                    state = .cue(id: text.trimmed())
                }
            case .cue(let id):
                if Self.hasArrow(text) {
                    state = timing(text, id: id, line: number, &cue, &emit)
                } else {
                    guard emit(context.issue(.badTiming, line: number, "cue \(id ?? "") has no time line (`00:00:01,000 --> 00:00:02,000`): \(text.prefix(40))",
                                             hint: "the cue was skipped")) else { return }
                    state = blank ? .between : .skip
                }
            case .text:
                if blank {
                    guard finish(&emit) else { return }
                    state = .between
                } else if var c = cue {
                    c.bytes += text.utf8.count
                    if c.text.isEmpty { c.line = number }
                    if c.bytes > context.options.maxLineBytes {
                        cue = nil
                        guard emit(context.issue(.oversizedLine, line: c.line, "the cue runs over \(context.options.maxLineBytes) bytes",
                                                 hint: "raise it with --max-line-bytes")) else { return }
                        state = .skip
                        continue
                    }
                    c.text.append(text)
                    cue = c
                }
            }
            if emit.stopped { return }
        }
        _ = finish(&emit)
    }

    /// Starts a cue from its time line, or reports the line and skips the cue.
    private func timing(_ text: String, id: String?, line: Int,
                        _ cue: inout (id: String?, start: Double?, end: Double?, line: Int, text: [String], bytes: Int)?,
                        _ emit: inout Emitter) -> State {
        let utf8 = Array(text.utf8)
        guard let arrow = Self.arrow(in: utf8) else { return .skip }
        let start = Self.seconds(bytes: utf8[..<arrow])
        let rest = utf8[(arrow + 3)...].drop { $0 == 0x20 || $0 == 0x09 }
        let end = Self.arrow(in: Array(rest)) != nil ? nil : Self.seconds(bytes: rest.prefix { $0 != 0x20 && $0 != 0x09 })
        guard let start, let end else {
            emit(context.issue(.badTiming, line: line, "not a cue time line: \(text.prefix(60))",
                               hint: "write 00:00:01,000 --> 00:00:02,000; the cue was skipped"))
            return .skip
        }
        cue = (id, start, end, line + 1, [], 0)
        return .text
    }

    /// The offset of the first `-->` in a line's UTF-8.
    static func arrow(in utf8: [UInt8]) -> Int? {
        guard utf8.count >= 3 else { return nil }
        for i in 0...(utf8.count - 3) where utf8[i] == 0x2D && utf8[i + 1] == 0x2D && utf8[i + 2] == 0x3E { return i }
        return nil
    }

    static func hasArrow(_ text: String) -> Bool {
        var dashes = 0
        for b in text.utf8 {
            if b == 0x3E, dashes >= 2 { return true }
            dashes = b == 0x2D ? dashes + 1 : 0
        }
        return false
    }

    /// `[-]hh:mm:ss,mmm`, `hh:mm:ss.mmm`, `mm:ss.mmm` in seconds (spaces around allowed).
    static func seconds(bytes raw: ArraySlice<UInt8>) -> Double? {
        var b = raw.drop { $0 == 0x20 || $0 == 0x09 }
        while let last = b.last, last == 0x20 || last == 0x09 { b = b.dropLast() }
        var negative = false
        if b.first == UInt8(ascii: "-") { negative = true; b = b.dropFirst() }
        var parts: [Int] = []
        var value = 0, digits = 0
        var i = b.startIndex
        while i < b.endIndex {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                guard digits < 3 else { return nil }
                value = value * 10 + Int(c - 0x30); digits += 1
            } else if c == UInt8(ascii: ":") {
                guard digits > 0 else { return nil }
                parts.append(value); value = 0; digits = 0
            } else if c == UInt8(ascii: ",") || c == UInt8(ascii: ".") {
                break
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        parts.append(value)
        guard (2...3).contains(parts.count) else { return nil }
        var total = Double(parts.reduce(0) { $0 * 60 + $1 })
        if i < b.endIndex {
            let fraction = b[(i + 1)...]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            var f = 0.0, scale = 1.0
            for c in fraction { f = f * 10 + Double(c - 0x30); scale *= 10 }
            total += f / scale
        }
        return negative ? -total : total
    }

    /// `[-]hh:mm:ss,mmm`, `hh:mm:ss.mmm`, `mm:ss.mmm` in seconds.
    static func seconds(_ text: String) -> Double? {
        seconds(bytes: Array(text.utf8)[...])
    }

    /// The speaker of a WebVTT voice tag (`<v Name>`, `<v.loud Name>`) and the text without tags.
    static func vttText(_ text: String) -> (String?, String) {
        var speaker: String?
        var out = ""
        guard text.utf8.contains(UInt8(ascii: "<")) || text.utf8.contains(UInt8(ascii: "&")) else { return (nil, text) }
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else { out += rest[open...]; rest = ""; break }
            let tag = rest[rest.index(after: open)..<close]
            if speaker == nil, tag.hasPrefix("v ") || tag.hasPrefix("v.") {
                let name = tag.drop { $0 != " " }.trimmed()
                if !name.isEmpty { speaker = name }
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        guard out.utf8.contains(UInt8(ascii: "&")) else { return (speaker, out) }
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", " "), ("&lrm;", ""), ("&rlm;", ""), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: char)
        }
        return (speaker, out)
    }
}
