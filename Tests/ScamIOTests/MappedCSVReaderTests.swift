import ScamEngine
import Testing
@testable import ScamIO

@Suite struct MappedCSVReaderTests {
    static func mapped(_ o: inout ReaderOptions) {
        o.columnMap = try! ColumnMap.parse("text=短信正文,time=收发时间,peer=号码,direction=类型")
    }

    @Test func mappedColumns() {
        let out = Fixtures.fixture("csv/sms-export.csv", Self.mapped)
        #expect(out.format == .csv)
        #expect(out.lines == [2, 3, 4, 5, 7])
        #expect(out.records[1].peer == "10690299887766" && out.records[1].direction == "in")
        #expect(out.records[1].time == Fixtures.ms("2025-03-06T10:15:00+08:00"))
        #expect(out.records[2].text == "好的,晚上见" && out.records[2].direction == "out")
        #expect(out.records[3].text == "您好，我是京东金融客服，您的学生账户未注销会影响征信，\n请下载\"会议通\"并开启屏幕共享，我们协助您注销。")
        #expect(out.issues.map(\.kind) == [.badField] && out.issues[0].source.line == 7 && out.records[4].time == nil)
    }

    @Test func usualColumnNamesNeedNoMap() {
        let out = Fixtures.fixture("csv/messages.csv")
        #expect(out.format == .csv && out.issues.isEmpty)
        #expect(out.records.map(\.peer) == ["+447700900123", "+447700900456", "+447700900789"])
        #expect(out.records[0].time == Fixtures.ms("2025-03-06T02:15:00Z"))
    }

    @Test func brokenQuoteIsReportedAndTheNextLinesRead() {
        let out = Fixtures.fixture("csv/broken-quote.csv") { $0.columnMap = try! ColumnMap.parse("text=短信正文,time=收发时间,peer=号码") }
        #expect(out.issues.map(\.kind) == [.malformedCSV])
        #expect(out.issues[0].source.line == 3)
        #expect(out.lines == [2, 4, 5])
        #expect(out.records[1].text?.contains("安全账户") == true)
    }

    @Test func unknownColumnsAndMaps() throws {
        let auto = Fixtures.fixture("csv/broken-quote.csv")
        #expect(auto.format == nil && auto.issues.map(\.kind) == [.unknownFormat])
        #expect(auto.issues[0].message.contains("短信正文"))
        let missing = Fixtures.fixture("csv/messages.csv") { $0.columnMap = try! ColumnMap.parse("text=content") }
        #expect(missing.issues.map(\.kind) == [.unknownFormat] && missing.issues[0].message.contains("'content'"))
        #expect(throws: ColumnMapError.self) { try ColumnMap.parse("colour=red") }
        #expect(throws: ColumnMapError.self) { try ColumnMap.parse("text") }
        #expect(try ColumnMap.parse("text=#2, peer = from").columns == ["text": "#2", "peer": "from"])
    }

    @Test func semicolonsAndTabsAreSniffed() throws {
        let out = try Fixtures.temporary("zeit;absender;text\n2025-03-06 10:00;+4917;Ihr Paket wartet\n", name: "sms.csv")
        #expect(out.texts == ["Ihr Paket wartet"])
    }
}
