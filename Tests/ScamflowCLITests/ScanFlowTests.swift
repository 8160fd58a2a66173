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
}
