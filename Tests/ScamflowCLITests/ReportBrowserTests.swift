import Foundation
import Testing

/// The HTML report opened in headless Chromium at a phone's width (issue 19): the Corpus scan
/// and the seed event streams render without a console message and show every alert id, and
/// hostile input stays text in the DOM. Skipped, with the reason, where Chromium is missing.
@Suite(.serialized) struct ReportBrowserTests {
    static let enabled = Chromium.binary != nil

    /// A temporary folder for one test's page and screenshot.
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-report-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The check can fail: a page with an error and a script the Content-Security-Policy
    /// refuses is seen to have console messages.
    @Test(.enabled(if: enabled, Comment(rawValue: Chromium.unavailable)))
    func consoleMessagesAreSeen() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("broken.html")
        try Data("""
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>
        <body><p id="p">x</p><script>document.getElementById("p").textContent = "ran"; undefinedFunction();</script></body></html>
        """.utf8).write(to: page)
        let opened = try Chromium.open(page)
        #expect(opened.console.contains { $0.contains("undefinedFunction") }, "\(opened.console)")
        #expect(opened.dom.contains(">ran<"), "the DOM is read after scripts ran")
    }

    /// Scans `inputs` with `--report`, opens the page (with a phone-width screenshot) and
    /// checks it: no console message, every alert id of the scan (and of the alerts folded into
    /// them) in the DOM, the screenshot a 390-pixel-wide PNG.
    func check(_ inputs: [String], name: String) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("\(name).html"), png = dir.appendingPathComponent("\(name).png")
        let r = try CLIRunner.run(["scan", "--quiet", "--format", "ndjson", "--report", html.path] + inputs, in: CLIRunner.packageRoot)
        try #require(r.status == 1, "\(r.stderr)")
        let ids = try ReportTests.alertIDs(r.stdout)
        #expect(ids.count >= 5, "\(name): the scan raised alerts")
        let opened = try Chromium.open(html, screenshot: png)
        #expect(opened.status == 0)
        #expect(opened.console.isEmpty, "\(name): console messages: \(opened.console.prefix(5))")
        #expect(opened.dom.suffix(300).contains("</footer>"), "\(name): the whole page was loaded")
        let texts = ReportHTML.texts(opened.dom)
        let missing = ids.filter { !texts.contains($0) }
        #expect(missing.isEmpty, "\(name): alert ids not in the DOM: \(missing.prefix(10)) of \(ids.count)")
        let size = Chromium.pngSize(try Data(contentsOf: png))
        #expect(size?.width == 390 && size?.height == 2000, "\(name): screenshot \(String(describing: size))")
    }

    @Test(.enabled(if: enabled, Comment(rawValue: Chromium.unavailable)))
    func corpusReport() throws {
        try check(["Corpus"], name: "corpus")
    }

    @Test(.enabled(if: enabled, Comment(rawValue: Chromium.unavailable)))
    func seedEventStreams() throws {
        try check(["Corpus/events"], name: "events")
    }

    /// What the page shows of a hostile input is text in the browser too: no element of the
    /// input's making, no console message (a script that slipped through would run, or be
    /// refused by the policy, and either shows there).
    @Test(.enabled(if: enabled, Comment(rawValue: Chromium.unavailable)))
    func hostileInputStaysText() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("hostile.html")
        let fixture = ReportTests.fixture.map { $0 == "pack" ? ReportTests.folder.appendingPathComponent("pack").path : $0 }
        let r = try CLIRunner.run(["scan"] + fixture + ["--report", html.path, "-"], in: CLIRunner.packageRoot, stdin: ReportHTML.hostileInput)
        try #require(r.status == 1, "\(r.stderr)")
        let opened = try Chromium.open(html)
        #expect(opened.console.isEmpty, "\(opened.console)")
        let dom = opened.dom.lowercased()
        for element in ["<script", "<img", "<svg", "<iframe", "<h1>fake", "<u>", "<i>", "<style>body{display:none}"] {
            #expect(!dom.contains(element), "\(element) became an element")
        }
        #expect(dom.contains("&lt;script&gt;alert(") && dom.contains("&lt;img src=x onerror=alert(1)&gt;"))
    }
}
