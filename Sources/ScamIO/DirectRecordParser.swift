import Foundation
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
    /// The Record keys this path knows, recognised from the bytes without making a `String`.
    fileprivate enum Key {
        case envelope, event, attrs, text, body, message, time, timestamp, channel, subject, peer, peerKnown,
             direction, speaker, lang, id, conversation, other

        static let table: [(StaticString, Key)] = [
            ("specversion", .envelope), ("@timestamp", .envelope), ("event.action", .envelope), ("device.id", .envelope),
            ("device", .envelope), ("event", .event), ("attrs", .attrs), ("text", .text), ("body", .body),
            ("message", .message), ("time", .time), ("timestamp", .timestamp), ("channel", .channel),
            ("subject", .subject), ("peer", .peer), ("peer_known", .peerKnown), ("direction", .direction),
            ("speaker", .speaker), ("lang", .lang), ("id", .id), ("conversation", .conversation),
        ]

        static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> Key {
            for (name, key) in table where name.utf8CodeUnitCount == bytes.count {
                if memcmp(name.utf8Start, bytes.baseAddress!, bytes.count) == 0 { return key }
            }
            return .other
        }
    }

    /// A key without escapes (every Record key is plain ASCII), else nil.
    private mutating func plainKey() -> Key? {
        guard i < bytes.count, bytes[i] == 0x22 else { return nil }
        let start = i + 1
        var j = start
        while j < bytes.count, bytes[j] != 0x22 {
            if bytes[j] == 0x5C || bytes[j] < 0x20 { return nil }
            j += 1
        }
        guard j < bytes.count, j > start else { return nil }
        i = j + 1
        return Key.of(UnsafeBufferPointer(rebasing: bytes[start..<j]))
    }

    fileprivate mutating func record(source: SourcePosition) throws(JSONLite.ParseError) -> Record? {
        skipSpace()
        guard i < bytes.count, bytes[i] == 0x7B else { return nil }
        i += 1
        var record = Record(text: nil, source: source)
        var text: String?, body: String?, message: String?
        var time: JSONLite.Value?, timestamp: JSONLite.Value?
        skipSpace()
        if i < bytes.count, bytes[i] == 0x7D { return nil }
        while true {
            skipSpace()
            guard let key = plainKey() else { return nil }
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            switch key {
            case .envelope:
                return nil  // an envelope: the general path maps it
            case .event:
                let v = try value(depth: 1)
                if case .object = v { return nil }  // ECS `event: {action: ...}`
                record.event = RecordFields.text(v)
            case .attrs: record.attrs = RecordFields.attributes(try value(depth: 1))
            case .text: text = RecordFields.text(try value(depth: 1))
            case .body: body = RecordFields.text(try value(depth: 1))
            case .message: message = RecordFields.text(try value(depth: 1))
            case .time: time = try value(depth: 1)
            case .timestamp: timestamp = try value(depth: 1)
            case .channel: record.channel = RecordFields.text(try value(depth: 1))
            case .subject: record.subject = RecordFields.text(try value(depth: 1))
            case .peer: record.peer = RecordFields.text(try value(depth: 1))
            case .peerKnown:
                if case .bool(let b) = try value(depth: 1) { record.peerKnown = b } else { record.peerKnown = nil }
            case .direction: record.direction = RecordFields.text(try value(depth: 1))
            case .speaker: record.speaker = RecordFields.text(try value(depth: 1))
            case .lang: record.lang = RecordFields.text(try value(depth: 1))
            case .id: record.id = RecordFields.text(try value(depth: 1))
            case .conversation: record.conversation = RecordFields.text(try value(depth: 1))
            case .other: _ = try value(depth: 1)
            }
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == 0x2C { i += 1; continue }
            if bytes[i] == 0x7D { i += 1; break }
            return nil
        }
        skipSpace()
        guard i == bytes.count else { return nil }
        record.text = text ?? body ?? message
        switch time ?? timestamp {
        case .string(let s)?:
            guard let ms = Timestamp.parse(s) else { return nil }
            record.time = ms
        case .number(let d)?:
            record.time = Timestamp.fromEpoch(d)
        default:
            break
        }
        if record.text == nil && record.event == nil { return nil }
        return record
    }
}
