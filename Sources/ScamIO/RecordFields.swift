import ScamEngine

/// Builds a `Record` from a parsed JSON object with the design's Record fields. Shared by the
/// stream parser's envelopes (CloudEvents, ECS) once they are mapped to these names.
enum RecordFields {
    static func record(from fields: [String: JSONLite.Value], source: SourcePosition) -> ReaderOutput {
        func string(_ key: String) -> String? {
            switch fields[key] {
            case .string(let s)?: return s
            case .number(let d)?: return AttributeValue.number(d).text
            default: return nil
            }
        }
        var record = Record(text: string("text") ?? string("body") ?? string("message"), source: source)
        switch fields["time"] ?? fields["@timestamp"] ?? fields["timestamp"] {
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
        record.channel = string("channel")
        record.subject = string("subject")
        record.peer = string("peer")
        if case .bool(let b)? = fields["peer_known"] { record.peerKnown = b }
        record.direction = string("direction")
        record.speaker = string("speaker")
        record.event = string("event")
        record.lang = string("lang")
        record.id = string("id")
        record.conversation = string("conversation")
        if case .object(let attrs)? = fields["attrs"] {
            for (key, value) in attrs {
                switch value {
                case .string(let s): record.attrs[key] = .string(s)
                case .number(let d): record.attrs[key] = .number(d)
                case .bool(let b): record.attrs[key] = .bool(b)
                default: break
                }
            }
        }
        if record.text == nil && record.event == nil {
            return .issue(InputIssue(.noText, at: source, "the record has neither `text` nor `event`",
                                     hint: "add a \"text\" field with the message"))
        }
        return .record(record)
    }
}
