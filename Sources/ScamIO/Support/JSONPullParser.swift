/// A JSON value materialized from a stream: one message or segment, never the whole document.
indirect enum JSONValue: Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    subscript(_ key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    var string: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        default: return nil
        }
    }

    var number: Double? {
        switch self {
        case .number(let n): return n
        case .string(let s): return Double(s)
        default: return nil
        }
    }
}

/// A JSON syntax error and the line it was found on.
struct JSONSyntaxError: Error, Equatable {
    var message: String
    var line: Int
}

/// A streaming JSON tokenizer over a `ByteInput`: tokens one at a time, or one value
/// materialized on request, so a document of any size is read in bounded memory.
///
/// Invariants: memory is one chunk, the container stack, and the value being materialized,
/// which `readValue` bounds (a larger value is consumed and reported `tooLarge`); strings keep
/// at most `maxStringBytes` (the rest is consumed; `lastStringCut` says so); `tokenLine` is the
/// line of the last token's first byte; after an error the parser stops (JSON cannot be
/// re-synchronized reliably) and every later call throws it again.
struct JSONPullParser {
    enum Token: Equatable {
        case objectStart, objectEnd, arrayStart, arrayEnd
        case key(String), string(String), number(Double), bool(Bool), null
    }

    enum Materialized {
        case value(JSONValue)
        case tooLarge
    }

    private enum Container {
        case object(expectingKey: Bool, afterValue: Bool)
        case array(afterValue: Bool)
    }

    private(set) var input: ByteInput
    let maxStringBytes: Int
    private var stack: [Container] = []
    private var topDone = false
    private var failure: JSONSyntaxError?
    private var scratch: [UInt8] = []
    private(set) var tokenLine = 1
    private(set) var lastStringCut = false

    init(input: ByteInput, maxStringBytes: Int) {
        self.input = input
        self.maxStringBytes = maxStringBytes
    }

    /// How deep the next token is: 0 at the top level.
    var depth: Int { stack.count }

    private mutating func fail(_ message: String) -> JSONSyntaxError {
        let error = JSONSyntaxError(message: message, line: input.line)
        failure = error
        return error
    }

    private mutating func skipSpace() -> UInt8? {
        while let b = input.peek() {
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { _ = input.next(); continue }
            return b
        }
        return nil
    }

    private func describe(_ b: UInt8?) -> String {
        guard let b else { return "the end of the input (the file is cut short)" }
        return "'" + XMLPullParser.show(b) + "'"
    }

