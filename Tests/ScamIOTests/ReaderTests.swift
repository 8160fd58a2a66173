import Foundation
import ScamEngine
import Testing
@testable import ScamIO

@Suite struct ReaderTests {
    /// Writes `bytes` to a temporary file and reads it back as records and issues.
    func read(_ bytes: [UInt8], name: String = "in.txt", options: ReaderOptions = ReaderOptions()) throws -> [ReaderOutput] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var reader = RecordReader(path: url.path, options: options)
        var out: [ReaderOutput] = []
        reader.read { out.append($0); return true }
        return out
    }

    func records(_ out: [ReaderOutput]) -> [Record] {
        out.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
    }

    func issues(_ out: [ReaderOutput]) -> [InputIssue] {
        out.compactMap { if case .issue(let i) = $0 { return i } else { return nil } }
    }

    @Test func lineReaderAcrossChunkBoundariesAndCRLF() throws {
        let text = (1...500).map { "第\($0)行 line \($0)" }.joined(separator: "\r\n") + "\r\n"
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data(text.utf8))
        try pipe.fileHandleForWriting.close()
        var reader = LineReader(fd: pipe.fileHandleForReading.fileDescriptor, maxLineBytes: 1000, chunkSize: 7)
        var lines: [String] = []
        while let line = reader.next() {
            if case .text(let n, let bytes) = line {
                #expect(n == lines.count + 1)
                lines.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        #expect(lines.count == 500)
        #expect(lines[41] == "第42行 line 42")
    }

    /// A UTF-8 byte-order mark at the start of an input is not part of the first line (it used
    /// to make the first record "malformed JSON at byte 0"); one starting a later line (files
    /// joined with cat) or a UTF-16 mark is named as the problem. CRLF line ends and a last
    /// line without a newline read the same as LF.
    @Test func aByteOrderMarkStartsAnInputAndIsNamedAnywhereElse() throws {
        let bom = ByteOrderMark.utf8
        let line1 = Array(#"{"subject":"a","text":"一"}"#.utf8), line2 = Array(#"{"subject":"b","text":"二"}"#.utf8)
        for end in [[0x0A], [0x0D, 0x0A]] as [[UInt8]] {
            let out = try read(bom + line1 + end + bom + line2 + end + line1, name: "in.jsonl")
            #expect(records(out).map(\.text) == ["一", "一"], "CRLF: \(end.count == 2)")
            let issue = try #require(issues(out).first)
            #expect(issue.source.line == 2 && issue.kind == .malformedJSON && issue.message.contains("byte-order mark (EF BB BF) starts the line"), "\(issue)")
        }
        // The mark split across reads: a pipe read one byte at a time.
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data(bom + line1 + [0x0A]))
        try pipe.fileHandleForWriting.close()
        var reader = LineReader(fd: pipe.fileHandleForReading.fileDescriptor, chunkSize: 1)
        guard case .text(1, let bytes)? = reader.next() else { Issue.record("no first line"); return }
        #expect(Array(bytes) == line1)
        let utf16 = issues([StreamRecordParser.parse([0xFF, 0xFE, 0x7B, 0x00] as [UInt8], source: SourcePosition(file: "-", line: 1))])
        #expect(utf16.first?.message.contains("the input is UTF-16 (byte-order mark FF FE)") == true, "\(utf16)")
    }

    @Test func oversizedLinesAreSkippedAndCounted() throws {
        let bytes = Array("ok 1\n\(String(repeating: "x", count: 5000))\nok 3\n\(String(repeating: "y", count: 5000))".utf8)
        var options = ReaderOptions()
        options.maxLineBytes = 100
        let out = try read(bytes, options: options)
        #expect(records(out).map(\.text) == ["ok 1", "ok 3"])
        #expect(issues(out).map(\.source.line) == [2, 4])
        #expect(issues(out).allSatisfy { $0.kind == .oversizedLine })
    }

    @Test func jsonLinesWithBadLinesInBetween() throws {
        let input = """
        {"text":"一","time":"2025-03-06T10:15:00+08:00","channel":"sms","subject":"u1","peer":"10086","peer_known":true,"lang":"zh","id":"r1"}
        not json
        [1,2]
        {"subject":"u1"}
        {"text":"二","time":1741227300000,"attrs":{"amount":12.5,"city":"深圳","ok":true}}
        {"text":"三","time":"last tuesday"}

        """
        let out = try read(Array(input.utf8), name: "in.jsonl")
        let rs = records(out)
        #expect(rs.map(\.text) == ["一", "二"])
        #expect(rs[0].time == 1_741_227_300_000 && rs[0].peerKnown == true && rs[0].id == "r1" && rs[0].source.line == 1)
        #expect(rs[1].attrs["city"] == .string("深圳") && rs[1].attrs["amount"] == .number(12.5))
        #expect(issues(out).map(\.kind) == [.malformedJSON, .malformedJSON, .noText, .badField])
        #expect(issues(out).map(\.source.line) == [2, 3, 4, 6])
    }

    @Test func invalidUTF8IsRepairedReportedAndScanned() throws {
        let out = try read([0x61, 0xFF, 0x62, 0x0A, 0x63])
        #expect(records(out).map(\.text) == ["a\u{FFFD}b", "c"])
        #expect(issues(out).first?.kind == .invalidUTF8 && issues(out).first?.skipped == false)
    }

    @Test func transcriptsAreDetectedAndGroupedAsOneCall() throws {
        let input = "[00:00:01] 坐席：您好，这里是客服\n[00:00:05] 客户：什么事\n继续说\nA: hello\n"
        let out = try read(Array(input.utf8), name: "call.txt")
        let rs = records(out)
        #expect(rs.count == 4)
        #expect(rs.map(\.speaker) == ["坐席", "客户", nil, "A"])
        #expect(Set(rs.compactMap(\.conversation)).count == 1)
        #expect(rs.allSatisfy { $0.channel == "call" })
    }

    @Test(arguments: [
        ("[00:01:15] 坐席：您好", TranscriptLine(offset: 75, speaker: "坐席", text: "您好")),
        ("A: hello", TranscriptLine(offset: nil, speaker: "A", text: "hello")),
        ("left: 你好", TranscriptLine(offset: nil, speaker: "left", text: "你好")),
        ("[01:02] SPEAKER_00: hi", TranscriptLine(offset: 62, speaker: "SPEAKER_00", text: "hi")),
        ("说话人2：喂", TranscriptLine(offset: nil, speaker: "说话人2", text: "喂")),
    ])
    func transcriptLines(line: String, expected: TranscriptLine) {
        #expect(TranscriptLine.parse(line) == expected)
    }

    @Test(arguments: ["注意: 这不是对话", "http://example.com", "[xx] A: hi", "Re: hello"])
    func notTranscriptLines(line: String) {
        #expect(TranscriptLine.parse(line) == nil)
    }

    @Test func formatDetection() {
        #expect(InputFormat.detect(path: "a.txt", firstLines: ["{\"text\":\"x\"}"]) == .jsonl)
        #expect(InputFormat.detect(path: "a.jsonl", firstLines: ["whatever"]) == .jsonl)
        #expect(InputFormat.detect(path: "a.txt", firstLines: ["A: hi", "B: hello", "A: bye"]) == .transcript)
        #expect(InputFormat.detect(path: "a.txt", firstLines: ["hello", "world"]) == .text)
        #expect(InputFormat.detect(path: "a.txt", firstLines: []) == .text)
    }

    @Test func unreadableFile() {
        var reader = RecordReader(path: "/nonexistent/scamflow", options: ReaderOptions())
        var out: [ReaderOutput] = []
        reader.read { out.append($0); return true }
        #expect(issues(out).map(\.kind) == [.unreadable])
    }

    @Test func encoderEscapesJSON() throws {
        var w = JSONWriter()
        w.string("a", "引号\"\\\n\u{1}")
        w.int("n", 3)
        let json = w.finished()
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["a"] as? String == "引号\"\\\n\u{1}")
    }

    @Test func redactor() {
        #expect(Redactor.redact("验证码 482913，卡号6222021234567890123") == "验证码 ******，卡号*****************23")
        #expect(Redactor.redact(Redactor.redact("卡号6222021234567890123")) == Redactor.redact("卡号6222021234567890123"), "idempotent")
        #expect(Redactor.pseudonym("dev-7f3a") == Redactor.pseudonym("dev-7f3a") && Redactor.pseudonym("dev-7f3a") != Redactor.pseudonym("dev-7f3b"))
        #expect(Redactor.pseudonym("dev-7f3a").hasPrefix("d~") && Redactor.pseudonym("dev-7f3a").count == 6)
        #expect(Redactor.pseudonym("+8613812345678").hasPrefix("*~"))
        #expect(Redactor.pseudonym("caller") == "caller" && Redactor.pseudonym("SPEAKER_01") == "SPEAKER_01")
        #expect(Redactor.redact("尾号 88 元") == "尾号 88 元")
        // A code read out digit by digit, a phone number in groups: one number each.
        #expect(Redactor.redact("验证码 4 8 2 9 1 7 发给我") == "验证码 * * * * * * 发给我")
        #expect(Redactor.redact("call 415-555-0134.") == "call ***-***-****.")
        #expect(Redactor.redact("转5,000元，3.50一份") == "转5,000元，3.50一份", "amounts stay")
        #expect(Redactor.recordPseudonym("corpus/msg/a12") == "corpus/msg/a12")
        let id = Redactor.recordPseudonym("13812345678")
        #expect(!id.contains("1381") && id != Redactor.recordPseudonym("13812345679"), "\(id)")
    }
}
