import Foundation
import Testing

/// Flows in `scan`: records grouped by subject and ordered by time, a dialogue in one record
/// advancing a flow in the order of its hits, unrelated undated lines never chaining.
@Suite struct ScanFlowTests {
    func flowAlerts(_ args: [String], stdin: Data? = nil) throws -> [[String: Any]] {
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson"] + args, in: CLIRunner.packageRoot, stdin: stdin)
        return try r.stdout.split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .filter { $0["kind"] as? String == "flow" }
    }

    @Test func eventStreamsScannedAsFiles() throws {
        let alerts = try flowAlerts(["Corpus/events/scam-close-password-free.jsonl", "Corpus/events/ordinary-day.jsonl"])
        let steps = alerts.filter { $0["id"] as? String == "flow.close-password-free" }.map { $0["step"] as! Int }
        #expect(steps == [4], "a scan reports each attempt once, at the furthest step")
        #expect(!alerts.contains { ($0["subject"] as? String) == "dev-2aa0" }, "the ordinary day stays silent")
    }

    @Test func recordsAreOrderedByTimeWithinASubject() throws {
        // The install comes first in the file but after the pretext in time.
        let input = """
        {"time":"2025-03-06T10:05:00+08:00","subject":"u1","channel":"event","event":"app.installed","attrs":{"package":"com.oray.sunlogin.client"}}
        {"time":"2025-03-06T10:00:00+08:00","subject":"u1","channel":"call","text":"您好，我是支付宝客服，您的免密支付开通了会员，每月自动扣费"}

        """
        let alerts = try flowAlerts(["-"], stdin: Data(input.utf8))
        #expect(alerts.contains { $0["id"] as? String == "flow.close-password-free" && $0["step"] as? Int == 2 })
    }

    @Test func undatedLinesWithoutSubjectDoNotChain() throws {
        let jsonl = "{\"text\":\"我是支付宝客服，您的免密支付开通了会员，每月自动扣费\"}\n{\"text\":\"请下载向日葵远程协助\"}\n"
        #expect(try flowAlerts(["-"], stdin: Data(jsonl.utf8)).isEmpty, "two records without subject are two people")
    }
    /// An SMS Backup & Restore export: the pretext and the request chain only when the same
    /// number sent both (`same: [party]`); a bank's notice and a message from one's wife are
    /// two parties, not one scam.
    @Test(arguments: [("95588", "95588", true), ("95588", "+8613800001111", false), ("+8617000002222", "+8617000002222", true)])
    func smsExportChainsOnlyOneSender(first: String, second: String, chains: Bool) throws {
        let xml = """
        <?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
        <smses count="2">
          <sms protocol="0" address="\(first)" date="1751331600000" type="1" body="【某银行】您的账户异常，检测到新设备登录，如非本人操作请立即联系客服冻结账户。" read="1" contact_name="(Unknown)" />
          <sms protocol="0" address="\(second)" date="1751332800000" type="1" body="帮我转2800到房东的卡上" read="1" contact_name="(Unknown)" />
        </smses>

        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-smsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sms.xml")
        try Data(xml.utf8).write(to: file)
        let alerts = try flowAlerts([file.path])
        let chained = alerts.contains { $0["id"] as? String == "flow.pretext-then-request" }
        #expect(chained == chains, "\(first) then \(second)")
    }
}
