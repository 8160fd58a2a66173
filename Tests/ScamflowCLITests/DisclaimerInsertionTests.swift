import Foundation
import Testing

/// One inserted sentence must not silence a scam. Scammers copy the banks' own notices into
/// their texts ("We will never ask for your PIN."); until a rule's `unless` reached only the
/// sentences of its hit, such a sentence set aside 85% of the scams of `Corpus/` that alerted.
/// A warning that quotes the same scam and calls it one stays silent.
@Suite struct DisclaimerInsertionTests {
    static let zhNotice = "官方不会以任何理由向您索要验证码，也不会要求您开启屏幕共享。"
    static let enNotice = "We will never ask for your PIN, password or one-time code."

    struct Scam { var id: String; var text: String; var chinese: Bool; var channel: String? }

    /// The scams written here (`Corpus/messages.jsonl`, `Corpus/families.jsonl`).
    static func scams() throws -> [Scam] {
        try ["Corpus/messages.jsonl", "Corpus/families.jsonl"].flatMap { path in
            let url = CLIRunner.packageRoot.appendingPathComponent(path)
            return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line -> Scam? in
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                guard o["truth"] as? String == "scam", let text = o["text"] as? String else { return nil }
                let chinese = text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
                return Scam(id: o["id"] as! String, text: text, chinese: chinese, channel: o["channel"] as? String)
            }
        }
    }

    /// The ids among `texts` (id → text) that alert.
    func flagged(_ scams: [Scam], _ text: (Scam) -> String) throws -> Set<String> {
        let input = try scams.map { scam -> String in
            var o: [String: Any] = ["id": scam.id, "text": text(scam)]
            if let channel = scam.channel { o["channel"] = channel }
            return String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson", "-"], in: CLIRunner.packageRoot, stdin: Data(input.utf8))
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        return Set(try r.stdout.split(separator: "\n").compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["record_id"] as? String
        })
    }

    @Test func anInsertedNoticeDoesNotSilenceTheScam() throws {
        let scams = try Self.scams()
        #expect(scams.count > 400)
        let plain = try flagged(scams) { $0.text }
        let caught = scams.filter { plain.contains($0.id) }
        #expect(Double(caught.count) > 0.9 * Double(scams.count), "the plain scams are ones the packs know")
        let before = try flagged(caught) { ($0.chinese ? Self.zhNotice : Self.enNotice + " ") + $0.text }
        let after = try flagged(caught) { $0.text + ($0.chinese ? Self.zhNotice : " " + Self.enNotice) }
        let beforeRate = Double(before.count) / Double(caught.count), afterRate = Double(after.count) / Double(caught.count)
        // Measured 0.87 before and 0.73 after the text (it was 0.15 with whole-record guards).
        #expect(beforeRate >= 0.8, "notice put before: \(before.count) of \(caught.count) still alert")
        #expect(afterRate >= 0.65, "notice put after: \(after.count) of \(caught.count) still alert")
    }

    @Test func aWarningThatQuotesTheScamAndCallsItOneStaysSilent() throws {
        let scams = try Self.scams()
        let quoted = try flagged(scams) { s in
            s.chinese ? "有人发来：“\(s.text)”这就是诈骗，大家别信。" : "Got this today: \"\(s.text)\". It's a scam, ignore it."
        }
        #expect(Double(quoted.count) <= 0.02 * Double(scams.count), "quoted warnings that alert: \(quoted.sorted().prefix(10))")
    }

    @Test func theNoticesAloneAreSilent() throws {
        let notices = [Scam(id: "zh", text: Self.zhNotice, chinese: true, channel: "sms"),
                       Scam(id: "en", text: Self.enNotice, chinese: false, channel: "sms")]
        #expect(try flagged(notices) { $0.text }.isEmpty)
    }
}
