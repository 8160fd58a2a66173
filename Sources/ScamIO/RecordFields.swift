import ScamEngine

/// Builds a `Record` from a parsed JSON object with the design's Record fields. Shared by the
/// stream parser's envelopes (CloudEvents, ECS) once they are mapped to these names.
enum RecordFields {
    static func record(from fields: [String: JSONLite.Value], source: SourcePosition) -> ReaderOutput {
        func string(_ value: JSONLite.Value) -> String? {
            switch value {
            case .string(let s): return s
            case .number(let d): return AttributeValue.number(d).text
            default: return nil
            }
        }
        // One pass over the object's keys instead of a hash lookup per known field: a stream
        // reads millions of these and most have five or six keys.
        var record = Record(text: nil, source: source)
        var text: String?, body: String?, message: String?
        var time: JSONLite.Value?, timestamp: JSONLite.Value?, atTimestamp: JSONLite.Value?
        for (key, value) in fields {
            switch key {
            case "text": text = string(value)
            case "body": body = string(value)
            case "message": message = string(value)
            case "time": time = value
            case "@timestamp": atTimestamp = value
            case "timestamp": timestamp = value
            case "channel": record.channel = string(value)
            case "subject": record.subject = string(value)
            case "peer": record.peer = string(value)
            case "peer_known": if case .bool(let b) = value { record.peerKnown = b }
            case "direction": record.direction = string(value)
            case "speaker": record.speaker = string(value)
            case "event": record.event = string(value)
            case "lang": record.lang = string(value)
            case "id": record.id = string(value)
            case "conversation": record.conversation = string(value)
            case "attrs":
                guard case .object(let attrs) = value else { break }
                record.attrs.reserveCapacity(attrs.count)
                for (key, value) in attrs {
                    switch value {
                    case .string(let s): record.attrs[key] = .string(s)
                    case .number(let d): record.attrs[key] = .number(d)
                    case .bool(let b): record.attrs[key] = .bool(b)
                    default: break
                    }
                }
            default: break
            }
        }
        record.text = text ?? body ?? message
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
