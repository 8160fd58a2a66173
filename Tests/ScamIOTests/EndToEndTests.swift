import Foundation
import GRDB
import Testing
@testable import ScamIO

/// `scamflow scan FIXTURE` as a user runs it: each format raises an alert whose evidence points
/// back to the exact message or segment.
@Suite struct EndToEndTests {
    struct Run {
        var alerts: [[String: Any]]
        var stderr: String
        var status: Int32
    }

    /// The `scamflow` binary built next to the tests (`scan` below runs it in a temporary home).
    static let binary: URL = {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          Bundle.module.bundleURL.deletingLastPathComponent()].map { $0.appendingPathComponent("scamflow") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    static func scan(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["scan", "--format", "ndjson", "--tz", "+08:00"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        // Hermetic: no pack installed on this machine is loaded, nothing is written to the
        // user's folders.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-e2e-home-\(getpid())").path
        for (key, folder) in [("HOME", ""), ("XDG_DATA_HOME", "/data"), ("XDG_CONFIG_HOME", "/config"), ("XDG_CACHE_HOME", "/cache"),
                              ("SCAMFLOW_STORE", "/store"), ("SCAMFLOW_CONFIG_DIR", "/scamflow-config")] {
            environment[key] = home + folder
        }
        process.environment = environment
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let alerts = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        return Run(alerts: alerts, stderr: try String(contentsOf: err, encoding: .utf8), status: process.terminationStatus)
    }

    /// Evidence sources (`file:line`) and excerpts of every alert.
    static func evidence(_ run: Run) -> [(source: String, excerpt: String, rule: String)] {
        run.alerts.flatMap { alert in
            (alert["evidence"] as? [[String: Any]] ?? []).map {
                ($0["source"] as? String ?? "", $0["excerpt"] as? String ?? "", $0["rule"] as? String ?? "")
            }
        }
    }

    @Test(arguments: [
        ("sms-backup/sms-20250306.xml", [String](), 7, "免密支付"),
        ("sms-backup/sms-20250306.xml", [], 9, "开启屏幕共享"),
        ("adb/content-sms.txt", [], 7, "安全账户"),
        ("whatsapp/WhatsApp Chat with 小区业主群.txt", ["--me", "王芳"], 5, "刷单返利"),
        ("whatsapp/_chat.txt", [], 4, "新号"),
        ("whatsapp/us-12h.txt", [], 3, "banking app is locked"),
        ("telegram/result.json", [], 6, "免密支付"),
        ("telegram/result.json", [], 36, "屏幕共享"),
        ("telegram/account-export.json", [], 92, "稳赚不赔"),
        ("wechat/平安客服小周_utf8.csv", [], 4, "关闭免密"),
        ("wechat/wxid_p2q3r4s5t6_0_5001.csv", [], 5, "屏幕共享"),
        ("whisper/call-20250306-1015.json", ["--call-start", "2025-03-06 10:15:00"], 1, "验证码念给我"),
        ("whisper/whisperx-call.json", ["--speaker-map", "SPEAKER_00=caller"], 353, "验证码念给我"),
        ("whisper/whisper-cpp-call.json", [], 53, "支付宝平台客服"),
        ("whisper/call.srt", [], 27, "黑屏是正常的"),
        ("whisper/call.vtt", [], 20, "屏幕共享"),
        ("whisper/call.tsv", [], 9, "验证码"),
        ("csv/sms-export.csv", ["--map", "text=短信正文,time=收发时间,peer=号码,direction=类型"], 3, "免密支付"),
        ("csv/messages.csv", [], 2, "unpaid shipping fee"),
    ])
    func alertPointsBackToTheMessage(path: String, arguments: [String], line: Int, excerpt: String) throws {
        let file = Fixtures.path(path)
        let run = try Self.scan(arguments + [file])
        #expect(run.status == 1, "\(run.stderr)")
        let hits = Self.evidence(run).filter { $0.source == "\(file):\(line)" }
        #expect(hits.contains { $0.excerpt.contains(excerpt) }, "evidence at line \(line): \(hits.map(\.excerpt)); stderr: \(run.stderr)")
    }

    @Test func transcriptIsScoredAsOneCallWithSegmentIDs() throws {
        let file = Fixtures.path("whisper/call-20250306-1015.json")
        let run = try Self.scan(["--call-start", "2025-03-06T10:15:00+08:00", file])
        let alert = try #require(run.alerts.first { $0["kind"] as? String == "rule" })
        let evidence = alert["evidence"] as! [[String: Any]]
        #expect(Set(evidence.compactMap { $0["record_id"] as? String }).count > 3)
        #expect(evidence.contains { $0["record_id"] as? String == "7" && $0["time"] as? String == "2025-03-06T02:15:33.300Z" })
    }

    @Test func iMessageDatabaseAlertsPointAtRows() throws {
        let path = try IMessageReaderTests.database("imessage/chat.db.sql", name: "chat.db")
        let run = try Self.scan([path])
        #expect(run.status == 1)
        #expect(Self.evidence(run).contains { $0.source == "\(path):2" && $0.excerpt.contains("保密局") })
        #expect(Self.evidence(run).contains { $0.source == "\(path):5" })
        #expect(run.stderr.contains("\(path):6: undecodable message body"))
    }

    @Test(arguments: ["sms-backup/truncated.xml", "sms-backup/malformed.xml", "wechat/broken-quote.csv", "whatsapp/mixed-order.txt",
                      "whisper/overlapping.srt", "telegram/truncated.json"])
    func badInputIsReportedCountedAndStrictFails(path: String) throws {
        let file = Fixtures.path(path)
        let run = try Self.scan([file])
        #expect(run.status == 1, "the rest was still scanned: \(run.stderr)")
        #expect(run.stderr.contains("scamflow: \(file):"))
        #expect(run.stderr.contains("input issues:"))
        let strict = try Self.scan(["--strict", file])
        #expect(strict.status == 2)
    }

    @Test func unknownFormatNamesTheCandidates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("export.json")
        try Data("{\n \"version\": 2,\n \"records\": []\n}\n".utf8).write(to: file)
        let run = try Self.scan([file.path])
        #expect(run.status == 2, "nothing readable at all is an error, not 'nothing found'")
        #expect(run.stderr.contains("unknown format") && run.stderr.contains("telegram") && run.stderr.contains("whisper"))
        #expect(try Self.scan(["--strict", file.path]).status == 2)
    }

    @Test func badOptionsAreRefused() throws {
        #expect(try Self.scan(["--tz", "Mars/Base", "-"]).status == 2, "usage errors exit 2, as documented")
        #expect(try Self.scan(["--date-order", "ymd", "-"]).status == 2, "usage errors exit 2, as documented")
        #expect(try Self.scan(["--map", "colour=red", "-"]).status == 2, "usage errors exit 2, as documented")
        #expect(try Self.scan(["--call-start", "soon", "-"]).status == 2, "usage errors exit 2, as documented")
        #expect(try Self.scan(["--input-format", "docx", "-"]).status == 2, "usage errors exit 2, as documented")
    }
}
