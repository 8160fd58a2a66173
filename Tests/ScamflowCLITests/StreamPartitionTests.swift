import Foundation
import Testing

/// Scaling out by subject: N `scamflow stream --partition K/N` processes on the same input
/// raise, together, exactly the alerts of one process, each subject's alerts in one process only.
@Suite struct StreamPartitionTests {
    /// The Corpus event streams, each copied for 12 distinct subjects and interleaved line by
    /// line (each subject's lines stay in order), so subjects land in every partition.
    static func input() throws -> Data {
        let dir = CLIRunner.packageRoot.appendingPathComponent("Corpus/events")
        var streams: [[String]] = []
        for file in ["scam-close-password-free.jsonl", "scam-face-pay.jsonl", "scam-password-free-drain.jsonl",
                     "scam-recovery-code.jsonl", "ordinary-day.jsonl"] {
            let lines = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map(String.init)
            let subject = try #require(lines.first.flatMap { $0.firstMatch(of: /dev-[0-9a-f]{4}/) }.map { String($0.output) })
            for copy in 0..<12 {
                streams.append(lines.map { $0.replacingOccurrences(of: subject, with: "\(subject)-\(copy)") })
            }
        }
        var out: [String] = []
        for i in 0..<(streams.map(\.count).max() ?? 0) {
            for s in streams where i < s.count { out.append(s[i]) }
        }
        return Data((out.joined(separator: "\n") + "\n").utf8)
    }

    static func alerts(_ stdout: String) throws -> [(line: String, subject: String)] {
        try stdout.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (String(line), object["subject"] as? String ?? "")
        }
    }

    @Test(arguments: [2, 3])
    func partitionsTogetherEqualOneProcess(count: Int) throws {
        let input = try Self.input()
        let one = try Self.alerts(CLIRunner.run(["stream", "-q"], in: CLIRunner.packageRoot, stdin: input).stdout)
        #expect(one.filter { $0.line.contains("\"kind\":\"flow\"") }.count >= 4 * 12, "every scam copy raises flow alerts")

        var together: [String] = []
        var owner: [String: Int] = [:]
        for k in 0..<count {
            let r = try CLIRunner.run(["stream", "--partition", "\(k)/\(count)"], in: CLIRunner.packageRoot, stdin: input)
            #expect(r.status == 0)
            #expect(r.stderr.contains("partition \(k)/\(count):"), "the summary says how much was left to the others")
            let part = try Self.alerts(r.stdout)
            #expect(!part.isEmpty, "partition \(k) of \(count) owns some scam subjects")
            for a in part {
                #expect(owner[a.subject, default: k] == k, "subject \(a.subject) alerted in two partitions")
                owner[a.subject] = k
            }
            together += part.map(\.line)
        }
        #expect(together.sorted() == one.map(\.line).sorted(), "the partitions' alerts together are one process's, byte for byte")
    }

    @Test func aBadPartitionIsRefused() throws {
        for bad in ["3/3", "1", "-1/2", "a/b", "0/0"] {
            let r = try CLIRunner.run(["stream", "--partition=\(bad)"], in: CLIRunner.packageRoot, stdin: Data())
            #expect(r.status == 64 || r.status == 2, "\(bad): \(r.status)")
            #expect(r.stderr.contains("--partition must be K/N"))
        }
    }
}
