/// What detection found: a format, or none with the reason and the formats the file could be.
public enum FormatDetection: Sendable, Equatable {
    case format(InputFormat)
    case unknown(reason: String, candidates: [InputFormat])
}

/// Picks an input's format from its extension and its first bytes (the head, up to 64 KiB).
///
/// Content decides first (an SQLite header, `<smses>`, `WEBVTT`, a WeChat CSV header, WhatsApp
/// date lines); the extension breaks ties and says what a file should have been when its content
/// matches nothing: a `.xml`, `.json`, `.csv`, `.srt`, `.vtt` or `.db` file that is not one of the
/// formats, or binary data, is `unknown` rather than read as lines of text. Anything else that
/// is text falls back to `transcript` or `text`, as before.
public enum FormatDetector {
    /// How many bytes of an input detection looks at.
    public static let headSize = 1 << 16

    public static func detect(path: String, head: [UInt8], options: ReaderOptions) -> FormatDetection {
        let ext = fileExtension(path)
        // Before the extension: a `.jsonl` file in UTF-16 is not JSON lines any reader can read,
        // and no format forced with --input-format would read it either.
        if let encoding = ForeignEncoding.detect(head) {
            return .unknown(reason: "\(encoding.summary); convert it to UTF-8 first (iconv -f \(encoding.iconvName) -t UTF-8)", candidates: [])
        }
        if ext == "jsonl" || ext == "ndjson" { return .format(.jsonl) }
        if isSQLite(head) { return .format(.imessage) }
        if ["db", "sqlite", "sqlite3", "sqlitedb"].contains(ext) {
            return .unknown(reason: "no SQLite header: not a database, or an encrypted one (an encrypted iOS backup, SQLCipher) that must be decrypted first",
                            candidates: [.imessage])
        }
        if isBinary(head) {
            // Of the formats, only chat.db/sms.db is binary, and it starts with the SQLite header.
            return .unknown(reason: "binary data, not text, and not an SQLite database (the one binary format read: iMessage chat.db / sms.db)",
                            candidates: [])
        }
        let text = String(decoding: head, as: UTF8.self)
        let body = text.drop { $0 == "\u{FEFF}" || $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        let lines = Self.lines(head, limit: 40).filter { !$0.trimmed().isEmpty }
        guard let first = lines.first else { return .format(.text) }

        if body.hasPrefix("<") {
            if body.contains("<smses") || body.contains("<calls") || body.contains("<sms ") { return .format(.smsBackup) }
            let lower = body.prefix(512).lowercased()
            let what = lower.hasPrefix("<!doctype html") || lower.contains("<html") ? "an HTML page" : "XML"
            return .unknown(reason: "\(what), but not an SMS Backup & Restore export (no <smses> or <calls>)", candidates: [.smsBackup])
        }
        if body.hasPrefix("{") || (body.hasPrefix("[") && body.dropFirst().drop(while: { $0.isWhitespace }).first.map({ "{[\"]".contains($0) }) == true) {
            if let json = detectJSON(body, firstLine: first, ext: ext) { return json }
        }
        if first.hasPrefix("WEBVTT") { return .format(.vtt) }
        if lines.count >= 2, first.trimmed().allSatisfy(\.isNumber), lines[1].contains("-->") { return .format(.srt) }
        if ext == "srt" || ext == "vtt" {
            return .unknown(reason: "a .\(ext) file that does not start with a subtitle cue", candidates: [ext == "srt" ? .srt : .vtt])
        }
        let header = first.lowercased().split(separator: "\t").map { $0.trimmed() }
        if header.count >= 3, header.contains("start"), header.contains("end"), header.contains("text") { return .format(.whisperTSV) }
        if first.hasPrefix("Row: "), ADBContentReader.rowNumber(of: first) != nil { return .format(.adb) }
        if let csv = detectCSV(first, ext: ext, options: options) { return csv }
        let whatsapp = lines.prefix(20).filter { WhatsAppHeader.parse($0) != nil }.count
        if WhatsAppHeader.parse(first) != nil, whatsapp * 2 >= min(lines.count, 20) { return .format(.whatsapp) }
        if first.hasPrefix("{") { return .format(.jsonl) }
        let sample = lines.prefix(20)
        let labelled = sample.filter { TranscriptLine.parse(String($0)) != nil }.count
        if labelled * 2 >= sample.count { return .format(.transcript) }
        return .format(.text)
    }

    /// Telegram and Whisper documents, JSON lines, or unknown JSON.
    private static func detectJSON(_ body: Substring, firstLine: Substring, ext: String) -> FormatDetection? {
        let telegram = body.contains("\"personal_information\"")
            || (body.contains("\"messages\"") && (body.contains("\"from_id\"") || body.contains("\"date_unixtime\"")
                || body.contains("\"text_entities\"") || body.contains("_chat\"") || body.contains("\"private_group\"")))
        if telegram { return .format(.telegram) }
        let whisper = (body.contains("\"segments\"") && body.contains("\"start\"") && body.contains("\"end\""))
            || (body.contains("\"transcription\"") && (body.contains("\"offsets\"") || body.contains("\"timestamps\"")))
            || (body.hasPrefix("[") && body.contains("\"start\"") && body.contains("\"end\"") && body.contains("\"text\""))
        if whisper { return .format(.whisper) }
        let line = firstLine.trimmed()
        // OpenAI Whisper writes one line whose transcript "text" may fill the whole head.
        if ext == "json", body.hasPrefix("{\"text\":") || body.hasPrefix("{\"text\": "), !body.contains("\n") { return .format(.whisper) }
        if line.hasPrefix("{"), line.count > 1 {
            // JSON lines, decided by the caller; unless neither of the first two lines is a JSON
            // value of its own: then it is one document spread over lines (pretty-printed).
            let second = body.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: true).dropFirst().first.map { $0.trimmed() }
            func isValue<S: StringProtocol>(_ text: S) -> Bool { (try? JSONLite.parse(Array(text.utf8))) != nil }
            guard let second, !isValue(line), !isValue(second) else { return nil }
            return .unknown(reason: "a JSON document spread over lines, but neither a Telegram export (result.json) nor a Whisper transcript",
                            candidates: [.telegram, .whisper])
        }
        return .unknown(reason: "a JSON document, but neither a Telegram export (result.json) nor a Whisper transcript",
                        candidates: [.telegram, .whisper, .jsonl])
    }

