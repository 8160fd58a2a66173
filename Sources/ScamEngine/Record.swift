/// Where a record came from: a file (or `-` for stdin) and a 1-based line, for evidence.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// An event attribute value, as found in JSON input.
public enum AttributeValue: Sendable, Hashable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
}

/// One thing a person received or their phone did: what every reader produces.
///
/// A message or transcript segment has `text`; a device event has `event` and `attrs`. Records
/// that share a `conversation` (the segments of one call transcript) are scored together.
public struct Record: Sendable {
    /// Milliseconds since the Unix epoch, when known.
    public var time: Int64?
    /// Minutes east of UTC the input wrote `time` in (`2025-03-06T18:15:00+08:00`: 480), so
    /// alerts can show the local time the person saw; nil when the input gave no zone, no
    /// time of day, or an epoch number (see `Timestamp.Zoned`).
    public var utcOffset: Int?
    /// `sms`, `call`, `chat`, `email` or `event`; nil when the input does not say.
    public var channel: String?
    /// Whose phone, account or conversation this is: flows are keyed by it.
    public var subject: String?
    /// The other party: number, handle or name.
    public var peer: String?
    public var peerKnown: Bool?
    /// `in` or `out`.
    public var direction: String?
    /// Who spoke, for transcripts.
    public var speaker: String?
    public var text: String?
    /// Event name for `channel: event` (`app.installed`, ...).
    public var event: String?
    public var attrs: [String: AttributeValue]
    /// `zh` or `en` when the input says; otherwise detected from the text.
    public var lang: String?
    /// The input's own id for the record, if it has one.
    public var id: String?
    /// Records with the same non-nil conversation are one unit of scoring (one call).
    public var conversation: String?
    public var source: SourcePosition

    public init(text: String?, source: SourcePosition, time: Int64? = nil, utcOffset: Int? = nil, channel: String? = nil,
                subject: String? = nil, peer: String? = nil, peerKnown: Bool? = nil, direction: String? = nil,
                speaker: String? = nil, event: String? = nil, attrs: [String: AttributeValue] = [:],
                lang: String? = nil, id: String? = nil, conversation: String? = nil) {
        self.text = text
        self.source = source
        self.time = time
        self.utcOffset = utcOffset
        self.channel = channel
        self.subject = subject
        self.peer = peer
        self.peerKnown = peerKnown
        self.direction = direction
        self.speaker = speaker
        self.event = event
        self.attrs = attrs
        self.lang = lang
        self.id = id
        self.conversation = conversation
    }
}
