import Foundation
import GRDB
import ScamEngine
import Testing
@testable import ScamIO

@Suite(.serialized) struct IMessageReaderTests {
    /// Builds a database from a fixture's SQL in a new folder; returns its path.
    static func database(_ sql: String, name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: try String(contentsOfFile: Fixtures.path(sql), encoding: .utf8)) }
        return path
    }

    @Test func chatDBWithNanosecondDatesAndAttributedBodies() throws {
        let path = try Self.database("imessage/chat.db.sql", name: "chat.db")
        let out = Fixtures.read(path)
        #expect(out.format == .imessage)
        #expect(out.lines == [1, 2, 3, 5, 9])  // tapback 4, undecodable 6, attachment 7, group event 8 left out
        #expect(out.records[1].text?.hasPrefix("【国家保密局】您的身份信息涉嫌泄露") == true)  // from attributedBody
        #expect(out.records[1].time == Fixtures.ms("2025-03-06T02:15:00Z") && out.records[1].channel == "sms")
        #expect(out.records[1].peer == "+8610690012345678" && out.records[1].id == "2F9E0A14-3C5B-4D8E-A7F6-9B1C2D3E4F02")
        #expect(out.records[2].direction == "out" && out.records[1].direction == "in")
        #expect(out.records[3].channel == "chat" && out.records[3].text?.contains("toll balance") == true)
        #expect(out.records[4].peer == "chat841726354")
        #expect(out.issues.map(\.kind) == [.undecodable] && out.issues[0].source.line == 6)
        #expect(out.bytes > 0)
    }

    @Test func olderSMSDBWithSecondDates() throws {
        let path = try Self.database("imessage/sms-ios9.db.sql", name: "sms.db")
        let out = Fixtures.read(path)
        #expect(out.lines == [41, 42])
        #expect(out.records[0].time == Fixtures.ms("2025-03-06T02:15:00Z"))
        #expect(out.issues.isEmpty)
    }

    @Test func notSQLiteOrEncrypted() throws {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
        let auto = try Fixtures.temporary(bytes, name: "sms.db")
        #expect(auto.issues.map(\.kind) == [.unknownFormat] && auto.issues[0].message.contains("encrypted"))
        #expect(auto.issues[0].message.contains("imessage"))
        let forced = try Fixtures.temporary(Array("hello".utf8), name: "whatever") { $0.format = .imessage }
        #expect(forced.issues.map(\.kind) == [.database] && forced.issues[0].message.contains("not a SQLite database"))
    }

    @Test func otherSQLiteDatabase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("notes.sqlite").path
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)") }
        let out = Fixtures.read(path)
        #expect(out.issues.map(\.kind) == [.unknownFormat] && out.issues[0].message.contains("message table"))
    }

    @Test func lockedDatabase() throws {
        let path = try Self.database("imessage/sms-ios9.db.sql", name: "sms.db")
        var configuration = Configuration()
        configuration.journalMode = .default
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        try holder.inDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE; UPDATE message SET text = text")
            let out = Fixtures.read(path)
            #expect(out.records.isEmpty)
            #expect(out.issues.map(\.kind) == [.database] && out.issues[0].message.contains("locked"))
            try db.execute(sql: "ROLLBACK")
        }
    }

    @Test func typedStreamDecoding() {
        let header: [UInt8] = [0x04, 0x0B] + Array("streamtyped".utf8) + [0x81, 0xE8, 0x03, 0x84, 0x01, 0x40, 0x84, 0x84, 0x84, 0x12]
            + Array("NSAttributedString".utf8) + [0x00, 0x84, 0x84, 0x08] + Array("NSObject".utf8) + [0x00, 0x85, 0x92, 0x84, 0x84, 0x84, 0x08]
            + Array("NSString".utf8) + [0x01, 0x94, 0x84, 0x01, 0x2B]
        let long = String(repeating: "验证码", count: 50)
        #expect(TypedStreamText.decode(header + [0x05] + Array("hello".utf8) + [0x86]) == "hello")
        #expect(TypedStreamText.decode(header + [0x81, 0xC2, 0x01] + Array(long.utf8) + [0x86]) == long)
        #expect(TypedStreamText.decode(header + [0x81, 0xFF, 0x7F] + Array("short".utf8)) == nil)  // length past the end
        #expect(TypedStreamText.decode(header + [0x02, 0xE4, 0xBD]) == nil)  // not UTF-8
        #expect(TypedStreamText.decode(Array("bplist00".utf8) + [0x05] + Array("hello".utf8)) == nil)
    }

    @Test func appleDates() {
        #expect(IMessageReader.time(762_920_100) == Fixtures.ms("2025-03-06T02:15:00Z"))
        #expect(IMessageReader.time(762_920_100_000_000_000) == Fixtures.ms("2025-03-06T02:15:00Z"))
        #expect(IMessageReader.time(0) == nil)
    }
}
