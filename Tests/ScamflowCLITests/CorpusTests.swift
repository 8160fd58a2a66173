import Foundation
import Testing

/// The README's first command, checked: the built-in packs on the bundled Corpus catch the scams
/// (simplified, traditional, English, obfuscated) and stay silent on every hard negative.
@Suite struct CorpusTests {
    /// Categories whose messages are ordinary payment notices on their own (face-pay used, a
    /// password-free charge): they are scams only as part of a sequence, which flows detect.
    static let sequenceOnly: Set<String> = ["face-pay", "password-free-drain"]

    struct Labelled {
        var id: String
        var truth: String
        var category: String?
        var label: String
    }

    static func labelled() throws -> [Labelled] {
        let url = CLIRunner.packageRoot.appendingPathComponent("Corpus/messages.jsonl")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Labelled(id: o["id"] as! String, truth: o["truth"] as! String, category: o["category"] as? String,
                            label: o["label"] as? String ?? "")
        }
    }

    func alerts(_ path: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson"] + extra + [path], in: CLIRunner.packageRoot)
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "the Corpus is clean input: \(r.stderr)")
        return try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func messages() throws {
        let flagged = Set(try alerts("Corpus/messages.jsonl").compactMap { $0["record_id"] as? String })
        let records = try Self.labelled()
        let falseAlarms = records.filter { $0.truth == "benign" && flagged.contains($0.id) }
        #expect(falseAlarms.isEmpty, "false alarms: \(falseAlarms.map(\.id))")
        let spam = records.filter { $0.truth == "spam" }
        #expect(spam.filter { flagged.contains($0.id) }.count * 20 <= spam.count, "more than 5% of spam called a scam")

        func recall(_ subset: [Labelled]) -> Double {
            Double(subset.filter { flagged.contains($0.id) }.count) / Double(max(1, subset.count))
        }
        let scams = records.filter { $0.truth == "scam" && !Self.sequenceOnly.contains($0.category ?? "") }
        #expect(recall(scams) >= 0.9, "recall on Corpus scams \(recall(scams)); missed: \(scams.filter { !flagged.contains($0.id) }.map(\.id))")
        #expect(recall(scams.filter { $0.label.contains("zh-hant") }) >= 0.9, "traditional Chinese")
        #expect(recall(scams.filter { $0.label.contains("obfuscated") }) >= 0.85, "obfuscated spellings")
    }

    /// One excerpt per span: no alert of the whole Corpus scan lists a span of a record twice,
    /// and every excerpt shown is the text of its span (or its cut prefix).
    @Test func noAlertListsASpanTwice() throws {
        for alert in try alerts("Corpus") {
            var seen = Set<String>()
            for e in alert["evidence"] as? [[String: Any]] ?? [] {
                guard let span = e["span"] as? [Int], span[1] > span[0] else { continue }
                let key = "\(e["source"] ?? "") \(e["record_id"] ?? "") \(e["time"] ?? "") \(e["speaker"] ?? "") \(span)"
                #expect(seen.insert(key).inserted, "\(alert["source"] ?? "") \(alert["id"] ?? ""): span \(span) listed twice")
                let rules = e["rules"] as? [String] ?? [], signals = e["signals"] as? [String] ?? []
                #expect(rules.first == e["rule"] as? String && signals.first == e["signal"] as? String, "rules and signals start with rule and signal")
            }
        }
    }

    /// Wording that fits: no English record gets a Chinese title or advice, and no Chinese
    /// record an English one (rules, flows and the model, over the whole Corpus): the alert's
    /// own title and advice (slots filled), the titles of the alerts folded into it
    /// (`related`), and the info findings `--show-info` adds.
    @Test func titlesAndAdviceSpeakTheRecordsLanguage() throws {
        func hasHan(_ s: String) -> Bool { s.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }
        let found = try alerts("Corpus", ["--show-info"])
        #expect(found.contains { $0["severity"] as? String == "info" }, "the Corpus has findings the model set aside")
        var checked = 0
        for alert in found {
            let lang = alert["lang"] as? String
            var texts: [(String, String)] = ["title", "advice"].compactMap { field in (alert[field] as? String).map { (field, $0) } }
            for related in alert["related"] as? [[String: Any]] ?? [] {
                if let title = related["title"] as? String { texts.append(("related \(related["id"] ?? "") title", title)) }
            }
            for (field, text) in texts where !text.isEmpty {
                let label = "\(alert["source"] ?? "") \(alert["id"] ?? "") \(field)"
                if lang == "en" { #expect(!hasHan(text), "\(label): an English record got \(text)") }
                if lang == "zh" { #expect(hasHan(text), "\(label): a Chinese record got \(text)") }
                checked += 1
            }
        }
        #expect(checked > 1000, "titles and advice of every alert are checked (\(checked))")
    }

    @Test func transcripts() throws {
        let labels = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Corpus/transcripts/LABELS.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let found = try alerts("Corpus/transcripts")
        var alerted: [String: Int] = [:]
        var flowAlerts: [String: [String]] = [:]
        for a in found {
            let file = String(((a["source"] as! String).split(separator: "/").last!).split(separator: ":").first!)
            if a["kind"] as? String == "flow" {
                flowAlerts[file, default: []].append(a["id"] as! String)
            } else {
                alerted[file, default: 0] += 1
            }
        }
        #expect(labels.count >= 20)
        for row in labels {
            let (file, truth) = (row[0], row[1])
            if truth == "scam" {
                #expect(alerted[file] == 1, "\(file): a scam call raises exactly one message alert")
                let flows = flowAlerts[file] ?? []
                #expect(Set(flows).count == flows.count, "\(file): at most one alert per flow in a scan: \(flows)")
            } else {
                #expect(alerted[file] == nil && flowAlerts[file] == nil, "\(file): an ordinary call raised an alert")
            }
        }
        // Evidence of a call points at the lines of the transcript.
        let call = try #require(found.first { ($0["source"] as! String).contains("01-close-password-free") })
        let evidence = call["evidence"] as! [[String: Any]]
        #expect(Set(evidence.map { $0["source"] as! String }).count > 2, "evidence spans several lines of the call")
    }
}