    /// WeChat CSV exports by their headers; other CSV files when a text column can be found.
    private static func detectCSV(_ first: Substring, ext: String, options: ReaderOptions) -> FormatDetection? {
        let header = CSVRowReader.splitHeader(String(first))
        if WeChatCSVReader.Variant(header: header) != nil { return .format(.wechat) }
        let isCSV = ext == "csv" || ext == "tsv"
        guard isCSV || (options.columnMap != nil && header.count >= 2) else { return nil }
        if options.columnMap != nil || ColumnMap.automatic(header: header) != nil { return .format(.csv) }
        let names = header.prefix(12).joined(separator: ", ")
        return .unknown(reason: "a CSV file, but no column is known to hold the text (columns: \(names))",
                        candidates: [.csv, .wechat])
    }

    /// The first `limit` lines of `head`, split on LF bytes (a CRLF is one Character in Swift
    /// strings, so splitting text on "\n" would miss it), without their CR.
    static func lines(_ head: [UInt8], limit: Int) -> [Substring] {
        var out: [Substring] = []
        var start = head.startIndex
        if head.starts(with: ByteOrderMark.utf8) { start += ByteOrderMark.utf8.count }
        while start < head.endIndex, out.count < limit {
            var end = head[start...].firstIndex(of: 0x0A) ?? head.endIndex
            let next = end
            if end > start, head[end - 1] == 0x0D { end -= 1 }
            out.append(Substring(String(decoding: head[start..<end], as: UTF8.self)))
            start = next + 1
        }
        return out
    }

    /// Whether `head` starts like an SQLite database (iMessage's chat.db, Android's mmssms.db).
    public static func isSQLite(_ head: [UInt8]) -> Bool { head.starts(with: Array("SQLite format 3\0".utf8)) }

    /// NUL bytes, or many bytes that are not UTF-8, in the head.
    static func isBinary(_ head: [UInt8]) -> Bool {
        let sample = head.prefix(8192)
        if sample.contains(0) { return true }
        var bad = 0
        var i = sample.startIndex
        while i < sample.endIndex {
            let b = sample[i]
            if b < 0x80 {
                if b < 0x09 || (b > 0x0D && b < 0x20 && b != 0x1B) { bad += 1 }
                i += 1
                continue
            }
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0
            if length == 0 { bad += 1; i += 1; continue }
            let end = i + length
            if end > sample.endIndex { break }  // a character cut by the head's end
            if sample[(i + 1)..<end].allSatisfy({ $0 & 0xC0 == 0x80 }) { i = end } else { bad += 1; i += 1 }
        }
        return bad >= 16 && bad * 4 > sample.count
    }

    /// The formats a file with this extension is expected to be.
    static func candidates(_ ext: String) -> [InputFormat] {
        switch ext {
        case "xml": return [.smsBackup]
        case "json": return [.telegram, .whisper, .jsonl]
        case "csv": return [.wechat, .csv]
        case "tsv": return [.whisperTSV, .csv]
        case "srt": return [.srt]
        case "vtt": return [.vtt]
        case "db", "sqlite", "sqlite3", "sqlitedb": return [.imessage]
        case "txt": return [.whatsapp, .adb, .transcript, .text]
        default: return InputFormat.allCases
        }
    }

    static func fileExtension(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "" }
        return path[path.index(after: dot)...].lowercased()
    }
}