    /// The next token, or nil after the top-level value and trailing whitespace.
    mutating func next() throws(JSONSyntaxError) -> Token? {
        if let failure { throw failure }
        while true {
            let b = skipSpace()
            tokenLine = input.line
            guard let top = stack.last else {
                if topDone {
                    guard b == nil else { throw fail("more data after the end of the JSON document: \(describe(b))") }
                    if let error = input.readError { throw fail("read error \(error)") }
                    return nil
                }
                guard b != nil else { throw fail("the input is empty") }
                return try value()
            }
            switch top {
            case .object(let expectingKey, let afterValue):
                if afterValue {
                    _ = input.next()
                    if b == UInt8(ascii: ",") { stack[stack.count - 1] = .object(expectingKey: true, afterValue: false); continue }
                    if b == UInt8(ascii: "}") { return close() }
                    throw fail("expected ',' or '}' in an object, found \(describe(b))")
                }
                if expectingKey {
                    if b == UInt8(ascii: "}") {
                        _ = input.next()
                        return close()
                    }
                    guard b == UInt8(ascii: "\"") else { throw fail("expected a key in an object, found \(describe(b))") }
                    _ = input.next()
                    let key = try string()
                    guard skipSpace() == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(key.prefix(40))\"") }
                    _ = input.next()
                    stack[stack.count - 1] = .object(expectingKey: false, afterValue: false)
                    return .key(key)
                }
                return try value()
            case .array(let afterValue):
                if afterValue {
                    _ = input.next()
                    if b == UInt8(ascii: ",") {
                        stack[stack.count - 1] = .array(afterValue: false)
                        guard skipSpace() != UInt8(ascii: "]") else { throw fail("a ',' before ']'") }
                        continue
                    }
                    if b == UInt8(ascii: "]") { return close() }
                    throw fail("expected ',' or ']' in an array, found \(describe(b))")
                }
                if b == UInt8(ascii: "]") {
                    _ = input.next()
                    return close()
                }
                return try value()
            }
        }
    }

    /// Closes the innermost container and marks its parent as having a value.
    private mutating func close() -> Token {
        let closed = stack.removeLast()
        valueDone()
        if case .object = closed { return .objectEnd }
        return .arrayEnd
    }

    private mutating func valueDone() {
        guard let top = stack.last else { topDone = true; return }
        switch top {
        case .object: stack[stack.count - 1] = .object(expectingKey: false, afterValue: true)
        case .array: stack[stack.count - 1] = .array(afterValue: true)
        }
    }

    /// A value starting at the next byte.
    private mutating func value() throws(JSONSyntaxError) -> Token {
        guard let b = input.next() else { throw fail("expected a value, found \(describe(nil))") }
        switch b {
        case UInt8(ascii: "{"):
            guard stack.count < 512 else { throw fail("nested more than 512 deep") }
            stack.append(.object(expectingKey: true, afterValue: false))
            return .objectStart
        case UInt8(ascii: "["):
            guard stack.count < 512 else { throw fail("nested more than 512 deep") }
            stack.append(.array(afterValue: false))
            return .arrayStart
        case UInt8(ascii: "\""):
            let s = try string()
            valueDone()
            return .string(s)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let word: [UInt8] = b == UInt8(ascii: "t") ? Array("rue".utf8) : b == UInt8(ascii: "f") ? Array("alse".utf8) : Array("ull".utf8)
            for expected in word {
                let c = input.next()
                guard c == expected else { throw fail("expected a value, found \(describe(c))") }
            }
            valueDone()
            return b == UInt8(ascii: "n") ? .null : .bool(b == UInt8(ascii: "t"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            scratch.removeAll(keepingCapacity: true)
            scratch.append(b)
            while let c = input.peek(), (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e")
                    || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-"), scratch.count < 64 {
                scratch.append(c)
                _ = input.next()
            }
            guard let number = Double(String(decoding: scratch, as: UTF8.self)) else {
                throw fail("'\(String(decoding: scratch, as: UTF8.self))' is not a number")
            }
            valueDone()
            return .number(number)
        default:
            throw fail("expected a value, found \(describe(b))")
        }
    }

    /// A string after its opening quote, escapes decoded.
    private mutating func string() throws(JSONSyntaxError) -> String {
        scratch.removeAll(keepingCapacity: true)
        lastStringCut = false
        var pendingHigh: UInt32?
        @inline(__always) func append(_ b: UInt8) {
            if scratch.count < maxStringBytes { scratch.append(b) } else { lastStringCut = true }
        }
        func appendScalar(_ v: UInt32) {
            if let high = pendingHigh {
                pendingHigh = nil
                if (0xDC00...0xDFFF).contains(v) {
                    for b in String(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00))!).utf8 { append(b) }
                    return
                }
                for b in "\u{FFFD}".utf8 { append(b) }
            }
            if (0xD800...0xDBFF).contains(v) { pendingHigh = v; return }
            for b in String(Unicode.Scalar(v) ?? "\u{FFFD}").utf8 { append(b) }
        }
        while true {
            guard let b = input.next() else { throw fail("the input ends inside a string (the file is cut short)") }
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                guard let e = input.next() else { throw fail("the input ends inside a string (the file is cut short)") }
                switch e {
                case UInt8(ascii: "u"):
                    var v: UInt32 = 0
                    for _ in 0..<4 {
                        guard let h = input.next(), let d = Self.hexValue(h) else { throw fail("a bad \\u escape in a string") }
                        v = v * 16 + d
                    }
                    appendScalar(v)
                    continue
                case UInt8(ascii: "n"): appendScalar(0x0A); continue
                case UInt8(ascii: "t"): appendScalar(0x09); continue
                case UInt8(ascii: "r"): appendScalar(0x0D); continue
                case UInt8(ascii: "b"): appendScalar(0x08); continue
                case UInt8(ascii: "f"): appendScalar(0x0C); continue
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): appendScalar(UInt32(e)); continue
                default: throw fail("a bad escape '\\\(XMLPullParser.show(e))' in a string")
                }
            }
            if pendingHigh != nil { pendingHigh = nil; for c in "\u{FFFD}".utf8 { append(c) } }
            if b < 0x20 { throw fail("a control character (0x\(String(b, radix: 16))) inside a string") }
            append(b)
        }
        if pendingHigh != nil { for c in "\u{FFFD}".utf8 { append(c) } }
        return String(decoding: scratch, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - 0x61 + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - 0x41 + 10)
        default: return nil
        }
    }

    /// Materializes the value that starts with `first` (a token just returned by `next`),
    /// keeping at most `budget` bytes of strings; a larger value is consumed and `tooLarge`.
    mutating func readValue(startingWith first: Token, budget: Int) throws(JSONSyntaxError) -> Materialized {
        var used = 0
        var over = false
        func build(_ token: Token) throws(JSONSyntaxError) -> JSONValue {
            switch token {
            case .string(let s):
                used += s.utf8.count + 8
                if lastStringCut { over = true }
                return .string(s)
            case .number(let n): used += 8; return .number(n)
            case .bool(let b): used += 8; return .bool(b)
            case .null: used += 8; return .null
            case .objectStart:
                var pairs: [(String, JSONValue)] = []
                while let t = try next() {
                    if t == .objectEnd { return .object(over ? [] : pairs) }
                    guard case .key(let key) = t, let v = try next() else { throw fail("expected a key") }
                    used += key.utf8.count + 16
                    let child = try build(v)
                    if used > budget { over = true }
                    if !over { pairs.append((key, child)) }
                }
                throw fail("the input ends inside an object")
            case .arrayStart:
                var items: [JSONValue] = []
                while let t = try next() {
                    if t == .arrayEnd { return .array(over ? [] : items) }
                    let child = try build(t)
                    used += 8
                    if used > budget { over = true }
                    if !over { items.append(child) }
                }
                throw fail("the input ends inside an array")
            case .objectEnd, .arrayEnd, .key:
                throw fail("expected a value")
            }
        }
        let value = try build(first)
        return over || used > budget ? .tooLarge : .value(value)
    }
}
