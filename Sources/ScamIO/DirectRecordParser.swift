import ScamEngine

/// Fills a `Record` straight from one JSON line of the design's Record shape, with no
/// intermediate dictionary: the hot path of `scamflow stream`, where most lines are small
/// device events (profiled: building and then reading a dictionary per line was a fifth of the
/// time).
///
/// Invariant: returns a record only when `StreamRecordParser`'s general path would return the
/// same record; for anything else (a CloudEvents or ECS envelope, a syntax error, a bad time, a
/// record without text or event, a key with an escape) it returns nil and the caller takes the
/// general path, which also words the errors. `DirectRecordParserTests` checks the equivalence.
enum DirectRecordParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, source: SourcePosition) -> Record? {
        var p = JSONLite.Parser(bytes: bytes)
        do {
            return try p.record(source: source)
        } catch {
            return nil
        }
    }
}

extension JSONLite.Parser {
    /// A key without escapes (every Record key is plain ASCII), else nil.
    private mutating func plainKey() -> RecordKey? {
        guard i < bytes.count, bytes[i] == 0x22 else { return nil }
        let start = i + 1
        var j = start
        while j < bytes.count, bytes[j] != 0x22 {
            if bytes[j] == 0x5C || bytes[j] < 0x20 { return nil }
            j += 1
        }
        guard j < bytes.count, j > start else { return nil }
        i = j + 1
        return RecordKey(UnsafeBufferPointer(rebasing: bytes[start..<j]))
    }

    /// An `attrs` object straight into attribute values, as `RecordFields.attributes` would
    /// make of the parsed object: strings, numbers and booleans kept, anything else dropped, the
    /// last of duplicate keys wins.
    private mutating func attributes() throws(JSONLite.ParseError) -> [String: AttributeValue] {
        var out = [String: AttributeValue](minimumCapacity: 8)
        try members { (p: inout JSONLite.Parser, key: String) throws(JSONLite.ParseError) in
            out[key] = RecordFields.attribute(try p.value(depth: 2))
        }
        return out
    }

    fileprivate mutating func record(source: SourcePosition) throws(JSONLite.ParseError) -> Record? {
        skipSpace()
        guard i < bytes.count, bytes[i] == 0x7B else { return nil }
        i += 1
        var builder = RecordBuilder(source: source)
        skipSpace()
        if i < bytes.count, bytes[i] == 0x7D { return nil }
        while true {
            skipSpace()
            guard let key = plainKey() else { return nil }
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            // An envelope (CloudEvents, ECS): the general path maps it.
            if key == .envelope || key == .atTimestamp { return nil }
            if key == .attrs, i < bytes.count, bytes[i] == 0x7B {
                builder.setAttributes(try attributes())
            } else {
                let v = try value(depth: 1)
                if key == .event, case .object = v { return nil }  // ECS `event: {action: ...}`
                builder.set(key, v)
            }
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == 0x2C { i += 1; continue }
            if bytes[i] == 0x7D { i += 1; break }
            return nil
        }
        skipSpace()
        guard i == bytes.count else { return nil }
        return builder.finishedRecord()
    }
}
