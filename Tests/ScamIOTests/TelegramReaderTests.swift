import Foundation
import ScamEngine
import Testing
@testable import ScamIO

@Suite struct TelegramReaderTests {
    @Test func oneChatExport() {
        let out = Fixtures.fixture("telegram/result.json")
        #expect(out.format == .telegram)
        #expect(out.issues.isEmpty)
        #expect(out.records.map(\.id) == ["101", "102", "103", "105", "106"])
        let first = out.records[0]
        #expect(first.source.line == 6 && first.time == 1_741_227_300_000 && first.peer == "支付宝客服-刘经理" && first.channel == "chat")
        // A text made of parts keeps the URL of its link.
        #expect(out.records[2].text == "为了帮您关闭扣费，请先下载我们的安全软件并开启屏幕共享，点击下载：官方客服通道 http://zfb-kefu.top/app")
        let call = out.records[3]
        #expect(call.event == "call.incoming" && call.attrs["duration_s"] == .number(1260) && call.channel == "event")
        // Without --me or the account's own id, direction is unknown.
        #expect(out.records[1].direction == nil)
        let mine = Fixtures.fixture("telegram/result.json") { $0.me = "李娜" }
        #expect(mine.records[1].direction == "out" && mine.records[1].peer == "支付宝客服-刘经理")
        #expect(mine.records[0].direction == "in")
    }

    @Test func accountExportKnowsItsOwner() {
        let out = Fixtures.fixture("telegram/account-export.json")
        #expect(out.issues.isEmpty)
        #expect(out.records.map(\.id) == ["7001", "7002", "7003", "7004", "3"])
        #expect(out.records.map(\.direction) == ["in", "out", "out", "in", "in"])
        #expect(out.records.map(\.event) == [nil, nil, "call.outgoing", "call.missed", nil])
        #expect(out.records[1].peer == "李小军")
        #expect(out.records[4].text?.contains("稳赚不赔") == true)
    }

    @Test func truncatedExportKeepsTheMessagesBeforeTheCut() {
        let out = Fixtures.fixture("telegram/truncated.json")
        #expect(out.records.map(\.id) == ["101", "102", "103"])
        #expect(out.issues.map(\.kind) == [.truncated])
        #expect(out.issues[0].source.line > 40)
    }

    @Test func syntaxErrorsAndLargeMessages() throws {
        let bad = try Fixtures.temporary("{\"name\": \"x\", \"type\": \"personal_chat\", \"messages\": [\n{\"id\": 1, \"type\": \"message\", \"from_id\": \"user1\", \"text\": \"ok\"},\n{\"id\": 2 \"text\": \"x\"}]}", name: "result.json")
        #expect(bad.texts == ["ok"])
        #expect(bad.issues.map(\.kind) == [.malformedJSON] && bad.issues[0].source.line == 3)
        let big = String(repeating: "很长", count: 400)
        let large = try Fixtures.temporary("{\"name\": \"x\", \"messages\": [{\"id\": 1, \"from_id\": \"user1\", \"text\": \"\(big)\"}, {\"id\": 2, \"text\": \"短\"}]}",
                                            name: "result.json") { $0.maxLineBytes = 500 }
        #expect(large.texts == ["短"])
        #expect(large.issues.map(\.kind) == [.oversizedLine])
    }

    @Test func pullParserTokensAndValues() throws {
        let devNull = open("/dev/null", O_RDONLY)
        defer { close(devNull) }
        let input = ByteInput(source: ChunkSource(fd: devNull, head: Array("{\"a\": [1, -2.5e1, true, null, \"\\u4f60\\ud83d\\ude0a\\n\"], \"b\": {}}".utf8)), chunkSize: 3)
        var parser = JSONPullParser(input: input, maxStringBytes: 100)
        var tokens: [JSONPullParser.Token] = []
        while let t = try parser.next() { tokens.append(t) }
        #expect(tokens == [.objectStart, .key("a"), .arrayStart, .number(1), .number(-25), .bool(true), .null, .string("你😊\n"), .arrayEnd,
                           .key("b"), .objectStart, .objectEnd, .objectEnd])
    }
}
