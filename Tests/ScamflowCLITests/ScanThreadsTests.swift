import Foundation
import Testing

/// `scan --threads N` writes exactly what one thread writes (alerts in the same order, the same
/// problems on stderr), and the prefilter changes nothing but speed.
@Suite struct ScanThreadsTests {
    static let evalDir = CLIRunner.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/eval")

    func scan(_ arguments: [String]) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson"] + arguments, in: CLIRunner.packageRoot)
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        return r
    }

    @Test func corpusAlertsAreTheSameOnOneAndFourThreads() throws {
        let inputs = ["Corpus/messages.jsonl", "Corpus/transcripts", "Corpus/events"]
        let one = try scan(["--threads", "1"] + inputs)
        let four = try scan(["--threads", "4"] + inputs)
        #expect(!one.stdout.isEmpty)
        #expect(four.stdout == one.stdout)
        #expect(four.stderr == one.stderr)
        let unfiltered = try scan(["--threads", "1", "--no-prefilter"] + inputs)
        #expect(unfiltered.stdout == one.stdout)
    }

    @Test func problemsAreReportedInInputOrderWhateverTheThreads() throws {
        // Bad lines among good ones: the messages on stderr and the alerts keep their order.
        var lines: [String] = []
        for i in 0..<3000 {
            switch i % 500 {
            case 7: lines.append("{not json")
            case 9: lines.append("{\"id\":\"x\(i)\"}")
            default: lines.append("{\"id\":\"m\(i)\",\"text\":\"您的微信免密支付已开通，关联的保险下月自动扣费，请加客服下载腾讯会议关闭 \(i)\"}")
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-threads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mixed.jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let one = try scan(["--threads", "1", file.path])
        let three = try scan(["--threads", "3", file.path])
        #expect(one.stdout.split(separator: "\n").count > 2000)
        #expect(three.stdout == one.stdout)
        #expect(three.stderr == one.stderr)
        #expect(one.stderr.contains("mixed.jsonl:8"))
    }

    @Test func sharedEvalAlertsAreTheSameOnOneAndFourThreads() throws {
        let files = ["telecom-fraud-texts-5.jsonl", "uci-sms-spam-collection.jsonl"].map { Self.evalDir.appendingPathComponent($0).path }
        guard files.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return }
        let one = try scan(["--threads", "1"] + files)
        let four = try scan(["--threads", "4"] + files)
        #expect(!one.stdout.isEmpty)
        #expect(four.stdout == one.stdout)
    }
}
