import Foundation
import Testing

/// Issue 17's bar, from a real scan of `Corpus/evasion/twins.jsonl`: messages written the way
/// speech-to-text and scammers bend them (homophones, pinyin, look-alike characters, symbols,
/// leetspeak, spaced letters) are caught at no less than 0.85 of the rate of the same messages
/// written plainly, and the benign sound-alikes of the file stay silent.
@Suite struct EvasionCorpusTests {
    struct Line {
        var id: String
        var truth: String
        var label: String
        var twin: String?
    }

    static let path = "Corpus/evasion/twins.jsonl"

    static func lines() throws -> [Line] {
        let url = CLIRunner.packageRoot.appendingPathComponent(path)
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Line(id: o["id"] as! String, truth: o["truth"] as! String, label: o["label"] as! String, twin: o["twin"] as? String)
        }
    }

    func flagged() throws -> Set<String> {
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson", Self.path], in: CLIRunner.packageRoot)
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        return Set(try r.stdout.split(separator: "\n").compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["record_id"] as? String
        })
    }

    @Test func theFileIsWellFormed() throws {
        let lines = try Self.lines()
        let byID = Dictionary(uniqueKeysWithValues: lines.map { ($0.id, $0) })
        let evaded = lines.filter { $0.label.hasPrefix("scam+evaded") }
        #expect(evaded.count >= 60)
        for line in evaded {
            let twin = try #require(line.twin.flatMap { byID[$0] }, "\(line.id) names a twin in the file")
            #expect(twin.label == "scam+plain-twin" && twin.twin == line.id, "\(line.id) and \(twin.id) are each other's twins")
        }
    }

    @Test func evadedAreCaughtNearlyAsOftenAsTheirPlainTwins() throws {
        let lines = try Self.lines()
        let flagged = try flagged()
        let plain = lines.filter { $0.label == "scam+plain-twin" }
        let evaded = lines.filter { $0.label.hasPrefix("scam+evaded") }
        let plainRate = Double(plain.filter { flagged.contains($0.id) }.count) / Double(plain.count)
        let evadedRate = Double(evaded.filter { flagged.contains($0.id) }.count) / Double(evaded.count)
        #expect(plainRate > 0.5, "the plain twins are scams the packs know: \(plainRate)")
        let missed = evaded.filter { !flagged.contains($0.id) && flagged.contains($0.twin ?? "") }.map(\.id)
        #expect(evadedRate >= 0.85 * plainRate,
                "evaded \(evadedRate) against plain \(plainRate): ratio \(evadedRate / plainRate); missed with the twin caught: \(missed)")
        let benign = lines.filter { $0.truth == "benign" }
        #expect(!benign.isEmpty)
        #expect(benign.filter { flagged.contains($0.id) }.isEmpty, "benign sound-alikes flagged: \(benign.filter { flagged.contains($0.id) }.map(\.id))")
    }

    /// Speech-to-text writes homophones, so a call segment always gets the phonetic pass; a
    /// message of another channel whose only scam words are homophones does not (the gate that
    /// keeps the scan fast: it needs another rule's hit or Latin letters). The same text, once
    /// a call segment and once an SMS.
    @Test func callSegmentsAreAlwaysHeardOut() throws {
        let text = "你现在手机是不是黑平了，屏目共享别关，我在帮你操作"
        let input = ["call", "sms"].map { #"{"id":"\#($0)","channel":"\#($0)","text":"\#(text)"}"# }.joined(separator: "\n") + "\n"
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson", "--min-score", "1", "-"], in: CLIRunner.packageRoot,
                                  stdin: Data(input.utf8))
        #expect(r.status == 1, "\(r.stderr)")
        let alerts = try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let call = try #require(alerts.first { $0["record_id"] as? String == "call" }, "the call segment alerts: \(r.stdout)")
        let evidence = call["evidence"] as? [[String: Any]] ?? []
        #expect(evidence.contains { ($0["excerpt"] as? String)?.contains("黑平") == true }, "the homophone is evidence: \(evidence)")
        #expect(!alerts.contains { $0["record_id"] as? String == "sms" }, "the SMS with homophones only gets no phonetic pass")
    }
}
