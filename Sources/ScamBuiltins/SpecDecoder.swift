import Foundation

/// Decodes the pack specs that `PackEmbedder` embedded as JSON (`JSONEncoder`, sorted keys),
/// for `BuiltinPacks.load`: every start of `scan` pays it.
///
/// Foundation's `JSONDecoder` took 0.74 G instructions of a 1.96 G start-up on these specs
/// (about 21,000 objects, 4.3 MB): a dictionary of keys per keyed container, coding paths and
/// generic metadata per value. This reads the JSON into a tree whose objects are arrays of
/// `(key, value)` in written order, and decodes it through a plain `Decoder` over that tree.
/// It accepts the JSON that `JSONEncoder` writes (strings with escapes, numbers, `null`); on any
/// input it cannot read it throws, and the caller loads the pack from its files instead.
enum SpecDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        var json = json
        let node = try json.withUTF8 { bytes throws(Failure) -> Node in
            var reader = Reader(bytes: bytes)
            reader.skipSpace()
            let node = try reader.value(depth: 0)
            reader.skipSpace()
            guard reader.i == bytes.count else { throw Failure(description: "data after the JSON value") }
            return node
        }
        return try T(from: NodeDecoder(node: node))
    }

    /// Not `indirect`: arrays and objects already hold their children out of line, and a box
    /// per string or number was a quarter of a million more allocations at every start.
    enum Node {
        case null
        case bool(Bool)
        /// A number as written (`Int`, `Double`, ... parse it when asked).
        case number(String)
        case string(String)
        case array([Node])
        case object([(key: String, value: Node)])
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        func failure(_ what: String) -> Failure { Failure(description: "\(what) at byte \(i)") }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws(Failure) -> Node {
            guard depth < 128 else { throw failure("nesting too deep") }
            guard i < bytes.count else { throw failure("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var entries: [(key: String, value: Node)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(entries) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw failure("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                    i += 1
                    skipSpace()
                    entries.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw failure("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
                    i += 1
                    return .object(entries)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Node] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw failure("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                    i += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try word("true"); return .bool(true)
            case UInt8(ascii: "f"): try word("false"); return .bool(false)
            case UInt8(ascii: "n"): try word("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = i
                while i < bytes.count {
                    switch bytes[i] {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                         UInt8(ascii: "e"), UInt8(ascii: "E"):
                        i += 1
                    default:
                        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    }
                }
                return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
            default:
                throw failure("unexpected character")
            }
        }

        mutating func word(_ w: StaticString) throws(Failure) {
            let n = w.utf8CodeUnitCount
            guard i + n <= bytes.count, memcmp(bytes.baseAddress! + i, w.utf8Start, n) == 0 else { throw failure("bad literal") }
            i += n
        }

        /// A string, `i` at its opening quote.
        mutating func string() throws(Failure) -> String {
            i += 1
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    defer { i += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                }
                if c == UInt8(ascii: "\\") { return try escaped(from: start) }
                if c < 0x20 { throw failure("control character in a string") }
                i += 1
            }
            throw failure("unterminated string")
        }

        /// The rest of a string that has escapes, from its first byte `start`.
        mutating func escaped(from start: Int) throws(Failure) -> String {
            var out: [UInt8] = []
            out.reserveCapacity(2 * (i - start) + 16)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            while i < bytes.count {
                // The plain bytes up to the next quote or escape, copied at once (patterns are
                // full of `\\` and `\/`: a byte at a time was a third of reading the specs).
                let run = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
                if i > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                guard i < bytes.count else { break }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if c < 0x20 { throw failure("control character in a string") }
                guard i + 1 < bytes.count else { throw failure("unterminated escape") }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw failure("lone surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw failure("lone surrogate")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw failure("bad scalar") }
                    out.append(contentsOf: String(Character(u)).utf8)
                default:
                    throw failure("bad escape")
                }
            }
            throw failure("unterminated string")
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard i + 4 <= bytes.count else { throw failure("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw failure("bad \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}

// MARK: - Decoding the tree

private func mismatch(_ type: Any.Type, _ node: SpecDecoder.Node) -> DecodingError {
    DecodingError.typeMismatch(type, .init(codingPath: [], debugDescription: "expected \(type), found \(node)"))
}

private func scalar<T>(_ node: SpecDecoder.Node, _ type: T.Type) throws -> T {
    switch node {
    case .string(let s):
        if let v = s as? T { return v }
    case .bool(let b):
        if let v = b as? T { return v }
    case .number(let text):
        if T.self == Int.self, let v = Int(text) { return v as! T }
        if T.self == Double.self, let v = Double(text) { return v as! T }
        if T.self == Int64.self, let v = Int64(text) { return v as! T }
        if T.self == Float.self, let v = Float(text) { return v as! T }
        if T.self == Int32.self, let v = Int32(text) { return v as! T }
        if T.self == UInt.self, let v = UInt(text) { return v as! T }
        if T.self == UInt64.self, let v = UInt64(text) { return v as! T }
        if T.self == UInt32.self, let v = UInt32(text) { return v as! T }
        if T.self == Int16.self, let v = Int16(text) { return v as! T }
        if T.self == UInt16.self, let v = UInt16(text) { return v as! T }
        if T.self == Int8.self, let v = Int8(text) { return v as! T }
        if T.self == UInt8.self, let v = UInt8(text) { return v as! T }
    default:
        break
    }
    throw mismatch(T.self, node)
}

/// `T` from `node`: strings, numbers and booleans directly, anything else through its `init(from:)`.
private func value<T: Decodable>(_ type: T.Type, _ node: SpecDecoder.Node) throws -> T {
    if T.self == String.self, case .string(let s) = node { return s as! T }
    if T.self == Int.self || T.self == Bool.self || T.self == Double.self { return try scalar(node, T.self) }
    return try T(from: NodeDecoder(node: node))
}

struct NodeDecoder: Decoder {
    let node: SpecDecoder.Node
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let entries) = node else { throw mismatch([String: Any].self, node) }
        return KeyedDecodingContainer(NodeKeyed<Key>(entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = node else { throw mismatch([Any].self, node) }
        return NodeUnkeyed(items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { NodeSingle(node: node) }
}

struct NodeSingle: SingleValueDecodingContainer {
    let node: SpecDecoder.Node
    var codingPath: [any CodingKey] { [] }
    func decodeNil() -> Bool { if case .null = node { return true }; return false }
    func decode(_ type: Bool.Type) throws -> Bool { try scalar(node, type) }
    func decode(_ type: String.Type) throws -> String { try scalar(node, type) }
    func decode(_ type: Double.Type) throws -> Double { try scalar(node, type) }
    func decode(_ type: Float.Type) throws -> Float { try scalar(node, type) }
    func decode(_ type: Int.Type) throws -> Int { try scalar(node, type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try scalar(node, type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try scalar(node, type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try scalar(node, type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try scalar(node, type) }
    func decode(_ type: UInt.Type) throws -> UInt { try scalar(node, type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar(node, type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar(node, type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar(node, type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar(node, type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type, node) }
}

struct NodeKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [(key: String, value: SpecDecoder.Node)]
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    func find(_ key: Key) -> SpecDecoder.Node? {
        let name = key.stringValue
        for entry in entries where entry.key == name { return entry.value }
        return nil
    }

    func node(_ key: Key) throws -> SpecDecoder.Node {
        guard let node = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "no value for \(key.stringValue)"))
        }
        return node
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { if case .null = try node(key) { return true }; return false }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(node(key), type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(node(key), type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(node(key), type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scalar(node(key), type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scalar(node(key), type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scalar(node(key), type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scalar(node(key), type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scalar(node(key), type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(node(key), type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scalar(node(key), type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scalar(node(key), type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try scalar(node(key), type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try scalar(node(key), type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scalar(node(key), type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(type, node(key)) }

    // One search for an optional value, not three (`contains`, `decodeNil`, `decode`).
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let node = find(key) else { return nil }
        if case .null = node { return nil }
        return try scalar(node, type)
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let node = find(key) else { return nil }
        if case .null = node { return nil }
        return try scalar(node, type)
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let node = find(key) else { return nil }
        if case .null = node { return nil }
        return try scalar(node, type)
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = find(key) else { return nil }
        if case .null = node { return nil }
        return try value(type, node)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(node: node(key)).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try NodeDecoder(node: node(key)).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder {
        NodeDecoder(node: entries.first { $0.key == "super" }?.value ?? .null)
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { NodeDecoder(node: find(key) ?? .null) }
}

struct NodeUnkeyed: UnkeyedDecodingContainer {
    let items: [SpecDecoder.Node]
    var currentIndex = 0
    var codingPath: [any CodingKey] { [] }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [SpecDecoder.Node]) { self.items = items }

    mutating func next() throws -> SpecDecoder.Node {
        guard currentIndex < items.count else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: [], debugDescription: "past the end of an array"))
        }
        defer { currentIndex += 1 }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < items.count else { return false }
        if case .null = items[currentIndex] { currentIndex += 1; return true }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try scalar(next(), type) }
    mutating func decode(_ type: String.Type) throws -> String { try scalar(next(), type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try scalar(next(), type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try scalar(next(), type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try scalar(next(), type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try scalar(next(), type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try scalar(next(), type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try scalar(next(), type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try scalar(next(), type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try scalar(next(), type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar(next(), type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar(next(), type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar(next(), type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar(next(), type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type, next()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(node: next()).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try NodeDecoder(node: next()).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder { NodeDecoder(node: try next()) }
}
