import Foundation

/// A small, strict JSON parser over UTF-8 bytes, for the hot path of reading JSON lines.
///
/// Foundation's `JSONSerialization` builds bridged objects and is followed by dynamic casts;
/// profiling `scamflow stream` showed it and the casts taking about 40% of the time per line.
/// This parser produces Swift values directly. It accepts exactly RFC 8259 JSON (one value,
/// surrounded by optional whitespace), limits nesting to `maxDepth` so hostile input cannot
/// exhaust the stack, and reports errors with the byte offset.
public enum JSONLite {
    public indirect enum Value: Equatable, Sendable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
        case array([Value])
        case object([String: Value])

        public var string: String? { if case .string(let s) = self { return s }; return nil }
        public var object: [String: Value]? { if case .object(let o) = self { return o }; return nil }
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static let maxDepth = 64

    public static func parse<C: ContiguousBytes>(_ bytes: C) throws(ParseError) -> Value {
        let result: Result<Value, ParseError> = bytes.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self))
            return Result { () throws(ParseError) -> Value in
                parser.skipSpace()
                let value = try parser.value(depth: 0)
                parser.skipSpace()
                guard parser.i == parser.bytes.count else { throw parser.error("unexpected data after the JSON value") }
                return value
            }
        }
        return try result.get()
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        func error(_ reason: String) -> ParseError { ParseError(offset: i, reason: reason) }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws(ParseError) -> Value {
            guard depth < JSONLite.maxDepth else { throw error("nesting deeper than \(JSONLite.maxDepth)") }
            guard i < bytes.count else { throw error("unexpected end of input") }
            switch bytes[i] {
            case 0x7B: return try object(depth: depth)
            case 0x5B: return try array(depth: depth)
            case 0x22: return .string(try string())
            case 0x74: try literal("true"); return .bool(true)
            case 0x66: try literal("false"); return .bool(false)
            case 0x6E: try literal("null"); return .null
            case 0x2D, 0x30...0x39: return .number(try number())
            default: throw error("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(ParseError) {
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count else { throw error("unexpected end of input") }
            for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw error("invalid literal") }
            i += n
        }

        mutating func object(depth: Int) throws(ParseError) -> Value {
            // Sized once for a typical record or attribute object: growing 1, 2, 4, 8 rehashed
            // every key (3% of a stream's time).
            var out = [String: Value](minimumCapacity: 8)
            try members { (p: inout Parser, key: String) throws(ParseError) in out[key] = try p.value(depth: depth + 1) }
            return .object(out)
        }

        /// An object's members: calls `member` with each key while the parser stands at the
        /// key's value, which `member` must consume; stops after the closing brace.
        mutating func members(_ member: (inout Parser, String) throws(ParseError) -> Void) throws(ParseError) {
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == 0x7D { i += 1; return }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == 0x22 else { throw error("expected a string key") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == 0x3A else { throw error("expected ':'") }
                i += 1
                skipSpace()
                try member(&self, key)
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[i] == 0x2C { i += 1; continue }
                if bytes[i] == 0x7D { i += 1; return }
                throw error("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> Value {
            i += 1
            var out: [Value] = []
            skipSpace()
            if i < bytes.count, bytes[i] == 0x5D { i += 1; return .array(out) }
            while true {
                skipSpace()
                out.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[i] == 0x2C { i += 1; continue }
                if bytes[i] == 0x5D { i += 1; return .array(out) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func string() throws(ParseError) -> String {
            i += 1
            let start = i
            // Fast path: no escapes.
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x22 {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                    i += 1
                    return s
                }
                if b == 0x5C { break }
                if b < 0x20 { throw error("control character in a string") }
                i += 1
            }
            var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<i]))
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x22 { i += 1; return String(decoding: out, as: UTF8.self) }
                if b < 0x20 { throw error("control character in a string") }
                if b != 0x5C { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A surrogate pair: \uD83D\uDE00.
                        if i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 {
                            i += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { out.append($0) }
                default: throw error("invalid escape")
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard i + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw error("invalid \\u escape")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }

        mutating func number() throws(ParseError) -> Double {
            let start = i
            if bytes[i] == 0x2D { i += 1 }
            var integer: Int64 = 0
            var digits = 0
            var simple = true
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if digits < 18 { integer = integer * 10 + Int64(bytes[i] - 0x30) } else { simple = false }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw error("invalid number") }
            if digits > 1, bytes[start + (bytes[start] == 0x2D ? 1 : 0)] == 0x30 { throw error("leading zero in a number") }
            if i < bytes.count, bytes[i] == 0x2E {
                simple = false
                i += 1
                let fraction = i
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
                guard i > fraction else { throw error("invalid number") }
            }
            if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
                simple = false
                i += 1
                if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
                let exponent = i
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
                guard i > exponent else { throw error("invalid number") }
            }
            if simple { return Double(bytes[start] == 0x2D ? -integer : integer) }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            guard let d = Double(text) else { throw error("invalid number") }
            return d
        }
    }
}
