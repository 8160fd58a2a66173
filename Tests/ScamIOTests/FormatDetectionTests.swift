import Foundation
import Testing
@testable import ScamIO

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("sms-backup/sms-20250306.xml", InputFormat.smsBackup),
        ("sms-backup/calls-20250306.xml", .smsBackup),
        ("adb/content-sms.txt", .adb),
        ("adb/content-calls.txt", .adb),
        ("whatsapp/WhatsApp Chat with 小区业主群.txt", .whatsapp),
        ("whatsapp/_chat.txt", .whatsapp),
        ("whatsapp/us-12h.txt", .whatsapp),
        ("telegram/result.json", .telegram),
        ("telegram/account-export.json", .telegram),
        ("wechat/平安客服小周_utf8.csv", .wechat),
        ("wechat/wxid_p2q3r4s5t6_0_5001.csv", .wechat),
        ("whisper/call-20250306-1015.json", .whisper),
        ("whisper/whisperx-call.json", .whisper),
        ("whisper/whisper-cpp-call.json", .whisper),
        ("whisper/call.srt", .srt),
        ("whisper/call.vtt", .vtt),
        ("whisper/call.tsv", .whisperTSV),
        ("csv/messages.csv", .csv),
    ])
    func fixturesAreDetected(path: String, format: InputFormat) throws {
        let head = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(path))).prefix(FormatDetector.headSize))
        #expect(FormatDetector.detect(path: path, head: head, options: ReaderOptions()) == .format(format))
        // Content decides, not the name (a CSV of any kind needs its extension or --map).
        if format != .csv {
            #expect(FormatDetector.detect(path: "renamed", head: head, options: ReaderOptions()) == .format(format))
        }
    }

    @Test(arguments: [
        ("feed.xml", "<rss version=\"2.0\"><channel/></rss>", [InputFormat.smsBackup]),
        ("export.json", "{\n  \"version\": 3,\n  \"items\": []\n}", [.telegram, .whisper, .jsonl]),
        ("pretty.json", "{ \"version\": 2,\n  \"records\": [\n  {\"text\": \"x\"}\n ]\n}\n", [.telegram, .whisper]),
        ("page.html", "<!DOCTYPE html>\n<html><body>hi</body></html>\n", [.smsBackup]),
        ("people.csv", "name,age\nAnn,31\n", [.csv, .wechat]),
        ("movie.srt", "hello there\n", [.srt]),
        ("sms.db", "not a database at all\n", [.imessage]),
    ])
    func unknownContentNamesTheCandidates(name: String, content: String, candidates: [InputFormat]) {
        guard case .unknown(let reason, let found) = FormatDetector.detect(path: name, head: Array(content.utf8), options: ReaderOptions()) else {
            Issue.record("detected a format for \(name)")
            return
        }
        #expect(found == candidates)
        #expect(!reason.isEmpty)
    }

    @Test func binaryAndUTF16() {
        let binary: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + Array(repeating: 0, count: 100)
        guard case .unknown(let why, let candidates) = FormatDetector.detect(path: "a.out", head: binary, options: ReaderOptions()) else {
            Issue.record("binary data detected as a format")
            return
        }
        #expect(why.hasPrefix("binary data, not text") && candidates.isEmpty, "no text format is offered for binary data")
        guard case .unknown(let reason, _) = FormatDetector.detect(path: "chat.txt", head: [0xFF, 0xFE, 0x41, 0x00], options: ReaderOptions()) else {
            Issue.record("UTF-16 detected as a format")
            return
        }
        #expect(reason.contains("UTF-16"))
    }

    /// UTF-16 and UTF-32 are named whatever the extension (a `.jsonl` in UTF-16 was taken for
    /// JSON lines, every line "malformed JSON at byte 0"), with or without a byte-order mark;
    /// UTF-8 text and binary data are neither.
    @Test func foreignEncodingsAreNamedBeforeTheExtension() {
        func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
            text.utf16.flatMap { littleEndian ? [UInt8($0 & 0xFF), UInt8($0 >> 8)] : [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
        let line = "{\"text\":\"我是公安局的，你涉嫌洗钱，请把钱转到安全账户，不要告诉任何人\"}\n"
        let cases: [([UInt8], String?, String?)] = [
            ([0xFF, 0xFE] + utf16(line, littleEndian: true), "UTF-16LE", "byte-order mark FF FE"),
            ([0xFE, 0xFF] + utf16(line, littleEndian: false), "UTF-16BE", "byte-order mark FE FF"),
            ([0xFF, 0xFE, 0x00, 0x00, 0x7B, 0x00, 0x00, 0x00], "UTF-32LE", "byte-order mark FF FE 00 00"),
            (utf16(line, littleEndian: true), "UTF-16LE", "no byte-order mark"),
            (utf16(line + line, littleEndian: false), "UTF-16BE", "no byte-order mark"),
            (Array(line.utf8), nil, nil),
            ([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + Array(repeating: 0, count: 100), nil, nil),
        ]
        for (head, name, evidence) in cases {
            let found = ForeignEncoding.detect(head)
            #expect(found?.name == name && (evidence.map { found?.evidence.hasPrefix($0) == true } ?? true), "\(head.prefix(8)): \(String(describing: found))")
            guard let name else { continue }
            guard case .unknown(let reason, let candidates) = FormatDetector.detect(path: "a.jsonl", head: head, options: ReaderOptions()) else {
                Issue.record("\(name) in a .jsonl file detected as a format")
                continue
            }
            #expect(reason.hasPrefix("\(name) text") && reason.contains("iconv -f") && candidates.isEmpty, "\(reason)")
        }
    }

    @Test func lineFormatsAsBefore() {
        #expect(FormatDetector.detect(path: "a.txt", head: Array("{\"text\":\"x\"}\n".utf8), options: ReaderOptions()) == .format(.jsonl))
        #expect(FormatDetector.detect(path: "a.json", head: Array("{\"text\":\"broken\"\n{\"text\":\"x\"}\n".utf8), options: ReaderOptions()) == .format(.jsonl),
                "JSON lines with a bad first line stay JSON lines (the reader reports the line)")
        #expect(FormatDetector.detect(path: "a.txt", head: Array("坐席：您好\n客户：喂\n".utf8), options: ReaderOptions()) == .format(.transcript))
        #expect(FormatDetector.detect(path: "a.log", head: Array("hello\nworld\n".utf8), options: ReaderOptions()) == .format(.text))
        #expect(FormatDetector.detect(path: "a.log", head: [], options: ReaderOptions()) == .format(.text))
        var mapped = ReaderOptions()
        mapped.columnMap = ColumnMap(columns: ["text": "b"])
        #expect(FormatDetector.detect(path: "export", head: Array("a,b\n1,2\n".utf8), options: mapped) == .format(.csv))
    }

    @Test func trimming() {
        #expect("\u{3000} 你好 \u{00A0}\t".trimmed() == "你好")
        #expect("\u{FEFF}a b".trimmed() == "a b")
        #expect(" \u{3000}\u{00A0} ".trimmed() == "")
        #expect("é\u{00A0}".trimmed() == "é" && "x".trimmed() == "x" && "".trimmed() == "")
        #expect("  ab  ".dropFirst().trimmed() == "ab")
        #expect(SubtitleReader.seconds(" 00:00:02,000 ") == 2 && SubtitleReader.seconds("1:02.5") == 62.5 && SubtitleReader.seconds("12") == nil)
    }

    @Test func timeZones() {
        #expect(TimeZoneSpec.parse("+08:00")?.fixedOffset == 28_800)
        #expect(TimeZoneSpec.parse("UTC-5")?.fixedOffset == -18_000)
        #expect(TimeZoneSpec.parse("+0530")?.fixedOffset == 19_800)
        #expect(TimeZoneSpec.parse("Asia/Shanghai")?.zone?.identifier == "Asia/Shanghai")
        #expect(TimeZoneSpec.parse("Mars/Olympus") == nil)
        #expect(TimeZoneSpec.parse("+25:00") == nil)
        let newYork = TimeZoneSpec.parse("America/New_York")!
        #expect(newYork.epochMillis(year: 2025, month: 1, day: 15, hour: 12) == Fixtures.ms("2025-01-15T17:00:00Z"))
        #expect(newYork.epochMillis(year: 2025, month: 7, day: 15, hour: 12) == Fixtures.ms("2025-07-15T16:00:00Z"))
        #expect(TimeZoneSpec.utc.epochMillis(year: 2025, month: 2, day: 29) == nil)
        #expect(LocalTime.parse("2025/03/06 10:15", zone: TimeZoneSpec.parse("+08:00")!) == Fixtures.ms("2025-03-06T10:15:00+08:00"))
        #expect(LocalTime.parse("2025-03-06T10:15:00Z", zone: TimeZoneSpec.parse("+08:00")!) == Fixtures.ms("2025-03-06T10:15:00Z"))
        #expect(LocalTime.parse("1741227300", zone: .utc) == 1_741_227_300_000)
    }
}

@Suite struct FolderWalkTests {
    @Test func filesOfNoKnownFormatInAFolderAreSkippedQuietly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("file\ttruth\ncall1.txt\tscam\n".utf8).write(to: dir.appendingPathComponent("LABELS.tsv"))
        try Data("start\tend\ttext\n0\t1000\t喂\n".utf8).write(to: dir.appendingPathComponent("call.tsv"))
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sms-backup/calls-20250306.xml"))).write(to: dir.appendingPathComponent("calls.xml"))
        let (files, issues) = InputExpander.expand([dir.path])
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["call.tsv", "calls.xml"])
        #expect(issues.map(\.kind) == [.unsupportedFile] && issues[0].skipped == false)
        // Named on the command line, the same file is read and its problem reported.
        #expect(InputExpander.expand([dir.appendingPathComponent("LABELS.tsv").path]).files.count == 1)
    }
}
