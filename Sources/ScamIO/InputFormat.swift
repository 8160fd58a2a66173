/// The input formats `scan` reads.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One JSON object a line: the Record of the design (also the labelled eval format).
    case jsonl
    /// One message a line.
    case text
    /// A speaker-labelled call transcript (`坐席：`/`客户：`, `A:`/`B:`, `left:`/`right:`,
    /// optional `[hh:mm:ss]`), one segment a line.
    case transcript
    /// Android "SMS Backup & Restore" XML: `<smses>` with `<sms>` and `<mms>`, `<calls>` with `<call>`.
    case smsBackup = "sms-backup"
    /// `adb shell content query --uri content://sms` (or `content://call_log/calls`) output.
    case adb
    /// WhatsApp "Export chat" text, Android or iOS.
    case whatsapp
    /// Telegram Desktop export, `result.json` (one chat or the whole account).
    case telegram
    /// WeChat chat exports as CSV: WeChatMsg (留痕) or PyWxDump.
    case wechat
    /// iMessage / iOS SMS database: macOS `chat.db` or iOS backup `sms.db` (SQLite).
    case imessage
    /// Speech-to-text JSON: OpenAI Whisper, whisper.cpp (`-oj`) or WhisperX (with speakers).
    case whisper
    /// SubRip subtitles, as Whisper and WhisperX write them.
    case srt
    /// WebVTT subtitles.
    case vtt
    /// Whisper's TSV: `start`, `end` (milliseconds), `text`.
    case whisperTSV = "whisper-tsv"
    /// Any CSV with a header, columns chosen with `--map` (or by their usual names).
    case csv

    /// What the format is, for help and for the unknown-format message.
    public var summary: String {
        switch self {
        case .jsonl: return "JSON lines (one record a line)"
        case .text: return "plain text, one message a line"
        case .transcript: return "speaker-labelled transcript (坐席：..., A: ...)"
        case .smsBackup: return "SMS Backup & Restore XML (<smses>, <calls>)"
        case .adb: return "adb content query output (Row: 0 _id=..., body=...)"
        case .whatsapp: return "WhatsApp chat export (06/03/2017, 00:45 - Name: text)"
        case .telegram: return "Telegram Desktop result.json"
        case .wechat: return "WeChat CSV from WeChatMsg or PyWxDump"
        case .imessage: return "iMessage chat.db / iOS sms.db (SQLite)"
        case .whisper: return "Whisper / whisper.cpp / WhisperX JSON"
        case .srt: return "SRT subtitles"
        case .vtt: return "WebVTT subtitles"
        case .whisperTSV: return "Whisper TSV (start, end, text)"
        case .csv: return "CSV with a header (--map text=COLUMN,...)"
        }
    }

    /// Whether records of this format come from a call transcript (one unit of scoring per file).
    public var isTranscript: Bool {
        switch self {
        case .transcript, .whisper, .srt, .vtt, .whisperTSV: return true
        default: return false
        }
    }

    /// Picks a line-based format from the file's extension and its first lines. Kept for
    /// callers that only have lines; `FormatDetector.detect(path:head:options:)` sees every
    /// format and can answer "unknown".
    ///
    /// JSON lines win when the first non-empty line is an object; a transcript needs at least
    /// half of the first non-empty lines to carry a speaker label.
    public static func detect(path: String, firstLines: [String]) -> InputFormat {
        let head = Array(firstLines.joined(separator: "\n").utf8)
        switch FormatDetector.detect(path: path, head: head, options: ReaderOptions()) {
        case .format(let format): return format
        case .unknown: return .text
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, ideographic spaces, no-break spaces
    /// and BOMs (worked out on the UTF-8 bytes: it runs on every line of every export).
    func trimmed() -> String {
        let whole = String(self)
        let u = whole.utf8
        var start = u.startIndex
        var end = u.endIndex
        func byte(_ i: String.Index, _ offset: Int) -> UInt8? {
            guard let j = u.index(i, offsetBy: offset, limitedBy: offset < 0 ? u.startIndex : u.endIndex), j < u.endIndex, j >= u.startIndex else { return nil }
            return u[j]
        }
        while start < end {
            let b = u[start]
            let width: Int
            if b == 0x20 || b == 0x09 { width = 1 }
            else if b == 0xC2, byte(start, 1) == 0xA0 { width = 2 }
            else if b == 0xE3, byte(start, 1) == 0x80, byte(start, 2) == 0x80 { width = 3 }
            else if b == 0xEF, byte(start, 1) == 0xBB, byte(start, 2) == 0xBF { width = 3 }
            else { break }
            start = u.index(start, offsetBy: width)
        }
        while end > start {
            let last = u.index(before: end)
            let b = u[last]
            let width: Int
            if b == 0x20 || b == 0x09 { width = 1 }
            else if b == 0xA0, last > start, byte(last, -1) == 0xC2 { width = 2 }
            else if b == 0x80, u.distance(from: start, to: last) >= 2, byte(last, -1) == 0x80, byte(last, -2) == 0xE3 { width = 3 }
            else if b == 0xBF, u.distance(from: start, to: last) >= 2, byte(last, -1) == 0xBB, byte(last, -2) == 0xEF { width = 3 }
            else { break }
            end = u.index(end, offsetBy: -width)
        }
        return start == u.startIndex && end == u.endIndex ? whole : String(whole[start..<end])
    }
}
