/// Writes one JSON object with keys in the order they are added: the alert format's field
/// order is part of its documented contract, and this is much cheaper than `JSONEncoder`.
public struct JSONWriter {
    public private(set) var output = "{"
    private var first = true

    public init() {}

    private mutating func key(_ k: String) {
        if !first { output += "," }
        first = false
        output += "\""
        output += k
        output += "\":"
    }

    public mutating func string(_ k: String, _ v: String?) {
        guard let v else { return }
        key(k)
        JSONWriter.appendQuoted(v, to: &output)
    }

    public mutating func int(_ k: String, _ v: Int?) {
        guard let v else { return }
        key(k)
        output += String(v)
    }

    public mutating func bool(_ k: String, _ v: Bool?) {
        guard let v else { return }
        key(k)
        output += v ? "true" : "false"
    }

    public mutating func strings(_ k: String, _ v: [String]) {
        key(k)
        output += "["
        for (i, s) in v.enumerated() {
            if i > 0 { output += "," }
            JSONWriter.appendQuoted(s, to: &output)
        }
        output += "]"
    }

    public mutating func ints(_ k: String, _ v: [Int]) {
        key(k)
        output += "[" + v.map(String.init).joined(separator: ",") + "]"
    }

    /// A nested value already serialized (an object or array).
    public mutating func raw(_ k: String, _ json: String) {
        key(k)
        output += json
    }

    public func finished() -> String { output + "}" }

    /// Appends `s` as a JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8, except
    /// U+2028 and U+2029, escaped for JavaScript consumers).
    public static func appendQuoted(_ s: String, to out: inout String) {
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
                out += "\""
                out += String(decoding: bytes, as: UTF8.self)
                out += "\""
                return
            }
            var buffer: [UInt8] = [0x22]
            buffer.reserveCapacity(bytes.count + 16)
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
            out += String(decoding: buffer, as: UTF8.self)
        }
    }
}
