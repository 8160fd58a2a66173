import Foundation
import Testing

/// `scan --report FILE.html`: the page for a fixed case (golden file, with a fixed pack so it
/// changes only when the report does), hostile input shown as text, and `--redact` leaving no
/// run of 4 or more digits of the input.
@Suite struct ReportTests {
    static let folder = CLIRunner.golden.appendingPathComponent("report")

    /// Runs `scan` with `--report` into a temporary file; the scan's result and the page.
    static func report(_ arguments: [String], in directory: URL = folder, stdin: Data? = nil) throws -> (scan: CLIRunner.Result, html: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-report-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLIRunner.run(["scan", "--report", out.path] + arguments, in: directory, stdin: stdin)
        let html = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        return (r, html)
    }

    static let fixture = ["--no-builtin", "--packs", "pack", "--quiet", "--format", "ndjson"]

    /// The alert ids of ndjson output, with those of the alerts folded into them.
    static func alertIDs(_ ndjson: String) throws -> [String] {
        try ndjson.split(separator: "\n").flatMap { line -> [String] in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let related = (o["related"] as? [[String: Any]] ?? []).compactMap { $0["alert_id"] as? String }
            return [o["alert_id"] as? String].compactMap { $0 } + related
        }
    }

    @Test func goldenPage() throws {
        let (r, html) = try Self.report(Self.fixture + ["case.jsonl", "lines.txt"])
        #expect(r.status == 1, "\(r.stderr)")
        try CLIRunner.assertGolden(html, "report/case.html")
        let ids = try Self.alertIDs(r.stdout)
        #expect(ids.count >= 4, "\(r.stdout)")
        let texts = ReportHTML.texts(html)
        for id in ids { #expect(texts.contains(id), "alert \(id) is on the page") }
        #expect(ReportHTML.problems(html).isEmpty, "\(ReportHTML.problems(html))")
        // The fixture's flow reached all four steps, each with its evidence.
        #expect(html.components(separatedBy: "<li class=\"reached\">").count - 1 == 4)
        #expect(html.contains("<mark title=\"request.sms_code\">验证码念给我</mark>"))
        #expect(html.contains("<html lang=\"zh\">"), "most alerts are Chinese: the page's words are")
        let english = try Self.report(Self.fixture + ["--report-lang", "en", "case.jsonl"])
        #expect(english.html.contains("<html lang=\"en\">") && english.html.contains("Timeline"))
        // English counts agree with their number (the fixture has subjects of one record and one alert).
        #expect(english.html.contains(">1 alert<") && english.html.contains("1 subject without alerts is not shown"), "singular counts")
        #expect(english.html.contains("2 records · 1 alert</p>") && english.html.contains(">2 subjects<"))
        #expect(!english.html.contains("1 alerts") && !english.html.contains("1 subjects"))
    }

    /// Input is hostile: markup in a message, a name, an event or its attributes is text on the
    /// page, never an element or an attribute of one.
    @Test func hostileInputIsEscaped() throws {
        let (r, html) = try Self.report(Self.fixture + ["-"], stdin: ReportHTML.hostileInput)
        #expect(r.status == 1, "\(r.stderr)")
        let problems = ReportHTML.problems(html)
        #expect(problems.isEmpty, "\(problems)")
        #expect(html.contains("&lt;script&gt;alert(&quot;") && html.contains("&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"),
                "the message's markup is shown as text")
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "the peer's markup too")
        #expect(!html.lowercased().contains("<script") && !html.lowercased().contains("<img") && !html.lowercased().contains("<svg"))
        #expect(html.contains("<mark"), "the evidence inside the hostile message is still marked")
    }

    /// Runs of 4 or more digits (ASCII or full-width) in `text`.
    static func digitRuns(_ text: String) -> Set<String> { Set(RedactionTests.digitRuns(text)) }

    /// Every number of the input (texts, names, event attributes) shows in the page without
    /// `--redact` and none does with it, anywhere in the page.
    @Test func redactedPageHoldsNoNumberOfTheInput() throws {
        let input = ReportHTML.numbersInput
        var runs = Set<String>()
        for line in String(decoding: input, as: UTF8.self).split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["text", "subject", "peer", "speaker"] { runs.formUnion(Self.digitRuns(o[key] as? String ?? "")) }
            for value in (o["attrs"] as? [String: Any] ?? [:]).values { runs.formUnion(Self.digitRuns("\(value)")) }
        }
        #expect(runs.count >= 8, "\(runs)")
        let plain = try Self.report(Self.fixture + ["-"], stdin: input)
        #expect(plain.scan.status == 1, "\(plain.scan.stderr)")
        #expect(runs.filter { !plain.html.contains($0) }.isEmpty, "without --redact the page shows every number (so this test can fail)")
        let redacted = try Self.report(Self.fixture + ["--redact", "-"], stdin: input)
        #expect(redacted.scan.status == 1)
        let leaks = runs.filter { redacted.html.contains($0) }
        #expect(leaks.isEmpty, "numbers of the input on the redacted page: \(leaks.sorted())")
        #expect(redacted.html.contains("<mark title=\"request.sms_code\">验证码******发给我</mark>"), "marks survive masking, digits inside them too")
        #expect(!redacted.scan.stderr.contains("matched no record"), "\(redacted.scan.stderr)")
        #expect(!redacted.html.contains("李四"), "names are pseudonyms")
    }

    /// The whole Corpus with `--redact`: what the page shows of people (message texts, names,
    /// event attributes, excerpts) holds no run of 4 or more digits.
    @Test func redactedCorpusPage() throws {
        let plain = try Self.report(["--quiet", "--format", "ndjson", "Corpus"], in: CLIRunner.packageRoot)
        #expect(plain.scan.status == 1, "\(plain.scan.stderr)")
        #expect(ReportHTML.personal(plain.html).flatMap(RedactionTests.digitRuns).count >= 20, "the Corpus page shows numbers unredacted")
        let redacted = try Self.report(["--quiet", "--format", "ndjson", "--redact", "Corpus"], in: CLIRunner.packageRoot)
        // Every piece of evidence of the Corpus is marked in its text, masked or not.
        for r in [plain.scan, redacted.scan] { #expect(!r.stderr.contains("matched no record"), "\(r.stderr)") }
        let strings = ReportHTML.personal(redacted.html)
        #expect(strings.count > 500, "the personal parts of the page were found")
        let leaks = strings.filter { !RedactionTests.digitRuns($0).isEmpty }
        #expect(leaks.isEmpty, "\(leaks.prefix(10))")
    }

    @Test func aReportThatCannotBeWrittenIsAUsageError() throws {
        let r = try CLIRunner.run(["scan", "--report", "/no/such/folder/r.html", "lines.txt"], in: Self.folder)
        #expect(r.status == 64 || r.status == 2, "\(r.status)")
        #expect(r.stderr.contains("--report /no/such/folder/r.html: cannot write in /no/such/folder"), "\(r.stderr)")
        let folder = try CLIRunner.run(["scan", "--report", ".", "lines.txt"], in: Self.folder)
        #expect(folder.stderr.contains("is a folder"), "\(folder.stderr)")
    }

    /// `--report` naming the file being scanned (a slip of tab completion) must not replace it.
    @Test func aReportNeverReplacesAFileThatIsNotAReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = #"{"id":"a","text":"请把验证码告诉我"}"# + "\n"
        try input.write(to: dir.appendingPathComponent("in.jsonl"), atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["scan", "--report", "in.jsonl", "in.jsonl"], in: dir)
        #expect(r.status == 64 || r.status == 2, "\(r.status)")
        #expect(r.stderr.contains("the file exists and is not a report"), "\(r.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("in.jsonl"), encoding: .utf8) == input, "the input is intact")
        // An earlier report is replaced.
        _ = try CLIRunner.run(["scan", "--quiet", "--report", "r.html", "in.jsonl"], in: dir)
        let again = try CLIRunner.run(["scan", "--quiet", "--report", "r.html", "in.jsonl"], in: dir)
        #expect(again.status == 0 || again.status == 1, "\(again.stderr)")
    }
}
