import ScamEngine
import Testing
@testable import ScamIO

@Suite struct WeChatCSVReaderTests {
    @Test func weChatMsgExportWithTransferAndCalls() {
        let out = Fixtures.fixture("wechat/平安客服小周_utf8.csv")
        #expect(out.format == .wechat)
        #expect(out.issues.isEmpty)
        #expect(out.records.map(\.id) == ["1801", "1802", "1803", "1805", "1806", "1807", "1808", "1809"])
        #expect(out.lines == [2, 3, 4, 7, 8, 9, 10, 11])
        #expect(out.records[2].text?.contains("\n不处理的话会一直扣费") == true)
        #expect(out.records[0].time == 1_741_225_320_000 && out.records[0].peer == "平安客服小周" && out.records[1].direction == "out")
        let call = out.records[3]
        #expect(call.event == "call.incoming" && call.attrs["duration_s"] == .number(23 * 60 + 41))
        let transfer = out.records[5]
        #expect(transfer.event == "payment.transfer" && transfer.direction == "out")
        #expect(transfer.attrs["amount"] == .number(49_800) && transfer.attrs["memo"] == .string("资金核验") && transfer.attrs["currency"] == .string("CNY"))
        #expect(out.records[6].text == "对方已收钱" && out.records[6].peer == nil)
        #expect(out.records[7].event == "call.missed")
    }

    @Test func pyWxDumpExport() {
        let out = Fixtures.fixture("wechat/wxid_p2q3r4s5t6_0_5001.csv")
        #expect(out.format == .wechat)
        #expect(out.issues.isEmpty)
        #expect(out.records.count == 6)  // the picture has no text
        #expect(out.records[0].time == Fixtures.ms("2025-03-07T14:02:11+08:00"))
        #expect(out.records[0].peer == "wxid_p2q3r4s5t6" && out.records[0].id == "7361028845512907731")
        #expect(out.records[3].event == "call.incoming" && out.records[3].attrs["duration_s"] == .number(902))
        #expect(out.records[4].event == "payment.transfer" && out.records[4].attrs["amount"] == .number(2000))
        #expect(out.records[4].attrs["memo"] == .string("保证金") && out.records[4].direction == "out")
        #expect(out.records[5].event == "call.outgoing" && out.records[5].attrs["answered"] == .bool(false))
    }

    @Test func brokenQuoteCostsOneRow() {
        let out = Fixtures.fixture("wechat/broken-quote.csv")
        #expect(out.issues.map(\.kind) == [.malformedCSV])
        #expect(out.issues[0].source.line == 3 && out.issues[0].message.contains("quote"))
        #expect(out.records.map(\.id) == ["1801", "1803", "1805", "1806", "1807", "1808", "1809"])
    }

    @Test func contentHelpers() {
        #expect(WeChatContent.amount("转账：￥49,800.00") == 49_800)
        #expect(WeChatContent.voipStatus("语音/视频通话[对方已拒绝]").outcome == .rejected)
        #expect(WeChatContent.voipStatus("<voipmsg><VoIPBubbleMsg><msg><![CDATA[通话时长 01:02:03]]></msg></VoIPBubbleMsg></voipmsg>").duration == 3723)
        #expect(WeChatContent.appMessageText("<msg><appmsg><title>退款通知</title><des>点击领取</des><url>http://a.b/c?x=1&amp;y=2</url></appmsg></msg>")
                == "退款通知\n点击领取\nhttp://a.b/c?x=1&y=2")
    }
}
