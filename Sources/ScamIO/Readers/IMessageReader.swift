import Foundation
import GRDB
import ScamEngine

/// Reads an iMessage / SMS database: macOS `~/Library/Messages/chat.db` or an iOS backup's
/// `sms.db` (SQLite), opened read-only through GRDB, a record per message.
///
/// `message.text` is the text; when it is empty, the `attributedBody` archive is decoded by
/// `TypedStreamText`, and a body it cannot decode reliably is reported, not guessed. `date`
/// counts from 2001-01-01 in seconds (older databases) or nanoseconds (macOS 10.13 and iOS 11
/// on); `is_from_me` gives the direction; the peer is the message's handle (phone number or
/// e-mail), else its chat's identifier; the channel is `sms` for SMS and RCS, `chat` for
/// iMessage. Tapbacks, group events and attachment-only messages have no text to scan and are
/// passed over.
///
/// Invariants: the database is never written (read-only, with a 2 s busy timeout); messages
/// are read with a cursor in `ROWID` order (the chat of each message comes from a join, for
/// which SQLite builds a transient index when the database has none on
/// `chat_message_join.message_id`, instead of a scan per message), so memory does not grow
/// with the number of messages beyond that index; a
/// record's position is `file:ROWID` and its id the message `guid`; a file that is not SQLite
/// (an encrypted backup), a database that stays locked or lacks a `message` table is reported
/// as one issue naming the cause.
struct IMessageReader {
    let context: ReadContext

    /// Seconds from 1970-01-01 to 2001-01-01, Apple's reference date.
    static let appleEpoch: Int64 = 978_307_200

