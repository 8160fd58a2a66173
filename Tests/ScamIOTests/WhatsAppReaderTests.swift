import ScamEngine
import Testing
@testable import ScamIO

@Suite struct WhatsAppReaderTests {
    @Test func androidExportMultiLineMessagesSystemLinesAndMe() {
        let out = Fixtures.fixture("whatsapp/WhatsApp Chat with 小区业主群.txt") { $0.me = "王芳" }
        #expect(out.format == .whatsapp)
        #expect(out.issues.isEmpty)
        #expect(out.lines == [3, 4, 5, 9])
        let scam = out.records[2]
        #expect(scam.text?.components(separatedBy: "\n").count == 3)
        #expect(scam.peer == "陈经理" && scam.direction == "in" && scam.channel == "chat")
        #expect(scam.time == Fixtures.ms("2025-03-06T13:17:00+08:00"))
        #expect(out.records[0].direction == "out" && out.records[0].peer == nil)
    }

    @Test func iOSExportWithMarks() {
        let out = Fixtures.fixture("whatsapp/_chat.txt") { $0.timeZone = TimeZoneSpec.parse("Asia/Shanghai") }
        #expect(out.issues.isEmpty)
        #expect(out.lines == [2, 3, 4, 7, 8])
        #expect(out.records[2].text == "我是你表哥，换了新号码。我在外地出差，手机坏了这是新号，急用钱\n先借我2万，明天就还你")
        #expect(out.records[2].time == Fixtures.ms("2025-03-06T10:12:30+08:00"))
        #expect(out.records[4].time == Fixtures.ms("2025-03-16T08:00:00+08:00"))
        #expect(out.records.allSatisfy { $0.direction == nil })
    }

    @Test func usExportIsReadMonthFirstWithTwelveHourClock() {
        let out = Fixtures.fixture("whatsapp/us-12h.txt") { $0.timeZone = .utc }
        #expect(out.issues.isEmpty)
        #expect(out.records.count == 5)
        #expect(out.records[0].time == Fixtures.ms("2025-03-06T09:41:00Z"))
        #expect(out.records[4].time == Fixtures.ms("2025-03-14T19:02:00Z"))
    }

    @Test func aDateInTheWrongOrderIsReportedAtItsLine() {
        let out = Fixtures.fixture("whatsapp/mixed-order.txt")
        #expect(out.records.count == 4)
        #expect(out.issues.map(\.kind) == [.badDate])
        #expect(out.issues[0].source.line == 3 && out.issues[0].skipped == false)
        #expect(out.issues[0].message.contains("day/month/year") && out.issues[0].message.contains("month/day"))
        #expect(out.records[2].time == nil && out.records[1].time == Fixtures.ms("2025-03-25T11:00:00+08:00"))
    }

    @Test func ambiguousOrderIsAssumedAndSaidOnceUnlessGiven() {
        let auto = Fixtures.fixture("whatsapp/ambiguous.txt")
        #expect(auto.issues.map(\.kind) == [.badDate])
        #expect(auto.records[0].time == Fixtures.ms("2025-03-06T10:02:00+08:00"))
        let given = Fixtures.fixture("whatsapp/ambiguous.txt") { $0.dateOrder = .mdy }
        #expect(given.issues.isEmpty)
        #expect(given.records[0].time == Fixtures.ms("2025-06-03T10:02:00+08:00"))
    }

    @Test func orderIsFoundPastTheHeadInLargeFiles() throws {
        let filler = String(repeating: "01/02/2025, 10:00 - 甲: 你好，今天天气不错\n", count: 3000)
        let out = try Fixtures.temporary(filler + "25/02/2025, 10:00 - 乙: 收到\n", name: "chat.txt")
        #expect(out.issues.isEmpty)
        #expect(out.records[0].time == Fixtures.ms("2025-02-01T10:00:00+08:00"))
    }

    @Test(arguments: [
        ("06/03/2017, 00:45 - Name: text", "Name", "text", false),
        ("[06/03/2017, 00:45:12] Name: text", "Name", "text", true),
        ("\u{200E}[6/3/17, 12:45:12\u{202F}AM] 张三: \u{200E}image omitted", "张三", "image omitted", true),
        ("6/3/17, 9:05 PM - Bob Smith: hi: there", "Bob Smith", "hi: there", false),
        ("2017/3/6 下午12:45 - 李四: 你好", "李四", "你好", false),
        ("06.03.17, 00:45 - Anna: hallo", "Anna", "hallo", false),
    ])
    func headers(line: String, sender: String, text: String, iOS: Bool) throws {
        let header = try #require(WhatsAppHeader.parse(line))
        #expect(header.sender == sender && header.text == text && header.iOS == iOS)
    }

    @Test func headerDetails() throws {
        let pm = try #require(WhatsAppHeader.parse("6/3/17, 12:45 PM - A: x"))
        #expect(pm.hour24 == 12 && pm.date(.mdy)! == (2017, 6, 3))
        let am = try #require(WhatsAppHeader.parse("6/3/17, 12:45 AM - A: x"))
        #expect(am.hour24 == 0)
        let chinese = try #require(WhatsAppHeader.parse("2017/3/6 下午1:05 - A: x"))
        #expect(chinese.hour24 == 13 && chinese.yearFirst)
        let system = try #require(WhatsAppHeader.parse("06/03/2017, 00:45 - Alice created group \"x\""))
        #expect(system.sender == nil)
        #expect(WhatsAppHeader.parse("hello 06/03/2017, 00:45 - A: b") == nil)
        #expect(WhatsAppHeader.parse("06/03/2017 - A: b") == nil)
        #expect(WhatsAppHeader.parse("[06/03/2017, 00:45] A: b")?.iOS == true)
    }
}
