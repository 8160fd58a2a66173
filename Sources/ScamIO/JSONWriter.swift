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

    /// Appends `s` as a JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8).
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        var run = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": run += "\\\""
            case "\\": run += "\\\\"
            case "\n": run += "\\n"
            case "\r": run += "\\r"
            case "\t": run += "\\t"
            case "\u{2028}": run += "\\u2028"
            case "\u{2029}": run += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    run += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    run.unicodeScalars.append(scalar)
                }
            }
        }
        out += run
        out += "\""
    }
}
