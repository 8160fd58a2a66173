import ScamEngine

/// Reads a Telegram Desktop export, `result.json`: one chat (`{"name", "type", "id",
/// "messages": [...]}`) or the whole account (`{"personal_information", "chats": {"list":
/// [chat, ...]}, "left_chats": ...}`).
///
/// Each message (`"type": "message"`) with text is a `chat` record: its `text` (a string, or an
/// array of strings and entities, whose `text_link` URLs are kept after their text), `from` the
/// peer, `date_unixtime` (or `date`, local, read in `--tz`) the time and `id` its id. Phone calls
/// (service messages with `"action": "phone_call"`) become `call.incoming`, `call.outgoing` or
/// `call.missed` events with `duration_s`. The user's own messages are `out` when the export
/// names the user (`personal_information.user_id`) or `--me` does.
///
/// Invariants: the document is parsed as a stream and only one message is materialized at a
/// time (at most `maxLineBytes` of it; a larger one is reported and skipped), so memory does
/// not grow with the export; a record's position is the line its message object starts on; a
/// syntax error (a file cut short) is reported with its line after every message before it.
struct TelegramReader {
    let context: ReadContext

    private struct Frame {
        var key: String?
        var isObject: Bool
        var info: [String: String] = [:]
    }

    func read(_ input: inout ByteInput, _ emit: inout Emitter) {
        var parser = JSONPullParser(input: input, maxStringBytes: context.options.maxLineBytes)
        defer { input = parser.input }
        var frames: [Frame] = []
        var pendingKey: String?
        var selfID: String?
        var sawMessages = false
        do {
            while let token = try parser.next() {
                switch token {
                case .key(let key):
                    pendingKey = key
                    guard key == "messages", frames.last?.isObject == true else { continue }
                    let chat = frames[frames.count - 1].info
                    guard let open = try parser.next() else { break }
                    guard open == .arrayStart else {
                        if case .objectStart = open { frames.append(Frame(key: key, isObject: true)) }
                        pendingKey = nil
                        continue
                    }
                    sawMessages = true
                    pendingKey = nil
                    while let first = try parser.next(), first != .arrayEnd {
                        let line = parser.tokenLine
                        switch try parser.readValue(startingWith: first, budget: context.options.maxLineBytes) {
                        case .tooLarge:
                            guard emit(context.issue(.oversizedLine, line: line, "a message over \(context.options.maxLineBytes) bytes",
                                                     hint: "raise it with --max-line-bytes")) else { return }
                        case .value(let message):
                            for output in outputs(message, chat: chat, selfID: selfID, line: line) { guard emit(output) else { return } }
                        }
                    }
                case .objectStart, .arrayStart:
                    frames.append(Frame(key: pendingKey, isObject: token == .objectStart))
                    pendingKey = nil
                case .objectEnd, .arrayEnd:
                    if !frames.isEmpty { frames.removeLast() }
                case .string, .number, .bool, .null:
                    if let key = pendingKey, frames.last?.isObject == true {
                        let value: String? = switch token {
                        case .string(let s): s
                        case .number(let n): JSONValue.number(n).string
                        default: nil
                        }
                        if let value, ["name", "type", "id"].contains(key) { frames[frames.count - 1].info[key] = value }
                        if key == "user_id", frames.last?.key == "personal_information", let value { selfID = "user" + value }
                    }
                    pendingKey = nil
                }
            }
        } catch {
            let cut = error.message.contains("cut short") || error.message.contains("ends inside")
            emit(context.issue(cut ? .truncated : .malformedJSON, line: error.line, error.message,
                               hint: cut ? "every message before this point was read; export the chat again for the rest"
                                         : "the rest of the file could not be read"))
            return
        }
        if !sawMessages {
            emit(context.issue(.unknownFormat, line: 0, "no \"messages\" array: not a Telegram export",
                               hint: "export with Telegram Desktop (Settings > Advanced > Export Telegram data, format JSON)"))
        }
    }

    private func outputs(_ message: JSONValue, chat: [String: String], selfID: String?, line: Int) -> [ReaderOutput] {
        guard case .object = message else {
            return [context.issue(.badField, line: line, "a message that is not an object", hint: "it was skipped")]
        }
        var out: [ReaderOutput] = []
        let id = message["id"]?.string
        var time: Int64?
        if let unix = message["date_unixtime"]?.number, abs(unix) < 100_000_000_000 {
            time = Int64(unix) * 1000
        } else if let date = message["date"]?.string {
            time = LocalTime.parse(date, zone: context.options.zone)
            if time == nil {
                out.append(context.issue(.badField, line: line, "date '\(date.prefix(30))' is not a time", hint: "the message was kept without a time", skipped: false))
            }
        }
        let from = message["from"]?.string ?? message["actor"]?.string
        let fromID = message["from_id"]?.string ?? message["actor_id"]?.string
        var mine: Bool?
        if let selfID, let fromID { mine = fromID == selfID } else if let me = context.options.me, let from { mine = from == me }
        let personal = chat["type"] == "personal_chat" || chat["type"] == "bot_chat"
        let peer = mine == true ? (personal ? chat["name"] : nil) : from
        switch message["type"]?.string ?? "message" {
        case "service":
            guard message["action"]?.string == "phone_call" else { return out }
            let reason = message["discard_reason"]?.string
            let event = mine == true ? "call.outgoing" : (reason == "missed" || reason == "busy" ? "call.missed" : "call.incoming")
            var extra: [String: AttributeValue] = [:]
            if let reason { extra["discard_reason"] = .string(reason) }
            out.append(.record(CallEvent.record(event: event, number: nil, duration: message["duration_seconds"]?.number, inContacts: nil,
                                                contactName: peer, time: time, source: context.at(line), subject: context.subject,
                                                id: id, extra: extra)))
        case "message":
            let text = Self.text(message["text"])
            guard !text.trimmed().isEmpty else { return out }
            out.append(.record(Record(text: text, source: context.at(line), time: time, channel: "chat", subject: context.subject,
                                      peer: peer, direction: mine.map { $0 ? "out" : "in" }, id: id)))
        default:
            break
        }
        return out
    }

    /// The text of a message: a string, or an array of strings and entities (`{"type", "text"}`);
    /// a `text_link` keeps its URL after its text.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: return s
        case .array(let parts)?:
            var out = ""
            for part in parts {
                switch part {
                case .string(let s): out += s
                case .object:
                    out += part["text"]?.string ?? ""
                    if part["type"]?.string == "text_link", let href = part["href"]?.string { out += " " + href }
                default: break
                }
            }
            return out
        default: return ""
        }
    }
}
