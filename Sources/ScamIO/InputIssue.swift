import ScamEngine

/// A problem with the input: reported on stderr with its position, counted in the summary, and
/// never fatal on its own (`--strict` makes any issue an error exit).
public struct InputIssue: Sendable, Error, CustomStringConvertible {
    /// What kind of problem; the raw value is the reason shown in the summary.
    public enum Kind: String, Sendable, CaseIterable {
        case unreadable = "unreadable file"
        case unknownFormat = "unknown format"
        case notUTF8 = "not UTF-8 text"
        case malformedJSON = "malformed JSON"
        case malformedXML = "malformed XML"
        case malformedCSV = "malformed CSV"
        case truncated = "truncated input"
        case badDate = "date in an unknown order"
        case badTiming = "bad segment time"
        case database = "database error"
        case undecodable = "undecodable message body"
        case invalidUTF8 = "invalid UTF-8 (repaired)"
        case oversizedLine = "line too long"
        case noText = "record without text"
        case badField = "bad field value"
        case unsupportedFile = "not a recognised input file"
    }

    public var kind: Kind
    public var source: SourcePosition
    public var message: String
    public var hint: String
    /// Whether the record was skipped (false: it was still scanned, e.g. after UTF-8 repair).
    public var skipped: Bool

    public init(_ kind: Kind, at source: SourcePosition, _ message: String, hint: String = "", skipped: Bool = true) {
        self.kind = kind
        self.source = source
        self.message = message
        self.hint = hint
        self.skipped = skipped
    }

    /// `file:line: reason: message (hint)`; line 0 means the whole file.
    public var description: String {
        let place = source.line > 0 ? source.description : source.file
        return "\(place): \(kind.rawValue): \(message)" + (hint.isEmpty ? "" : " (\(hint))")
    }
}

/// What a reader hands on: a record, or an issue found at some position.
public enum ReaderOutput: Sendable {
    case record(Record)
    case issue(InputIssue)
}
