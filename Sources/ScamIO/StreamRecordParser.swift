import Foundation
import ScamEngine

/// Parses one line of `scamflow stream` input: the design's Record, a CloudEvents envelope
/// (structured JSON mode), or an ECS-style document (`@timestamp`, `event.action`, `device.id`,
/// `message`, dotted or nested).
public enum StreamRecordParser {
    public typealias Value = JSONLite.Value

    /// Parses UTF-8 bytes (invalid sequences are decoded as U+FFFD).
    public static func parse<C: ContiguousBytes>(_ bytes: C, source: SourcePosition) -> ReaderOutput {
        // Most lines are plain Records: filled straight from the bytes when they are.
        let direct = bytes.withUnsafeBytes { DirectRecordParser.parse($0.bindMemory(to: UInt8.self), source: source) }
        if let direct { return .record(direct) }
        let value: Value
        do {
            value = try JSONLite.parse(bytes)
        } catch {
            let mark = bytes.withUnsafeBytes { ByteOrderMark.problem(startingLine: $0) }
            return .issue(InputIssue(.malformedJSON, at: source, mark ?? error.description, hint: mark == nil ? "each line must be one complete JSON object" : ""))
        }
        guard case .object(let fields) = value else {
            return .issue(InputIssue(.malformedJSON, at: source, "the line is JSON but not an object"))
        }
        if fields["specversion"] != nil, fields["type"] != nil { return cloudEvent(fields, source: source) }
        if fields["@timestamp"] != nil || fields["event.action"] != nil || fields["event"]?.object != nil
            || fields["device.id"] != nil || fields["device"]?.object != nil {
            return ecs(fields, source: source)
        }
        return RecordFields.record(from: fields, source: source)
    }

    public static func parse(_ line: String, source: SourcePosition) -> ReaderOutput {
        parse(Array(line.utf8), source: source)
    }

    /// CloudEvents: `type` is the event name (or `message`-like when `data.text` is present),
    /// `subject` the subject, `time` the time, `data` the attributes or Record fields.
    static func cloudEvent(_ envelope: [String: Value], source: SourcePosition) -> ReaderOutput {
        var fields = envelope["data"]?.object ?? [:]
        if fields["text"] == nil, fields["event"] == nil {
            // The data are the event's attributes.
            fields = ["event": envelope["type"] ?? .null, "attrs": .object(fields), "channel": .string("event")]
        }
        for key in ["subject", "time", "id"] where fields[key] == nil { fields[key] = envelope[key] }
        return RecordFields.record(from: fields, source: source)
    }

    /// ECS: `@timestamp` → time, `event.action` → event, `device.id` (or `host.id`, `user.id`) →
    /// subject, `message` → text; scalars under `labels`, `attrs` or `event.attrs` become
    /// attributes.
    static func ecs(_ document: [String: Value], source: SourcePosition) -> ReaderOutput {
        let flat = flatten(document)
        var fields: [String: Value] = [:]
        fields["time"] = flat["@timestamp"]
        fields["event"] = flat["event.action"]
        fields["subject"] = flat["device.id"] ?? flat["host.id"] ?? flat["user.id"] ?? flat["subject"]
        fields["text"] = flat["message"] ?? flat["text"]
        fields["channel"] = flat["channel"] ?? (fields["event"] != nil && fields["text"] == nil ? .string("event") : nil)
        fields["peer"] = flat["source.user.name"] ?? flat["peer"]
        fields["id"] = flat["event.id"]
        var attrs: [String: Value] = [:]
        for (key, value) in flat {
            for prefix in ["labels.", "attrs.", "event.attrs."] where key.hasPrefix(prefix) {
                attrs[String(key.dropFirst(prefix.count))] = value
            }
        }
        fields["attrs"] = .object(attrs)
        return RecordFields.record(from: fields.compactMapValues { $0 }, source: source)
    }

    /// `{"a": {"b": 1}}` → `["a.b": 1]`, keeping keys that already contain dots.
    static func flatten(_ object: [String: Value], prefix: String = "") -> [String: Value] {
        var out: [String: Value] = [:]
        for (key, value) in object {
            let full = prefix.isEmpty ? key : prefix + "." + key
            if case .object(let nested) = value { out.merge(flatten(nested, prefix: full)) { a, _ in a } } else { out[full] = value }
        }
        return out
    }
}
