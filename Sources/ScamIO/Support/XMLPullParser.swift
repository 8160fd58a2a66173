import ScamEngine

/// A start tag: its name, attributes (entities decoded) and line.
struct XMLTag {
    var name: String
    var attributes: [(name: String, value: String)]
    /// Attributes whose value was longer than the limit: their value is cut at the limit.
    var oversized: [String]
    /// Attributes whose value was not valid UTF-8 (repaired with U+FFFD).
    var invalidUTF8: [String]
    var selfClosing: Bool
    var line: Int

    subscript(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// A streaming, forgiving XML tokenizer: start and end tags with their attributes and lines;
/// text, comments, processing instructions, CDATA and the DOCTYPE are skipped.
///
/// Invariants: memory is one chunk plus the current tag, and an attribute value never keeps more
/// than `maxValueBytes` (an MMS part's base64 image is cut, not held); a malformed tag is
/// reported as `.malformed` and tokenizing goes on at the next `<`; the end of the input inside a
/// tag, comment or CDATA section is `.truncated`. Attribute values are normalized as XML says
/// (a literal tab or newline is a space) and character references that encode UTF-16 surrogate
/// pairs (`&#55357;&#56832;`, written by SMS Backup & Restore) are combined into one character.
struct XMLPullParser {
    enum Event {
        case start(XMLTag)
        case end(name: String, line: Int)
        case malformed(message: String, line: Int)
        case truncated(message: String, line: Int)
    }

    private(set) var input: ByteInput
    let maxValueBytes: Int
    private var finished = false
    private var scratch: [UInt8] = []

    init(input: ByteInput, maxValueBytes: Int) {
        self.input = input
        self.maxValueBytes = maxValueBytes
    }

    /// The next tag, or nil at the end of the input.
    mutating func next() -> Event? {
        guard !finished else { return nil }
        while true {
            // Text between tags is not needed by any reader: skip to the next '<'.
            var found = false
            while let b = input.next() {
                if b == UInt8(ascii: "<") { found = true; break }
            }
            guard found else { finished = true; return nil }
            let line = input.line
            guard let b = input.peek() else { return truncated("the input ends after '<'", line) }
            switch b {
            case UInt8(ascii: "?"):
                if let event = skip(until: Array("?>".utf8), what: "processing instruction", line: line) { return event }
            case UInt8(ascii: "!"):
                _ = input.next()
                if let event = skipDeclaration(line: line) { return event }
            case UInt8(ascii: "/"):
                _ = input.next()
                return endTag(line: line)
            default:
                return startTag(line: line)
            }
        }
    }

    private mutating func truncated(_ message: String, _ line: Int) -> Event {
        finished = true
        if let error = input.readError {
            return .truncated(message: "read error \(error) (\(message))", line: line)
        }
        return .truncated(message: message, line: line)
    }

    /// Skips up to and including `terminator`.
    private mutating func skip(until terminator: [UInt8], what: String, line: Int) -> Event? {
        var matched = 0
        while let b = input.next() {
            if b == terminator[matched] {
                matched += 1
                if matched == terminator.count { return nil }
            } else {
                matched = b == terminator[0] ? 1 : 0
            }
        }
        return truncated("the input ends inside a \(what) opened at line \(line)", line)
    }

    /// `<!-- -->`, `<![CDATA[ ]]>`, `<!DOCTYPE ...>` (with an internal subset).
    private mutating func skipDeclaration(line: Int) -> Event? {
        if input.peek() == UInt8(ascii: "-") {
            _ = input.next()
            guard input.next() == UInt8(ascii: "-") else { return .malformed(message: "'<!-' is not a comment", line: line) }
            return skip(until: Array("-->".utf8), what: "comment", line: line)
        }
        if input.peek() == UInt8(ascii: "[") {
            return skip(until: Array("]]>".utf8), what: "CDATA section", line: line)
        }
        var depth = 0
        while let b = input.next() {
            if b == UInt8(ascii: "[") { depth += 1 }
            if b == UInt8(ascii: "]") { depth -= 1 }
            if b == UInt8(ascii: ">") && depth <= 0 { return nil }
        }
        return truncated("the input ends inside a declaration opened at line \(line)", line)
    }

    private mutating func readName(first: UInt8? = nil) -> String? {
        scratch.removeAll(keepingCapacity: true)
        if let first { scratch.append(first) }
        while let b = input.peek(), Self.isNameByte(b) {
            _ = input.next()
            if scratch.count < 256 { scratch.append(b) }
        }
        return scratch.isEmpty ? nil : String(decoding: scratch, as: UTF8.self)
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        !(b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ">") || b == UInt8(ascii: "/")
          || b == UInt8(ascii: "=") || b == UInt8(ascii: "<") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'"))
    }

    private mutating func skipSpace() {
        while let b = input.peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { _ = input.next() }
    }

    private mutating func endTag(line: Int) -> Event {
        guard let name = readName() else { return recover("an end tag without a name", line) }
        skipSpace()
        guard let b = input.next() else { return truncated("the input ends inside </\(name)> at line \(line)", line) }
        guard b == UInt8(ascii: ">") else { return recover("unexpected '\(Self.show(b))' in </\(name)>", line) }
        return .end(name: name, line: line)
    }

    private mutating func startTag(line: Int) -> Event {
        guard let name = readName() else {
            let b = input.peek().map(Self.show) ?? "end of input"
            return recover("'<' followed by '\(b)' does not start a tag", line)
        }
        var tag = XMLTag(name: name, attributes: [], oversized: [], invalidUTF8: [], selfClosing: false, line: line)
        while true {
            skipSpace()
            guard let b = input.next() else { return truncated("the input ends inside <\(name)> opened at line \(line)", line) }
            if b == UInt8(ascii: ">") { return .start(tag) }
            if b == UInt8(ascii: "/") {
                guard let c = input.next() else { return truncated("the input ends inside <\(name)> opened at line \(line)", line) }
                guard c == UInt8(ascii: ">") else { return recover("'/' not followed by '>' in <\(name)>", line) }
                tag.selfClosing = true
                return .start(tag)
            }
            guard Self.isNameByte(b), let attribute = readName(first: b) else {
                return recover("unexpected '\(Self.show(b))' in <\(name)>", line)
            }
            skipSpace()
            guard let eq = input.next() else { return truncated("the input ends inside <\(name)> opened at line \(line)", line) }
            guard eq == UInt8(ascii: "=") else { return recover("attribute \(attribute) of <\(name)> has no value", line) }
            skipSpace()
            guard let quote = input.next() else { return truncated("the input ends inside <\(name)> opened at line \(line)", line) }
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                return recover("the value of \(attribute) in <\(name)> is not quoted", line)
            }
            switch readValue(quote: quote) {
            case nil:
                return truncated("the input ends inside attribute \(attribute) of <\(name)> opened at line \(line)", line)
            case let (value, cut, valid)?:
                if tag.attributes.count < 512 { tag.attributes.append((attribute, value)) }
                if cut { tag.oversized.append(attribute) }
                if !valid { tag.invalidUTF8.append(attribute) }
            }
        }
    }

    /// Reports a malformed construct and skips to its `>`, so the next tag is read normally.
    private mutating func recover(_ message: String, _ line: Int) -> Event {
        while let b = input.peek(), b != UInt8(ascii: "<") {
            _ = input.next()
            if b == UInt8(ascii: ">") { break }
        }
        return .malformed(message: message, line: line)
    }

    /// An attribute value up to `quote`, entities decoded; nil at the end of the input.
    private mutating func readValue(quote: UInt8) -> (String, cut: Bool, valid: Bool)? {
        scratch.removeAll(keepingCapacity: true)
        var cut = false
        var pendingHigh: UInt32?
        func append(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                if scratch.count < maxValueBytes { scratch.append(b) } else { cut = true }
            }
        }
        func appendScalar(_ value: UInt32) {
            if let high = pendingHigh {
                pendingHigh = nil
                if (0xDC00...0xDFFF).contains(value) {
                    let combined = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
                    append(String(Unicode.Scalar(combined)!).utf8)
                    return
                }
                append("\u{FFFD}".utf8)
            }
            if (0xD800...0xDBFF).contains(value) { pendingHigh = value; return }
            append(String(Unicode.Scalar(value) ?? "\u{FFFD}").utf8)
        }
        while let b = input.next() {
            if b == quote {
                if pendingHigh != nil { append("\u{FFFD}".utf8) }
                let (text, invalid) = TextDecodingShim.decode(scratch)
                return (text, cut, !invalid)
            }
            if b == UInt8(ascii: "&") {
                var entity: [UInt8] = []
                while let c = input.peek(), c != quote, c != UInt8(ascii: ";"), c != UInt8(ascii: "&"), entity.count < 12 {
                    entity.append(c)
                    _ = input.next()
                }
                guard input.peek() == UInt8(ascii: ";"), let value = Self.entityValue(entity) else {
                    if pendingHigh != nil { pendingHigh = nil; append("\u{FFFD}".utf8) }
                    append([UInt8(ascii: "&")] + entity)
                    continue
                }
                _ = input.next()
                appendScalar(value)
                continue
            }
            if pendingHigh != nil { pendingHigh = nil; append("\u{FFFD}".utf8) }
            if b == 0x09 || b == 0x0A || b == 0x0D { append([0x20]) } else if scratch.count < maxValueBytes { scratch.append(b) } else { cut = true }
        }
        return nil
    }

    static func entityValue(_ entity: [UInt8]) -> UInt32? {
        switch entity {
        case Array("lt".utf8): return 0x3C
        case Array("gt".utf8): return 0x3E
        case Array("amp".utf8): return 0x26
        case Array("quot".utf8): return 0x22
        case Array("apos".utf8): return 0x27
        default: break
        }
        guard entity.first == UInt8(ascii: "#"), entity.count >= 2 else { return nil }
        let hex = entity[1] == UInt8(ascii: "x") || entity[1] == UInt8(ascii: "X")
        let digits = entity[(hex ? 2 : 1)...]
        guard !digits.isEmpty, let value = UInt32(String(decoding: digits, as: UTF8.self), radix: hex ? 16 : 10),
              value <= 0x10FFFF, value != 0 else { return nil }
        return value
    }

    static func show(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "0x" + String(b, radix: 16)
    }
}

/// UTF-8 validation of collected bytes (repairing them), shared by the tokenizers.
enum TextDecodingShim {
    static func decode(_ bytes: [UInt8]) -> (String, invalid: Bool) {
        let (text, invalidAt) = TextDecoding.decode(bytes)
        return (text, invalidAt != nil)
    }
}
