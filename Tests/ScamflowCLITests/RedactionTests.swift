import Foundation
import Testing

/// `--redact` in every format: no run of 4 or more digits is left in what an alert says about
/// people (excerpts, subject, peer, speaker, and the OCSF/ECS device that repeats the subject) on the whole Corpus, while the same scan without `--redact` shows such runs (so the
/// check can fail).
@Suite struct RedactionTests {
    /// Runs of 4 or more digits (ASCII or full-width) in `text`.
    static func digitRuns(_ text: String) -> [String] {
        var runs: [String] = [], run = ""
        for s in text.unicodeScalars {
            if (0x30...0x39).contains(s.value) || (0xFF10...0xFF19).contains(s.value) { run.unicodeScalars.append(s); continue }
            if run.unicodeScalars.count >= 4 { runs.append(run) }
            run = ""
        }
        if run.unicodeScalars.count >= 4 { runs.append(run) }
        return runs
    }

    /// The strings of a JSON alert (any format) that come from the input's people: values of
    /// these keys anywhere, and everything under `device`. (OCSF's and ECS's `message` is the
    /// pack's title, which may hold numbers of its own, "刷1000返1300", and the subject, which
    /// `device` holds too.)
    static let personal: Set<String> = ["subject", "peer", "excerpt", "speaker"]

    static func personalStrings(_ value: Any, key: String? = nil, inDevice: Bool = false) -> [String] {
        if let s = value as? String { return inDevice || personal.contains(key ?? "") ? [s] : [] }
        if let list = value as? [Any] { return list.flatMap { personalStrings($0, key: key, inDevice: inDevice) } }
        if let object = value as? [String: Any] {
            return object.flatMap { personalStrings($0.value, key: $0.key, inDevice: inDevice || $0.key == "device") }
        }
        return []
    }

    /// The text format's personal strings: excerpts (between « »), and the subject and peer of
    /// each alert's second line.
    static func personalText(_ output: String) -> [String] {
        var out: [String] = []
        for line in output.split(separator: "\n") {
            var rest = Substring(line)
            while let open = rest.firstIndex(of: "«"), let close = rest[open...].firstIndex(of: "»") {
                out.append(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            for field in line.components(separatedBy: "  ") {
                let f = field.trimmingCharacters(in: .whitespaces)
                if f.hasPrefix("subject ") || f.hasPrefix("from ") { out.append(f) }
            }
        }
        return out
    }

    func personal(_ format: String, redact: Bool) throws -> [String] {
        let r = try CLIRunner.run(["scan", "--quiet", "--format", format] + (redact ? ["--redact"] : []) + ["Corpus"],
                                  in: CLIRunner.packageRoot)
        #expect(r.status == 1, "\(r.stderr)")
        if format == "text" { return Self.personalText(r.stdout) }
        return try r.stdout.split(separator: "\n").flatMap { line in
            Self.personalStrings(try JSONSerialization.jsonObject(with: Data(line.utf8)))
        }
    }

    @Test func unredactedOutputShowsDigits() throws {
        let runs = try personal("ndjson", redact: false).flatMap(Self.digitRuns)
        #expect(runs.count >= 10, "the Corpus alerts quote phone, card and code numbers: \(runs.prefix(5))")
    }

    @Test(arguments: ["ndjson", "text", "ocsf", "ecs"])
    func redactedOutputHasNoDigitRun(format: String) throws {
        let strings = try personal(format, redact: true)
        #expect(strings.count > 100, "\(format): the personal fields were found")
        let leaks = strings.filter { !Self.digitRuns($0).isEmpty }
        #expect(leaks.isEmpty, "\(format): \(leaks.prefix(10))")
    }

    /// Names become stable pseudonyms: the same subject twice, the same mask; roles stay.
    @Test func namesArePseudonyms() throws {
        let input = Data("""
        {"text":"我是网银工作人员，请把验证码发给我","subject":"李四的手机","peer":"+8613812345678","time":"2025-03-06T10:00:00+08:00"}
        {"text":"我是公安局的，你涉嫌洗钱，把验证码482913发给我","subject":"李四的手机","peer":"Alice Wong","time":"2025-03-06T10:05:00+08:00"}

        """.utf8)
        let r = try CLIRunner.run(["scan", "-q", "--format", "ndjson", "--redact", "-"], in: CLIRunner.packageRoot, stdin: input)
        let alerts = try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(!alerts.isEmpty, "\(r.stdout)")
        #expect(alerts.allSatisfy { ($0["peer"] as? String).map { $0.hasPrefix("*~") || $0.hasPrefix("A~") } ?? true })
        let subjects = Set(alerts.compactMap { $0["subject"] as? String })
        #expect(subjects.count == 1 && subjects.first?.hasPrefix("李~") == true, "\(subjects)")
        #expect(!r.stdout.contains("李四") && !r.stdout.contains("Alice") && !r.stdout.contains("1234") && !r.stdout.contains("482913"))
    }
}
