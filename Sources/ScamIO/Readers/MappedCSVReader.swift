import ScamEngine

/// Reads any CSV with a header row, one record a row, its columns given by a `ColumnMap`
/// (`--map`, plus the usual names for the rest).
///
/// Times are RFC 3339, a local `2024-01-05 10:21:33` in `--tz`, or epoch seconds or
/// milliseconds; directions are `in`/`out` or their usual spellings (`incoming`, `sent`,
/// Android's 1 and 2, 接收/发送).
///
/// Invariants: a record's position is the line its row starts on; a row with the wrong number
/// of fields, a broken quote or an unreadable value is reported with its line and the rest is
/// read; a header that lacks a mapped column ends the file with one issue.
struct MappedCSVReader {
    let context: ReadContext

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        var rows = CSVRowReader(maxRowBytes: context.options.maxLineBytes)
        var columns: [String: Int]?
        var width = 0
        while let output = rows.next(&lines) {
            switch output {
            case .readError(let line, let code):
                emit(context.readError(code, line: line))
                return
            case .oversized(let line, let bytes):
                guard emit(context.issue(.oversizedLine, line: line, "\(bytes) bytes, over the limit of \(context.options.maxLineBytes)",
                                         hint: "raise it with --max-line-bytes")) else { return }
            case .brokenQuote(let line, let reason):
                guard emit(context.issue(.malformedCSV, line: line, "broken quote: \(reason)",
                                         hint: "the row was skipped; reading went on with the next line")) else { return }
            case .row(let fields, let line, let invalidUTF8, let strayQuote):
                guard let map = columns else {
                    let header = fields.map { $0.trimmed() }
                    switch (context.options.columnMap ?? ColumnMap(columns: [:])).resolve(header: header) {
                    case .success(let resolved):
                        columns = resolved
                        width = header.count
                        rows.expectedFields = width
                    case .failure(let error):
                        emit(context.issue(.unknownFormat, line: line, error.description, hint: "give the columns with --map text=COLUMN,time=COLUMN,peer=COLUMN"))
                        return
                    }
                    continue
                }
                guard emitAll(record(fields, line: line, map: map, width: width, invalidUTF8: invalidUTF8, strayQuote: strayQuote), &emit) else { return }
            }
        }
    }

    private func emitAll(_ outputs: [ReaderOutput], _ emit: inout Emitter) -> Bool {
        for output in outputs { guard emit(output) else { return false } }
        return true
    }

    private func record(_ fields: [String], line: Int, map: [String: Int], width: Int, invalidUTF8: Bool, strayQuote: Bool) -> [ReaderOutput] {
        var out: [ReaderOutput] = []
        if fields.count != width {
            if fields.count == 1, fields[0].trimmed().isEmpty { return [] }  // a blank line
            return [context.issue(.malformedCSV, line: line, "\(fields.count) fields, the header has \(width)",
                                  hint: "the row was skipped; check its quotes and delimiters")]
        }
        if strayQuote {
            out.append(context.issue(.malformedCSV, line: line, "text after a closing quote", hint: "the row was read as if the quote were literal", skipped: false))
        }
        if invalidUTF8 {
            out.append(context.issue(.invalidUTF8, line: line, "invalid UTF-8 in the row", hint: "bad bytes were replaced with U+FFFD and the row was still scanned", skipped: false))
        }
        func value(_ field: String) -> String? {
            guard let index = map[field], index < fields.count else { return nil }
            let v = fields[index].trimmed()
            return v.isEmpty || v == "NULL" || v == "null" ? nil : v
        }
        guard let text = map["text"].map({ fields[$0] }), !text.trimmed().isEmpty else {
            out.append(context.issue(.noText, line: line, "the text column is empty", hint: "rows without text are skipped"))
            return out
        }
        var record = Record(text: text, source: context.at(line), channel: value("channel") ?? context.options.channel,
                            subject: value("subject") ?? context.subject, peer: value("peer"), speaker: value("speaker"),
                            lang: value("lang"), id: value("id"), conversation: value("conversation"))
        if let time = value("time") {
            if let zoned = LocalTime.parseZoned(time, zone: context.options.zone) {
                record.time = zoned.millis
                record.utcOffset = zoned.utcOffset
            } else {
                out.append(context.issue(.badField, line: line, "time '\(time.prefix(40))' is not a time",
                                         hint: "write 2025-03-06T10:15:00+08:00, 2025-03-06 10:15:00 (read in --tz) or epoch seconds; the row was kept without a time", skipped: false))
            }
        }
        if let direction = value("direction") {
            record.direction = Self.direction(direction)
            if record.direction == nil {
                out.append(context.issue(.badField, line: line, "direction '\(direction.prefix(20))' is neither in nor out", hint: "the row was kept without a direction", skipped: false))
            }
        }
        if let known = value("peer_known")?.lowercased() {
            record.peerKnown = ["true", "1", "yes", "y", "是"].contains(known) ? true : ["false", "0", "no", "n", "否"].contains(known) ? false : nil
        }
        out.append(.record(record))
        return out
    }

    static func direction(_ text: String) -> String? {
        switch text.lowercased() {
        case "in", "incoming", "inbound", "received", "receive", "inbox", "1", "接收", "收", "收到", "来": return "in"
        case "out", "outgoing", "outbound", "sent", "send", "2", "发送", "发", "发出", "去": return "out"
        default: return nil
        }
    }
}
