import Foundation
import ScamBuiltins
import Testing
@testable import ScamEngine

/// Scanning on several threads delivers every item once, in submission order, with the same
/// result a single thread computes; and a `MessageScan` fed that way raises the same alerts.
@Suite struct ParallelScanTests {
    static func records() throws -> [Record] {
        let samples = try PrefilterEquivalenceTests.corpus()
        // Some records share a conversation, as the segments of a call do.
        return samples.enumerated().map { i, s in
            Record(text: s.text, source: SourcePosition(file: "t", line: i + 1), channel: s.channel, subject: "s\(i % 7)",
                   lang: s.lang, conversation: s.channel == "call" ? s.origin.split(separator: ":").first.map(String.init) : nil)
        }
    }

    func alerts(_ records: [Record], threads: Int, batchItems: Int) throws -> [String] {
        let ruleSet = try #require(BuiltinPackTests.ruleSet)
        let scan = MessageScan(ruleSet: ruleSet)
        var out: [String] = []
        var delivered: [Int] = []
        let scanner = ParallelScanner<Int, ScannedRecord?>(
            template: scan.scanner, threads: threads, batchItems: batchItems, batchBytes: 1 << 30,
            weight: { _ in 1 },
            process: { scanner, i in scanner.scan(records[i]) },
            deliver: { i, scanned in
                delivered.append(i)
                out += scan.add(records[i], scanned: scanned!).map { "\($0.alertID) \($0.id) \($0.score)" }
            })
        for i in records.indices {
            scanner.submit(i)
            if i == records.count / 2 { scanner.flush() }
        }
        scanner.finish()
        out += scan.finish().map { "\($0.alertID) \($0.id) \($0.score)" }
        out += scan.flowAlerts().map { "\($0.alertID) \($0.id)" }
        #expect(delivered == Array(records.indices))
        return out
    }

    @Test func sameAlertsInTheSameOrderWhateverTheThreads() throws {
        let records = try Self.records()
        let one = try alerts(records, threads: 1, batchItems: 256)
        #expect(!one.isEmpty)
        for (threads, batch) in [(2, 1), (4, 7), (4, 256), (8, 33)] {
            #expect(try alerts(records, threads: threads, batchItems: batch) == one, "threads \(threads), batch \(batch)")
        }
    }

    @Test func aScannerThatIsNotFinishedKeepsNothingBack() throws {
        // `flush` delivers everything submitted so far and the scanner takes more afterwards.
        let ruleSet = try #require(BuiltinPackTests.ruleSet)
        var seen: [Int] = []
        let scanner = ParallelScanner<Int, Int>(template: Scanner(ruleSet: ruleSet), threads: 3, batchItems: 5, weight: { _ in 1 },
                                                process: { _, i in i * 2 }, deliver: { i, r in seen.append(r); #expect(r == i * 2) })
        for i in 0..<12 { scanner.submit(i) }
        scanner.flush()
        #expect(seen == (0..<12).map { $0 * 2 })
        for i in 12..<20 { scanner.submit(i) }
        scanner.finish()
        #expect(seen == (0..<20).map { $0 * 2 })
    }
}
