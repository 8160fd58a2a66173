/// Options that shape how input becomes records, resolved from the command line before any
/// file is read (one field per `scan` option).
public struct ReaderOptions: Sendable {
    /// Force a format instead of detecting it (`--input-format`).
    public var format: InputFormat?
    /// Lines (and single values: an XML attribute, a JSON string, a CSV row) longer than this are
    /// skipped and reported (`--max-line-bytes`).
    public var maxLineBytes: Int = 1 << 20
    /// Channel for plain-text lines (which do not say); nil lets every rule apply (`--channel`).
    public var channel: String?
    /// Subject for records that do not name one; default: the file name (`--subject`).
    public var subject: String?
    /// The user's own name in chat exports (WhatsApp, Telegram): their messages are `out`
    /// (`--me`).
    public var me: String?
    /// Zone of local times in exports that carry no offset (WhatsApp, WeChat, Telegram's
    /// `date`, CSV); nil is the machine's zone (`--tz`).
    public var timeZone: TimeZoneSpec?
    /// Order of the day and month in WhatsApp dates (`--date-order`).
    public var dateOrder: DateOrder = .auto
    /// Start of the call, in epoch milliseconds, that transcript offsets count from
    /// (`--call-start`); without it, transcript segments have no time.
    public var callStart: Int64?
    /// Speaker renames for transcripts, such as `SPEAKER_00` → `caller` (`--speaker-map`).
    public var speakerMap: [String: String] = [:]
    /// Which CSV columns hold which record fields (`--map`).
    public var columnMap: ColumnMap?

    public init() {}

    /// The zone to read local times in.
    var zone: TimeZoneSpec { timeZone ?? .local }
}

/// The order of day and month in dates such as `06/03/2017`.
public enum DateOrder: String, Sendable, CaseIterable {
    /// Day, month, year: `06/03/2017` is 6 March.
    case dmy
    /// Month, day, year: `06/03/2017` is 3 June.
    case mdy
    /// Decided from the file: the first date whose first or second number is over 12.
    case auto
}
