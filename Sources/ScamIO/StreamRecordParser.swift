import Foundation
import ScamEngine

/// Parses one line of `scamflow stream` input: the design's Record, a CloudEvents envelope
/// (structured JSON mode), or an ECS-style document (`@timestamp`, `event.action`, `device.id`,
/// `message`, dotted or nested).
public enum StreamRecordParser {
    public static func parse(_ line: String, source: SourcePosition) -> ReaderOutput {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [])
        } catch {
            return .issue(InputIssue(.malformedJSON, at: source, JSONRecordParser.describe(error),
                                     hint: "each line must be one complete JSON object"))
        }
        guard let fields = object as? [String: Any] else {
            return .issue(InputIssue(.malformedJSON, at: source, "the line is JSON but not an object"))
        }
        if fields["specversion"] != nil, fields["type"] != nil { return cloudEvent(fields, source: source) }
        if fields["@timestamp"] != nil || fields["event.action"] != nil || (fields["event"] as? [String: Any]) != nil
            || fields["device.id"] != nil || (fields["device"] as? [String: Any]) != nil {
            return ecs(fields, source: source)
        }
        return JSONRecordParser.record(from: fields, source: source)
    }

    /// CloudEvents: `type` is the event name (or `message`-like when `data.text` is present),
    /// `subject` the subject, `time` the time, `data` the attributes or Record fields.
    static func cloudEvent(_ envelope: [String: Any], source: SourcePosition) -> ReaderOutput {
        var fields = envelope["data"] as? [String: Any] ?? [:]
        let type = envelope["type"] as? String ?? ""
        if fields["text"] == nil, fields["event"] == nil {
            // The data are the event's attributes.
            let attrs = fields
            fields = ["event": type, "attrs": attrs, "channel": "event"]
        }
        if fields["subject"] == nil { fields["subject"] = envelope["subject"] }
        if fields["time"] == nil { fields["time"] = envelope["time"] }
        if fields["id"] == nil { fields["id"] = envelope["id"] }
        return JSONRecordParser.record(from: fields, source: source)
    }

    /// ECS: `@timestamp` → time, `event.action` → event, `device.id` (or `host.id`, `user.id`) →
    /// subject, `message` → text; remaining scalars of `labels`, `attrs` or the event's own
    /// object become attributes.
    static func ecs(_ document: [String: Any], source: SourcePosition) -> ReaderOutput {
        let flat = flatten(document)
        var fields: [String: Any] = [:]
        fields["time"] = flat["@timestamp"]
        fields["event"] = flat["event.action"]
        fields["subject"] = flat["device.id"] ?? flat["host.id"] ?? flat["user.id"] ?? flat["subject"]
        fields["text"] = flat["message"] ?? flat["text"]
        fields["channel"] = flat["channel"] ?? (fields["event"] != nil && fields["text"] == nil ? "event" : nil)
        fields["peer"] = flat["source.user.name"] ?? flat["peer"]
        fields["id"] = flat["event.id"]
        var attrs: [String: Any] = [:]
        for (key, value) in flat {
            for prefix in ["labels.", "attrs.", "event.attrs."] where key.hasPrefix(prefix) {
                attrs[String(key.dropFirst(prefix.count))] = value
            }
        }
        fields["attrs"] = attrs
        return JSONRecordParser.record(from: fields.compactMapValues { $0 }, source: source)
    }

    /// `{"a": {"b": 1}}` → `["a.b": 1]`, keeping keys that already contain dots.
    static func flatten(_ object: [String: Any], prefix: String = "") -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in object {
            let full = prefix.isEmpty ? key : prefix + "." + key
            if let nested = value as? [String: Any] { out.merge(flatten(nested, prefix: full)) { a, _ in a } } else { out[full] = value }
        }
        return out
    }
}
