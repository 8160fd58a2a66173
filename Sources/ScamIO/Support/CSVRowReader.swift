/// Rows of a CSV file (RFC 4180: quoted fields with `""` escapes may span lines), read from a
/// `LineReader` so memory stays bounded.
///
/// Invariants: each row carries the line it starts on; a quoted field may run over at most
/// `maxRowLines` lines and `maxRowBytes` bytes. A quote that does not close within those bounds
/// or before the end of the input, or that closes into a row with the wrong number of fields
/// (when `expectedFields` is set), is a broken quote: its first line is reported and dropped and
/// reading starts again on the line after it, so one bad quote costs one row, not the file.
struct CSVRowReader {
    enum Output {
        case row(fields: [String], line: Int, invalidUTF8: Bool, strayQuote: Bool)
        case brokenQuote(line: Int, reason: String)
        case oversized(line: Int, bytes: Int)
        case readError(line: Int, errno: Int32)
    }

    /// Sniffed from the first line (comma, tab or semicolon).
    private(set) var delimiter: UInt8 = UInt8(ascii: ",")
    /// Fields a row must have (the header's count); nil accepts any count.
    var expectedFields: Int?
    let maxRowBytes: Int
    var maxRowLines = 256
    /// Lines read past a broken quote, to be read again.
    private var replay: [LineReader.Line] = []
    private var first = true

    init(maxRowBytes: Int) {
        self.maxRowBytes = maxRowBytes
    }

    private mutating func nextLine(_ lines: inout LineReader) -> LineReader.Line? {
        if !replay.isEmpty { return replay.removeFirst() }
        return lines.next()
    }

    /// The next row, or nil at the end of the input.
    mutating func next(_ lines: inout LineReader) -> Output? {
        guard let line = nextLine(&lines) else { return nil }
        switch line {
        case .oversized(let number, let bytes): return .oversized(line: number, bytes: bytes)
        case .readError(let number, let code): return .readError(line: number, errno: code)
        case .text(let number, var bytes):
            if first {
                first = false
                if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
                delimiter = Self.sniffDelimiter(bytes)
            }
            var state = FieldState()
            state.consume(bytes, delimiter: delimiter)
            var consumed: [LineReader.Line] = []
            var total = bytes.count
            while state.inQuotes {
                let reason: String
                if consumed.count >= maxRowLines || total > maxRowBytes {
                    reason = "a quote opened on this line does not close within \(consumed.count) lines"
                } else if let more = nextLine(&lines) {
                    if case .text(let n, let b) = more {
                        consumed.append(.text(number: n, bytes: Array(b)[...]))
                        total += b.count + 1
                        state.field.append(0x0A)
                        state.consume(b, delimiter: delimiter)
                        continue
                    }
                    if case .readError(let n, let code) = more { return .readError(line: n, errno: code) }
                    // An oversized line inside the quote: the row is broken, the line reported later.
                    consumed.append(more)
                    reason = "a quote opened on this line runs into an oversized line"
                } else {
                    reason = "a quote opened on this line does not close before the end of the file"
                }
                replay.insert(contentsOf: consumed, at: 0)
                return .brokenQuote(line: number, reason: reason)
            }
            state.finishField()
            if let expected = expectedFields, !consumed.isEmpty, state.fields.count != expected {
                replay.insert(contentsOf: consumed, at: 0)
                return .brokenQuote(line: number, reason: "a quoted field spans \(consumed.count + 1) lines into a row of \(state.fields.count) fields, not \(expected)")
            }
            if !consumed.isEmpty, state.strayQuote {
                // A real multi-line field closes cleanly; text after its quote means the quote
                // that opened it was a stray one.
                replay.insert(contentsOf: consumed, at: 0)
                return .brokenQuote(line: number, reason: "a quote opened on this line closes \(consumed.count) line\(consumed.count == 1 ? "" : "s") later, followed by text")
            }
            var invalid = false
            let fields = state.fields.map { bytes -> String in
                let (text, bad) = TextDecodingShim.decode(bytes)
                if bad { invalid = true }
                return text
            }
            return .row(fields: fields, line: number, invalidUTF8: invalid, strayQuote: state.strayQuote)
        }
    }

    /// The fields of one physical line, for detection (delimiter sniffed, quotes honoured).
    static func splitHeader(_ line: String) -> [String] {
        var bytes = Array(line.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var state = FieldState()
        state.consume(bytes[...], delimiter: sniffDelimiter(bytes[...]))
        state.finishField()
        return state.fields.map { String(decoding: $0, as: UTF8.self).trimmed() }
    }

    /// Comma, tab or semicolon: the one found most often outside quotes in `line`.
    static func sniffDelimiter(_ line: ArraySlice<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var quoted = false
        for b in line {
            if b == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted, b == UInt8(ascii: ",") || b == 0x09 || b == UInt8(ascii: ";") { counts[b, default: 0] += 1 }
        }
        let comma = counts[UInt8(ascii: ","), default: 0]
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != UInt8(ascii: ",")) }
        return best.map { $0.value > comma ? $0.key : UInt8(ascii: ",") } ?? UInt8(ascii: ",")
    }
}

/// The fields of a row being read, with the quote state carried from one line to the next.
private struct FieldState {
    var fields: [[UInt8]] = []
    var field: [UInt8] = []
    var inQuotes = false
    var quoted = false
    var closedQuote = false
    var strayQuote = false

    mutating func consume(_ bytes: ArraySlice<UInt8>, delimiter: UInt8) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.endIndex, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 2
                        continue
                    }
                    inQuotes = false
                    closedQuote = true
                } else {
                    field.append(b)
                }
            } else if b == delimiter {
                finishField()
            } else if b == UInt8(ascii: "\""), field.isEmpty, !quoted {
                inQuotes = true
                quoted = true
            } else {
                if closedQuote { strayQuote = true }
                field.append(b)
            }
            i += 1
        }
    }

    mutating func finishField() {
        fields.append(field)
        field.removeAll(keepingCapacity: true)
        quoted = false
        closedQuote = false
    }
}
