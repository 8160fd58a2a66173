import ScamEngine
import Testing
@testable import ScamIO

@Suite struct ADBContentReaderTests {
    @Test func smsRowsKeepCommasNewlinesAndLookalikeKeysInTheBody() {
        let out = Fixtures.fixture("adb/content-sms.txt")
        #expect(out.format == .adb)
        #expect(out.lines == [1, 2, 3, 6, 7])
        #expect(out.records.map(\.id) == ["1187", "1188", "1189", "1190", "1191"])
        #expect(out.records[0].text == "【招商银行】您账户8832于03月06日09:40消费128.00元，余额5,236.17元。")
        // ", date=" inside a body is text: the row has its own date before it.
        #expect(out.records[1].text == "【中国银保监会】您的微信免密支付已开通并关联“百万医疗保险”, date=下月起每月自动扣费880元, 如非本人操作请致电客服取消。")
        #expect(out.records[1].time == 1_741_227_300_000 && out.records[1].peer == "10690299887766")
        #expect(out.records[2].text?.components(separatedBy: "\n").count == 3)
        #expect(out.records[2].text?.hasSuffix("请下载“会议通”并开启屏幕共享, 我们协助您注销。") == true)
        #expect(out.records[3].direction == "out" && out.records[0].direction == "in")
        #expect(out.issues.map(\.kind) == [.badField])
        #expect(out.issues[0].source.line == 7 && out.records[4].time == nil)
    }

    @Test func callLogRowsBecomeCallEvents() {
        let out = Fixtures.fixture("adb/content-calls.txt")
        #expect(out.issues.isEmpty)
        #expect(out.records.map(\.event) == ["call.outgoing", "call.missed", "call.incoming"])
        #expect(out.records[2].attrs["duration_s"] == .number(1862) && out.records[2].attrs["in_contacts"] == .bool(false))
        #expect(out.records[0].attrs["in_contacts"] == .bool(true) && out.records[0].peer == "+8613912345678")
    }

    @Test func splitUsesTheFirstRowsColumnOrder() {
        let reader = ADBContentReader(context: ReadContext(path: "x", options: ReaderOptions()))
        var order: [String]?
        let first = reader.split("Row: 0 _id=1, vendor_flag=3, address=1, body=hi, there, seen=1", order: &order)
        #expect(first.map(\.key) == ["_id", "vendor_flag", "address", "body", "seen"])
        #expect(first[3].value == "hi, there")
        let second = reader.split("Row: 1 _id=2, vendor_flag=0, address=2, body=a, seen=0, b, seen=1", order: &order)
        #expect(second.map(\.key) == ["_id", "vendor_flag", "address", "body", "seen"])
        #expect(second[3].value == "a, seen=0, b")
    }

    @Test func linesBeforeTheFirstRowAreReported() throws {
        let out = try Fixtures.temporary("Row: 0 _id=1, address=9, date=5, type=1, body=ok\n", name: "a.txt")
        #expect(out.texts == ["ok"])
        let junk = try Fixtures.temporary("hello\nRow: 0 _id=1, address=9, date=5, type=1, body=ok\n", name: "a.txt") { $0.format = .adb }
        #expect(junk.issues.map(\.source.line) == [1])
        #expect(junk.texts == ["ok"])
    }
}
