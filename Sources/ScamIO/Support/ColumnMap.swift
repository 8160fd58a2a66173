import Foundation

/// Which CSV column holds which record field: `--map text=body,time=date,peer=from`.
///
/// A column is named by its header (compared case-insensitively) or by its 1-based number.
/// Fields that the map leaves out are found by their usual header names (`text`, `body`,
/// `message`, `内容`; `time`, `date`; `from`, `address`, ...), so `--map` only needs the columns
/// that are named otherwise.
public struct ColumnMap: Sendable, Equatable {
    /// Record fields a column can fill.
    public static let fields = ["text", "time", "peer", "subject", "channel", "direction", "speaker", "id",
                                "conversation", "lang", "peer_known"]

    /// Field name → column (header name or 1-based number).
    public var columns: [String: String]

    public init(columns: [String: String]) {
        self.columns = columns
    }

    /// Parses `field=column,...`; throws a message naming the bad part.
    public static func parse(_ text: String) throws(ColumnMapError) -> ColumnMap {
        var columns: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { throw ColumnMapError("'\(part)' is not field=column") }
            let field = pieces[0].trimmed().lowercased().replacingOccurrences(of: "-", with: "_")
            let column = pieces[1].trimmed()
            guard fields.contains(field) else {
                throw ColumnMapError("unknown field '\(field)'; use \(fields.joined(separator: ", "))")
            }
            guard !column.isEmpty else { throw ColumnMapError("no column for '\(field)'") }
            columns[field] = column
        }
        guard !columns.isEmpty else { throw ColumnMapError("empty mapping") }
        return ColumnMap(columns: columns)
    }

    /// Usual header names of each field, in order of preference (lowercased).
    static let usualNames: [String: [String]] = [
        "text": ["text", "body", "message", "content", "msg", "sms", "transcript", "内容", "消息", "消息内容", "短信内容", "聊天内容", "正文", "文本"],
        "time": ["time", "timestamp", "datetime", "date", "sent", "created_at", "时间", "日期", "发送时间", "接收时间"],
        "peer": ["peer", "from", "sender", "address", "number", "phone", "contact", "发送者", "发件人", "号码", "对方", "联系人"],
        "subject": ["subject", "owner", "account", "device"],
        "channel": ["channel"],
        "direction": ["direction", "发送方向", "方向"],
        "speaker": ["speaker", "说话人"],
        "id": ["id", "message_id", "msg_id", "_id"],
        "conversation": ["conversation", "thread", "thread_id", "chat"],
        "lang": ["lang", "language"],
        "peer_known": ["peer_known", "in_contacts"],
    ]

    /// Column indexes by field for a header, or the name of a mapped column the header lacks.
    func resolve(header: [String]) -> Result<[String: Int], ColumnMapError> {
        let lower = header.map { $0.trimmed().lowercased() }
        var resolved: [String: Int] = [:]
        for (field, column) in columns {
            if let index = lower.firstIndex(of: column.lowercased()) {
                resolved[field] = index
            } else if let number = Int(column.hasPrefix("#") ? String(column.dropFirst()) : column), number >= 1, number <= header.count {
                resolved[field] = number - 1
            } else {
                return .failure(ColumnMapError("column '\(column)' (for \(field)) is not in the header: \(header.prefix(20).joined(separator: ", "))"))
            }
        }
        for (field, names) in Self.usualNames where resolved[field] == nil {
            if let index = names.lazy.compactMap({ lower.firstIndex(of: $0) }).first, !resolved.values.contains(index) {
                resolved[field] = index
            }
        }
        guard resolved["text"] != nil else {
            return .failure(ColumnMapError("no text column; name it with --map text=COLUMN (columns: \(header.prefix(20).joined(separator: ", ")))"))
        }
        return .success(resolved)
    }

    /// A map of usual names only, when the header has a text column by a usual name.
    static func automatic(header: [String]) -> ColumnMap? {
        let map = ColumnMap(columns: [:])
        guard case .success = map.resolve(header: header) else { return nil }
        return map
    }
}

/// A `--map` that cannot be used.
public struct ColumnMapError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
