import ScamEngine

/// Writes one JSON object with keys in the order they are added: the alert format's field
/// order is part of its documented contract, and this is much cheaper than `JSONEncoder`.
public struct JSONWriter {
    /// The object so far, as UTF-8 bytes: appending bytes is several times cheaper than
    /// appending to a `String` (alerts are written on the stream's hot path).
    private var bytes: [UInt8] = [0x7B]
    private var first = true

    public init() { bytes.reserveCapacity(512) }

    private init(continuing buffer: [UInt8]) {
        bytes = buffer
        bytes.append(0x7B)
    }

    private mutating func key(_ k: StaticString) {
        if !first { bytes.append(0x2C) }
        first = false
        bytes.append(0x22)
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        bytes.append(0x3A)
    }

    private mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ k: StaticString, _ v: String?) {
        guard let v else { return }
        key(k)
        JSONWriter.appendQuoted(v, to: &bytes)
    }

    /// An event time (ms since the epoch) as an RFC 3339 UTC string, as `Timestamp.format`.
    public mutating func timestamp(_ k: StaticString, _ ms: Int64?) {
        guard let ms else { return }
        key(k)
        bytes.append(0x22)
        Timestamp.append(ms, to: &bytes)
        bytes.append(0x22)
    }

    /// A time as the local time at `utcOffset` minutes east of UTC, with that offset
    /// (`Timestamp.format(_:utcOffset:)`); nothing when either is nil.
    public mutating func localTimestamp(_ k: StaticString, _ ms: Int64?, utcOffset: Int?) {
        guard let ms, let utcOffset else { return }
        key(k)
        bytes.append(0x22)
        Timestamp.append(ms, utcOffset: utcOffset, to: &bytes)
        bytes.append(0x22)
    }

    public mutating func int(_ k: StaticString, _ v: Int?) {
        guard let v else { return }
        key(k)
        append(String(v))
    }

    /// A number as Swift prints it (shortest form that reads back to the same value).
    public mutating func double(_ k: StaticString, _ v: Double?) {
        guard let v, v.isFinite else { return }
        key(k)
        append(v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v))
    }

    /// A nested object written by `body` into a fresh writer.
    public mutating func object(_ k: StaticString, _ body: (inout JSONWriter) -> Void) {
        key(k)
        var w = JSONWriter(continuing: bytes)
        bytes = []
        body(&w)
        w.bytes.append(0x7D)
        bytes = w.bytes
    }

    public mutating func bool(_ k: StaticString, _ v: Bool?) {
        guard let v else { return }
        key(k)
        append(v ? "true" : "false")
    }

    public mutating func strings(_ k: StaticString, _ v: [String]) {
        key(k)
        bytes.append(0x5B)
        for (i, s) in v.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            JSONWriter.appendQuoted(s, to: &bytes)
        }
        bytes.append(0x5D)
    }

    /// `"file:line"` without building the string first (every alert and evidence item has one).
    public mutating func position(_ k: StaticString, file: String, line: Int) {
        key(k)
        JSONWriter.appendQuoted(file, to: &bytes)
        bytes.removeLast()  // the closing quote: the line number goes inside
        bytes.append(0x3A)
        append(String(line))
        bytes.append(0x22)
    }

    /// A range as `[lower,upper]`.
    public mutating func range(_ k: StaticString, _ r: Range<Int>) {
        key(k)
        bytes.append(0x5B)
        append(String(r.lowerBound))
        bytes.append(0x2C)
        append(String(r.upperBound))
        bytes.append(0x5D)
    }

    /// A nested value already serialized (an object or array).
    public mutating func raw(_ k: StaticString, _ json: String) {
        key(k)
        append(json)
    }

    /// An array of nested objects, each written by `body` into a fresh writer.
    public mutating func objects<T>(_ k: StaticString, _ items: [T], _ body: (inout JSONWriter, T) -> Void) {
        key(k)
        bytes.append(0x5B)
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            // The nested writer continues this one's buffer (moved, not copied).
            var w = JSONWriter(continuing: bytes)
            bytes = []
            body(&w, item)
            w.bytes.append(0x7D)
            bytes = w.bytes
        }
        bytes.append(0x5D)
    }

    public func finished() -> String { String(decoding: closed(newline: false), as: UTF8.self) }

    /// `finished()` plus a newline, built once.
    public func line() -> String { String(decoding: closed(newline: true), as: UTF8.self) }

    /// `line()` as UTF-8 bytes, for writers that never need a String.
    public consuming func lineBytes() -> [UInt8] { closed(newline: true) }

    /// The object with its closing brace (and a newline).
    private func closed(newline: Bool) -> [UInt8] {
        var out = bytes
        out.append(0x7D)
        if newline { out.append(0x0A) }
        return out
    }

    public static func appendQuoted(_ s: String, to out: inout String) {
        var bytes: [UInt8] = []
        appendQuoted(s, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8, except
    /// U+2028 and U+2029, escaped for JavaScript consumers).
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            // Most strings need no escape at all: append them whole.
            var clean = true
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x20 || b == 0x22 || b == 0x5C || (b == 0xE2 && i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9)) {
                    clean = false
                    break
                }
                i += 1
            }
            if clean {
                out.append(0x22)
                out.append(contentsOf: bytes)
                out.append(0x22)
                return
            }
            var buffer = out
            out = []
            buffer.append(0x22)
            buffer.reserveCapacity(buffer.count + bytes.count + 16)
            var k = 0
            while k < bytes.count {
                let b = bytes[k]
                switch b {
                case 0x22: buffer += [0x5C, 0x22]
                case 0x5C: buffer += [0x5C, 0x5C]
                case 0x0A: buffer += [0x5C, 0x6E]
                case 0x0D: buffer += [0x5C, 0x72]
                case 0x09: buffer += [0x5C, 0x74]
                case 0xE2 where k + 2 < bytes.count && bytes[k + 1] == 0x80 && (bytes[k + 2] == 0xA8 || bytes[k + 2] == 0xA9):
                    buffer += Array((bytes[k + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    k += 2
                default:
                    if b < 0x20 {
                        let hex = String(b, radix: 16)
                        buffer += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                    } else {
                        buffer.append(b)
                    }
                }
                k += 1
            }
            buffer.append(0x22)
            out = buffer
        }
    }
}