    /// Reads the database; returns its size in bytes (for the summary).
    func read(head: [UInt8], _ emit: inout Emitter) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: context.path)[.size] as? Int) ?? head.count
        guard context.path != "-" else {
            emit(context.issue(.unreadable, line: 0, "a database cannot be read from stdin", hint: "pass the chat.db or sms.db file by name"))
            return head.count
        }
        guard head.starts(with: Array("SQLite format 3\0".utf8)) else {
            emit(context.issue(.database, line: 0, "not a SQLite database: the file does not start with the SQLite header (an encrypted backup or SQLCipher database must be decrypted first)",
                               hint: "copy chat.db from ~/Library/Messages, or sms.db from an unencrypted iOS backup"))
            return size
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(2)
        configuration.label = "scamflow.imessage"
        do {
            let queue = try DatabaseQueue(path: context.path, configuration: configuration)
            try queue.read { db in try readMessages(db, &emit) }
        } catch let error as DatabaseError {
            emit(context.issue(.database, line: 0, describe(error), hint: hint(error)))
        } catch {
            emit(context.issue(.database, line: 0, "\(error)", hint: "check the file"))
        }
        return size
    }

    private func describe(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "the database is locked by another program (Messages?)"
        case .SQLITE_NOTADB: return "not a SQLite database, or an encrypted one"
        case .SQLITE_CORRUPT: return "the database is corrupt: \(error.message ?? "")"
        case .SQLITE_CANTOPEN: return "cannot open the database: \(error.message ?? "")"
        default: return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "")"
        }
    }

    private func hint(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "quit Messages, or copy chat.db (with chat.db-wal) elsewhere and scan the copy"
        case .SQLITE_NOTADB: return "decrypt the backup first"
        case .SQLITE_CANTOPEN: return "check the path and permissions; a database in WAL mode needs its folder to be writable, or copy it with its -wal file"
        default: return "copy the database and try again"
        }
    }

    private func readMessages(_ db: Database, _ emit: inout Emitter) throws {
        guard try db.tableExists("message") else {
            emit(context.issue(.unknownFormat, line: 0, "a SQLite database without a message table: not an iMessage chat.db or iOS sms.db",
                               hint: "pass the Messages database"))
            return
        }
        let columns = Set(try db.columns(in: "message").map { $0.name.lowercased() })
        func column(_ name: String, _ fallback: String = "NULL") -> String {
            columns.contains(name.lowercased()) ? "m.\(name)" : fallback
        }
        let hasHandle = try db.tableExists("handle")
        let hasChat = try db.tableExists("chat") && db.tableExists("chat_message_join")
        let sql = """
            SELECT m.ROWID AS rowid, \(column("guid")) AS guid, \(column("text")) AS text, \(column("attributedBody")) AS body,
                   \(column("date", "0")) AS date, \(column("is_from_me", "0")) AS from_me, \(column("service")) AS service,
                   \(column("item_type", "0")) AS item_type, \(column("associated_message_type", "0")) AS reaction,
                   \(hasHandle && columns.contains("handle_id") ? "(SELECT h.id FROM handle h WHERE h.ROWID = m.handle_id)" : "NULL") AS handle,
                   \(hasChat ? "c.chat_identifier" : "NULL") AS chat
            FROM message m
            \(hasChat ? "LEFT JOIN chat_message_join j ON j.message_id = m.ROWID LEFT JOIN chat c ON c.ROWID = j.chat_id" : "")
            ORDER BY m.ROWID
            """
        let rows = try Row.fetchCursor(db, sql: sql)
        var index = 0
        var previous: Int64?
        while let row = try rows.next() {
            // Values are converted without GRDB's failing subscripts: a damaged or odd database
            // (a NULL or text ROWID, a number where text should be) must not stop the scan.
            index += 1
            let rowID = Self.int(row, "rowid")
            // A message in two chats comes twice from the join (next to each other): read it once.
            if let rowID, rowID == previous { continue }
            previous = rowID
            let line = Int(clamping: rowID ?? Int64(index))
            guard (Self.int(row, "item_type") ?? 0) == 0, (Self.int(row, "reaction") ?? 0) == 0 else { continue }
            var text = Self.string(row, "text")?.replacingOccurrences(of: "\u{FFFC}", with: "")
            if text?.trimmed().isEmpty ?? true {
                text = nil
                if let body = Data.fromDatabaseValue(row["body"] as DatabaseValue), !body.isEmpty {
                    guard let decoded = TypedStreamText.decode([UInt8](body)) else {
                        guard emit(context.issue(.undecodable, line: line, "the message has no text and its attributedBody (\(body.count) bytes) could not be decoded reliably",
                                                 hint: "the message was skipped")) else { return }
                        continue
                    }
                    text = decoded.replacingOccurrences(of: "\u{FFFC}", with: "")
                }
            }
            guard let text, !text.trimmed().isEmpty else { continue }
            let service = Self.string(row, "service")
            let handle = Self.string(row, "handle")
            let isSMS = service.map { $0 == "SMS" || $0 == "RCS" } ?? true
            let record = Record(text: text, source: context.at(line), time: Self.time(Self.int(row, "date")), channel: isSMS ? "sms" : "chat",
                                subject: context.subject, peer: (handle?.isEmpty == false ? handle : nil) ?? Self.string(row, "chat"),
                                direction: (Self.int(row, "from_me") ?? 0) != 0 ? "out" : "in", id: Self.string(row, "guid"))
            guard emit(.record(record)) else { return }
        }
    }

    private static func int(_ row: Row, _ column: String) -> Int64? {
        Int64.fromDatabaseValue(row[column] as DatabaseValue)
    }

    private static func string(_ row: Row, _ column: String) -> String? {
        let value = row[column] as DatabaseValue
        switch value.storage {
        case .string(let s): return s
        case .blob(let data): return String(data: data, encoding: .utf8)
        case .int64(let n): return String(n)
        case .double(let d): return String(d)
        case .null: return nil
        }
    }

    /// Epoch milliseconds of an Apple date: seconds or nanoseconds since 2001-01-01; nil for 0.
    static func time(_ value: Int64?) -> Int64? {
        guard let value, value != 0 else { return nil }
        guard value > -1_000_000_000_000_000_000, value < 1_000_000_000_000_000_000 else { return nil }
        if value > 100_000_000_000 || value < -100_000_000_000 {
            return value / 1_000_000 + appleEpoch * 1000
        }
        return (value + appleEpoch) * 1000
    }
}
