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
        for (key, value) in members {
            switch value {
            case .string(let s): out[key] = .string(s)
            case .number(let d): out[key] = .number(d)
            case .bool(let b): out[key] = .bool(b)
            default: break
            }
        }
        return out
    }

    static func record(from fields: [String: JSONLite.Value], source: SourcePosition) -> ReaderOutput {
        // One pass over the object's keys instead of a hash lookup per known field: a stream
        // reads millions of these and most have five or six keys.
        var record = Record(text: nil, source: source)
        var textField: String?, body: String?, message: String?
        var time: JSONLite.Value?, timestamp: JSONLite.Value?, atTimestamp: JSONLite.Value?
        for (key, value) in fields {
            switch key {
            case "text": textField = text(value)
            case "body": body = text(value)
            case "message": message = text(value)
            case "time": time = value
            case "@timestamp": atTimestamp = value
            case "timestamp": timestamp = value
            case "channel": record.channel = text(value)
            case "subject": record.subject = text(value)
            case "peer": record.peer = text(value)
            case "peer_known": if case .bool(let b) = value { record.peerKnown = b }
            case "direction": record.direction = text(value)
            case "speaker": record.speaker = text(value)
            case "event": record.event = text(value)
            case "lang": record.lang = text(value)
            case "id": record.id = text(value)
            case "conversation": record.conversation = text(value)
            case "attrs": record.attrs = attributes(value)
            default: break
            }
        }
        record.text = textField ?? body ?? message
        switch time ?? atTimestamp ?? timestamp {
        case .string(let s)?:
            guard let ms = Timestamp.parse(s) else {
                return .issue(InputIssue(.badField, at: source, "`time` is not an RFC 3339 time: \(s.prefix(40))",
                                         hint: "write 2025-03-06T10:15:00+08:00 or epoch milliseconds"))
            }
            record.time = ms
        case .number(let d)?:
            record.time = Timestamp.fromEpoch(d)
        default:
            break
        }
        if record.text == nil && record.event == nil {
            return .issue(InputIssue(.noText, at: source, "the record has neither `text` nor `event`",
                                     hint: "add a \"text\" field with the message"))
        }
        return .record(record)
    }
}
