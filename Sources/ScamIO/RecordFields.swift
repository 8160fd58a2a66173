import Foundation
import ScamEngine

/// Builds a `Record` from a parsed JSON object with the design's Record fields. Shared by the
/// stream parser's envelopes (CloudEvents, ECS) once they are mapped to these names.
enum RecordFields {
    /// The text of a field: strings as they are, numbers as `AttributeValue` prints them,
    /// anything else absent.
    static func text(_ value: JSONLite.Value) -> String? {
        switch value {
        case .string(let s): return s
        case .number(let d): return AttributeValue.number(d).text
        default: return nil
        }
    }

    /// `attrs`: the scalar members of an object (nested values and nulls are dropped); empty for
    /// anything but an object.
    static func attributes(_ value: JSONLite.Value) -> [String: AttributeValue] {
        guard case .object(let members) = value else { return [:] }
        var out: [String: AttributeValue] = [:]
        out.reserveCapacity(members.count)
        for (key, value) in members { out[key] = attribute(value) }
        return out
    }

    /// One member of `attrs`: a string, number or boolean; nil (dropped) for anything else.
    static func attribute(_ value: JSONLite.Value) -> AttributeValue? {
        switch value {
        case .string(let s): return .string(s)
        case .number(let d): return .number(d)
        case .bool(let b): return .bool(b)
        default: return nil
        }
    }

    static func record(from fields: [String: JSONLite.Value], source: SourcePosition) -> ReaderOutput {
        var builder = RecordBuilder(source: source)
        for (key, value) in fields { builder.set(RecordKey(key), value) }
        return builder.finish()
    }
}

/// The keys of the design's Record, plus the envelope keys that tell a CloudEvents or ECS line
/// apart; recognised from bytes, so the stream's fast path never makes a `String` of a key.
enum RecordKey {
    case text, body, message, time, timestamp, atTimestamp, channel, subject, peer, peerKnown, direction, speaker,
         event, lang, id, conversation, attrs
    /// `specversion`, `event.action`, `device.id`, `device`: only envelopes have them.
    case envelope
    case other

    private static let table: [(StaticString, RecordKey)] = [
        ("text", .text), ("body", .body), ("message", .message), ("time", .time), ("timestamp", .timestamp),
        ("@timestamp", .atTimestamp), ("channel", .channel), ("subject", .subject), ("peer", .peer),
        ("peer_known", .peerKnown), ("direction", .direction), ("speaker", .speaker), ("event", .event),
        ("lang", .lang), ("id", .id), ("conversation", .conversation), ("attrs", .attrs),
        ("specversion", .envelope), ("event.action", .envelope), ("device.id", .envelope), ("device", .envelope),
    ]

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        for (name, key) in RecordKey.table where name.utf8CodeUnitCount == bytes.count {
            if memcmp(name.utf8Start, bytes.baseAddress!, bytes.count) == 0 { self = key; return }
        }
        self = .other
    }

    init(_ name: String) {
        var name = name
        self = name.withUTF8 { RecordKey($0) }
    }
}

/// Fills a `Record` one field at a time, the way both JSON paths read it: the last of a repeated
/// key wins, `text` before `body` before `message`, `time` before `@timestamp` before `timestamp`.
struct RecordBuilder {
    private var record: Record
    private var text: String?, body: String?, message: String?
    private var time: JSONLite.Value?, timestamp: JSONLite.Value?, atTimestamp: JSONLite.Value?

    init(source: SourcePosition) { record = Record(text: nil, source: source) }

    mutating func set(_ key: RecordKey, _ value: JSONLite.Value) {
        switch key {
        case .text: text = RecordFields.text(value)
        case .body: body = RecordFields.text(value)
        case .message: message = RecordFields.text(value)
        case .time: time = value
        case .atTimestamp: atTimestamp = value
        case .timestamp: timestamp = value
        case .channel: record.channel = RecordFields.text(value)
        case .subject: record.subject = RecordFields.text(value)
        case .peer: record.peer = RecordFields.text(value)
        case .peerKnown: if case .bool(let b) = value { record.peerKnown = b } else { record.peerKnown = nil }
        case .direction: record.direction = RecordFields.text(value)
        case .speaker: record.speaker = RecordFields.text(value)
        case .event: record.event = RecordFields.text(value)
        case .lang: record.lang = RecordFields.text(value)
        case .id: record.id = RecordFields.text(value)
        case .conversation: record.conversation = RecordFields.text(value)
        case .attrs: record.attrs = RecordFields.attributes(value)
        case .envelope, .other: break
        }
    }

    mutating func setAttributes(_ attrs: [String: AttributeValue]) { record.attrs = attrs }

    /// The record, or the issue that stops it (a bad time, neither text nor event). The record
    /// is moved out, not copied (a copy retains and releases each of its fields: profiled, a
    /// tenth of a stream's time went to copying records); the builder is spent after it.
    mutating func finish() -> ReaderOutput {
        if let issue = complete() { return .issue(issue) }
        return .record(take())
    }

    /// The record when it has no issue, else nil (the stream's fast path, which leaves the
    /// wording of issues to the general path).
    mutating func finishedRecord() -> Record? {
        complete() == nil ? take() : nil
    }

    /// Settles text and time in place; the issue that stops the record, if any.
    private mutating func complete() -> InputIssue? {
        let source = record.source
        record.text = text ?? body ?? message
        switch time ?? atTimestamp ?? timestamp {
        case .string(let s)?:
            guard let zoned = Timestamp.parseZoned(s) else {
                // Digits in quotes are the usual slip: say that a number is read, a string is not.
                let digits = !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                return InputIssue(.badField, at: source, "`time` is not an RFC 3339 time: \(s.prefix(40))",
                                  hint: digits ? "epoch milliseconds are read as a JSON number: write \"time\": \(s.prefix(20)) without quotes"
                                               : "write 2025-03-06T10:15:00+08:00 or epoch milliseconds (a JSON number)")
            }
            record.time = zoned.millis
            record.utcOffset = zoned.utcOffset
        case .number(let d)?:
            record.time = Timestamp.fromEpoch(d)
        default:
            break
        }
        if record.text == nil && record.event == nil {
            return InputIssue(.noText, at: source, "the record has neither `text` nor `event`",
                              hint: "add a \"text\" field with the message")
        }
        return nil
    }

    private mutating func take() -> Record {
        var out = Record(text: nil, source: record.source)
        swap(&out, &record)
        return out
    }
}
