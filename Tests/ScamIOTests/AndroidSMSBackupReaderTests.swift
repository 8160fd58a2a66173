import Foundation
import ScamEngine
import Testing
@testable import ScamIO

@Suite struct AndroidSMSBackupReaderTests {
    @Test func smsAndMMSBecomeRecordsWithTheirLines() {
        let out = Fixtures.fixture("sms-backup/sms-20250306.xml")
        #expect(out.format == .smsBackup)
        #expect(out.issues.isEmpty)
        #expect(out.lines == [5, 6, 7, 8, 9, 20, 21])
        let scam = out.records[2]
        #expect(scam.text?.hasPrefix("【中国银保监会】您的微信免密支付已开通") == true)
        #expect(scam.peer == "10690299887766" && scam.peerKnown == false && scam.direction == "in" && scam.channel == "sms")
        #expect(scam.time == 1_741_227_300_000)
        #expect(out.records[0].peerKnown == true)
        // SMS Backup & Restore writes emoji as UTF-16 surrogate pairs and newlines as &#10;.
        #expect(out.records[1].text == "妈，我中午不回来吃饭了😊" && out.records[1].direction == "out")
        #expect(out.records[3].text?.contains("5分钟内有效。\n请勿") == true)
        // The MMS: text/plain parts only (not SMIL, not the image), the sender's address.
        let mms = out.records[4]
        #expect(mms.text?.hasPrefix("您好，我是京东金融客服") == true && mms.text?.contains("smil") == false)
        #expect(mms.peer == "+8617012345678" && mms.time == 1_741_230_000_000)
    }

    @Test func callsBecomeCallEvents() {
        let out = Fixtures.fixture("sms-backup/calls-20250306.xml")
        #expect(out.issues.isEmpty)
        #expect(out.records.map(\.event) == ["call.outgoing", "call.missed", "call.incoming", "call.rejected", "call.outgoing"])
        #expect(out.records.allSatisfy { $0.channel == "event" && $0.text == nil })
        let long = out.records[2]
        #expect(long.attrs["number"] == .string("+8617088889999") && long.attrs["duration_s"] == .number(1862))
        #expect(long.attrs["in_contacts"] == .bool(false) && long.peerKnown == false && long.source.line == 7)
        #expect(out.records[0].attrs["in_contacts"] == .bool(true) && out.records[0].direction == "out")
        #expect(out.records[3].attrs["presentation"] == .string("restricted") && out.records[3].attrs["number"] == nil)
    }

    @Test func truncatedFileReportsWhereItEndsAfterTheRecordsBefore() {
        let out = Fixtures.fixture("sms-backup/truncated.xml")
        #expect(out.records.count == 4)
        #expect(out.issues.map(\.kind) == [.truncated])
        #expect(out.issues[0].source.line == 9 && out.issues[0].message.contains("<mms>"))
    }

    @Test func malformedElementsAreSkippedAndTheRestRead() {
        let out = Fixtures.fixture("sms-backup/malformed.xml")
        #expect(out.issues.map(\.kind) == [.malformedXML, .malformedXML])
        #expect(out.issues.map(\.source.line) == [7, 9])
        #expect(out.issues[0].message.contains("not quoted"))
        #expect(out.records.count == 6)
        #expect(out.records.contains { $0.text?.contains("京东金融客服") == true })
    }

    @Test func oversizedBodiesAreReportedAndBigImagesNeverHeld() throws {
        let big = String(repeating: "A", count: 5000)
        let xml = """
        <?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
        <smses count="2">
          <sms address="1" date="1" type="1" body="\(big)" />
          <mms date="2" msg_box="1" address="2"><parts><part ct="image/jpeg" data="\(big)" /><part ct="text/plain" text="短" /></parts></mms>
        </smses>
        """
        let out = try Fixtures.temporary(xml, name: "sms.xml") { $0.maxLineBytes = 1000 }
        #expect(out.issues.map(\.kind) == [.oversizedLine])
        #expect(out.issues[0].source.line == 3)
        #expect(out.texts == ["短"])
    }

    @Test func otherXMLIsNotReadAsABackup() throws {
        let out = try Fixtures.temporary("<?xml version=\"1.0\"?>\n<rss><channel><item>x</item></channel></rss>\n", name: "feed.xml")
        #expect(out.format == nil)
        #expect(out.issues.map(\.kind) == [.unknownFormat])
        #expect(out.issues[0].message.contains("sms-backup"))
        let forced = try Fixtures.temporary("<rss><item/></rss>", name: "feed.xml") { $0.format = .smsBackup }
        #expect(forced.issues.map(\.kind) == [.unknownFormat])
    }

    @Test func unclosedRootIsReportedButNotSkipped() throws {
        let out = try Fixtures.temporary("<smses count=\"1\">\n<sms address=\"1\" date=\"5\" type=\"1\" body=\"hi\" />\n", name: "s.xml")
        #expect(out.texts == ["hi"])
        #expect(out.issues.map(\.kind) == [.truncated] && out.issues[0].skipped == false)
    }
}
