import Foundation
import ScamEngine

/// Parses one JSON line into a `Record`: the design's fields, plus the labelled-data fields
/// (`id`) that evaluation files carry. Unknown keys are ignored.
enum JSONRecordParser {
    /// One JSON line: the design's Record, a CloudEvents envelope or an ECS document (the same
    /// reader as `scamflow stream`, so a captured stream scans as it streamed).
    static func parse(_ line: String, source: SourcePosition) -> ReaderOutput {
        StreamRecordParser.parse(Array(line.utf8), source: source)
    }

    /// The same through Foundation's parser (kept for callers holding `[String: Any]`).
    static func parseWithFoundation(_ line: String, source: SourcePosition) -> ReaderOutput {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [])
        } catch {
            return .issue(InputIssue(.malformedJSON, at: source, describe(error),
                                     hint: "each line must be one complete JSON object"))
        }
        guard let fields = object as? [String: Any] else {
            return .issue(InputIssue(.malformedJSON, at: source, "the line is JSON but not an object",
                                     hint: "each line must be one JSON object such as {\"text\": \"...\"}"))
        }
        return record(from: fields, source: source)
    }

    /// A record from a decoded JSON object with the design's Record fields.
    static func record(from fields: [String: Any], source: SourcePosition) -> ReaderOutput {
        var record = Record(text: nil, source: source)
        record.text = string(fields["text"]) ?? string(fields["body"]) ?? string(fields["message"])
        if let t = fields["time"] ?? fields["@timestamp"] ?? fields["timestamp"] {
            if let s = t as? String {
                guard let ms = Timestamp.parse(s) else {
                    return .issue(InputIssue(.badField, at: source, "`time` is not an RFC 3339 time: \(s.prefix(40))",
                                             hint: "write 2025-03-06T10:15:00+08:00 or epoch milliseconds"))
                }
                record.time = ms
            } else if let n = t as? NSNumber, !(t is Bool) {
                record.time = Timestamp.fromEpoch(n.doubleValue)
            }
        }
        record.channel = string(fields["channel"])
        record.subject = string(fields["subject"])
        record.peer = string(fields["peer"])
        record.peerKnown = fields["peer_known"] as? Bool
        record.direction = string(fields["direction"])
        record.speaker = string(fields["speaker"])
        record.event = string(fields["event"])
        record.lang = string(fields["lang"])
        record.id = string(fields["id"])
        record.conversation = string(fields["conversation"])
        if let attrs = fields["attrs"] as? [String: Any] {
            for (key, value) in attrs {
                if let s = value as? String { record.attrs[key] = .string(s) } else if let b = value as? Bool { record.attrs[key] = .bool(b) } else if let n = value as? NSNumber { record.attrs[key] = .number(n.doubleValue) }
            }
        }
        if record.text == nil && record.event == nil {
            return .issue(InputIssue(.noText, at: source, "the record has neither `text` nor `event`",
                                     hint: "add a \"text\" field with the message"))
        }
        return .record(record)
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber where !(value is Bool): return n.stringValue
        default: return nil
        }
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return "not valid JSON"
    }
}
