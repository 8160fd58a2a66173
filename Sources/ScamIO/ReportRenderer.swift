import ScamEngine

/// Writes a `Report` as one self-contained HTML page for a person to read: counts by scenario
/// and severity, then per subject what to do, each flow attempt drawn as its steps with their
/// evidence, and a timeline of messages, events and alerts with the evidence marked in the
/// original text.
///
/// Pure: returns the page, the CLI writes it. Invariants: every string from the input or a pack
/// goes through `HTMLText.escape`; the page holds no script and its Content-Security-Policy
/// allows none, nor any fetch (a message quoting `<script>` stays text even if escaping were
/// wrong somewhere); every alert id of the report (and of the alerts folded into them) is
/// written as text; nothing depends on the clock or on dictionary order, so the same report
/// gives the same bytes. With `redact`, alerts are masked by `Redactor.mask` and records the
/// same way (digits in texts and attributes, pseudonyms for names), so no run of 4 or more
/// digits of the input is left.
public struct ReportRenderer: Sendable {
    /// The language of the page's own words.
    public enum Language: String, Sendable, CaseIterable {
        /// The language most alerts are in (English on a tie).
        case auto
        case en, zh
    }

    /// What a render produced: the page and what the CLI tells the user about it.
    public struct Page: Sendable {
        public var html: String
        /// Subjects shown (those with an alert).
        public var subjects: Int
        /// Pieces of evidence with a span that no record's text holds: listed, not marked.
        public var unplaced: Int
    }

    public var language: Language
    public var redact: Bool
    public var producer: AlertProducer = .scamflow

    /// Event attributes that name a person or a number: shown as pseudonyms under `redact`
    /// (other attributes have their digits masked).
    static let personalAttributes: Set<String> = ["number", "payee", "sender", "peer", "name", "contact", "account"]

    public init(language: Language = .auto, redact: Bool = false) {
        self.language = language
        self.redact = redact
    }

    public func render(_ report: Report) -> Page {
        // Laid out on the alerts as found (their excerpts are what the texts hold at the
        // spans), written as masked.
        let layout = ReportLayout(report)
        var writer = ReportWriter(layout: layout, labels: labels(for: report), redact: redact, producer: producer)
        return Page(html: writer.page(), subjects: layout.subjects.count, unplaced: layout.unplaced)
    }

    func labels(for report: Report) -> ReportLabels {
        switch language {
        case .en: return .en
        case .zh: return .zh
        case .auto:
            let zh = report.alerts.filter { $0.lang == "zh" }.count
            return zh * 2 > report.alerts.count ? .zh : .en
        }
    }
}

/// The HTML of one page, written top to bottom into `out`.
struct ReportWriter {
    let layout: ReportLayout
    let labels: ReportLabels
    let redact: Bool
    let producer: AlertProducer
    /// The report's alerts and attempts as the page shows them (masked under `redact`), by the
    /// same indices as the report's.
    let alerts: [Alert]
    let attempts: [Alert]
    private var out = ""
    private var report: Report { layout.report }

    init(layout: ReportLayout, labels: ReportLabels, redact: Bool, producer: AlertProducer) {
        self.layout = layout
        self.labels = labels
        self.redact = redact
        self.producer = producer
        alerts = redact ? layout.report.alerts.map(Redactor.mask) : layout.report.alerts
        attempts = redact ? layout.report.attempts.map(Redactor.mask) : layout.report.attempts
    }

    mutating func page() -> String {
        out.reserveCapacity(64 * 1024 + report.records.count * 256)
        out += "<!DOCTYPE html>\n<html lang=\"\(labels.lang)\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        out += "<meta name=\"generator\" content=\"\(e(producer.name + " " + producer.version))\">\n"
        out += "<title>\(e(labels.title))</title>\n<style>\n\(ReportStyle.css)</style>\n</head>\n<body>\n<main>\n"
        header()
        overview()
        index()
        for (n, subject) in layout.subjects.enumerated() { self.subject(subject, number: n + 1) }
        footer()
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    // MARK: the head of the page

    private mutating func header() {
        let alerts = report.alerts.filter { $0.severity != .info }.count
        let subjects = layout.subjects.count + layout.quietSubjects
        var facts = [labels.counted(report.records.count, labels.records), labels.counted(subjects, labels.subjects), labels.counted(alerts, labels.alerts)]
        let times = report.records.compactMap { entry in entry.record.time.map { ($0, entry.record.utcOffset) } }
        if let first = times.min(by: { $0.0 < $1.0 }), let last = times.max(by: { $0.0 < $1.0 }) {
            facts.append(ReportWriter.readable(first.0, first.1) + " – " + ReportWriter.readable(last.0, last.1))
        }
        out += "<header>\n<h1>\(e(labels.title))</h1>\n<p class=\"meta\">\(e(facts.joined(separator: " · ")))</p>\n</header>\n"
    }

    private mutating func overview() {
        out += "<section id=\"overview\">\n<h2>\(e(labels.overview))</h2>\n<ul class=\"chips\">\n"
        let severities = Severity.allCases.reversed().filter { s in report.alerts.contains { $0.severity == s } }
        for s in severities {
            out += "<li>\(badge(s)) \(report.alerts.filter { $0.severity == s }.count)</li>\n"
        }
        out += "</ul>\n"
        if !report.alerts.isEmpty {
            // Scenario rows (an alert counts under each scenario it is tagged with), most
            // alerts first, then by name.
            var rows: [String: [Severity: Int]] = [:]
            for alert in report.alerts {
                let scenarios = ECSDocument.tagged(alert.tags, "scenario")
                for scenario in scenarios.isEmpty ? [""] : scenarios { rows[scenario, default: [:]][alert.severity, default: 0] += 1 }
            }
            let ordered = rows.map { ($0.key, $0.value, $0.value.values.reduce(0, +)) }.sorted { ($1.2, $0.0) < ($0.2, $1.0) }
            out += "<h3>\(e(labels.bySeverity))</h3>\n"
            // The first rows say most; the rest fold (a phone shows the subjects sooner).
            let shown = ordered.count > ReportWriter.scenarioRows + 2 ? ReportWriter.scenarioRows : ordered.count
            scenarioTable(ordered.prefix(shown), severities: severities)
            if shown < ordered.count {
                out += "<details><summary>\(e(labels.counted(ordered.count - shown, labels.moreScenarios)))</summary>\n"
                scenarioTable(ordered.dropFirst(shown), severities: severities)
                out += "</details>\n"
            }
        }
        var notes = report.packsSetAside.map { "\(labels.packSetAside): \($0)" }
        if report.inputProblems > 0 { notes.append(labels.counted(report.inputProblems, labels.inputProblems)) }
        if layout.unplaced > 0 { notes.append(labels.counted(layout.unplaced, labels.unplaced)) }
        if !notes.isEmpty {
            out += "<h3>\(e(labels.notes))</h3>\n<ul class=\"notes\">\n"
            for note in notes { out += "<li>\(e(note))</li>\n" }
            out += "</ul>\n"
        }
        out += "</section>\n"
    }

    /// Scenario rows under one header row of severities.
    private mutating func scenarioTable(_ rows: ArraySlice<(String, [Severity: Int], Int)>, severities: [Severity]) {
        out += "<div class=\"scroll\"><table>\n<thead><tr><th>\(e(labels.scenario))</th>"
        for s in severities { out += "<th>\(badge(s))</th>" }
        out += "<th>\(e(labels.total))</th></tr></thead>\n<tbody>\n"
        for (scenario, counts, total) in rows {
            out += "<tr><td>\(e(scenario.isEmpty ? labels.noScenario : scenario))</td>"
            for s in severities { out += "<td>\(counts[s].map(String.init) ?? "")</td>" }
            out += "<td>\(total)</td></tr>\n"
        }
        out += "</tbody>\n</table></div>\n"
    }

    /// The subjects shown, as links; folded when there are many (`details`, no script).
    private mutating func index() {
        guard !layout.subjects.isEmpty || layout.quietSubjects > 0 else { return }
        let open = layout.subjects.count <= ReportWriter.openIndex ? " open" : ""
        out += "<nav>\n<h2>\(e(labels.shownSubjects))</h2>\n<details\(open)><summary>\(e(labels.counted(layout.subjects.count, labels.subjects)))</summary>\n"
        out += "<ol class=\"index\">\n"
        for (n, subject) in layout.subjects.enumerated() {
            let alerts = subject.alerts.count
            out += "<li><a href=\"#s\(n + 1)\">\(badge(subject.severity)) <span class=\"name\">\(e(name(of: subject)))</span></a> "
                + "<span class=\"meta\">\(e(labels.counted(alerts, labels.alerts)))</span></li>\n"
        }
        out += "</ol>\n</details>\n"
        if layout.quietSubjects > 0 { out += "<p class=\"meta\">\(e(labels.counted(layout.quietSubjects, labels.quietSubjects)))</p>\n" }
        out += "</nav>\n"
    }

    // MARK: a subject

    private mutating func subject(_ subject: ReportLayout.Subject, number: Int) {
        out += "<section class=\"subject\" id=\"s\(number)\">\n<h2>\(badge(subject.severity)) <span class=\"name\">\(e(name(of: subject)))</span></h2>\n"
        out += "<p class=\"meta\">\(e(labels.counted(subject.records, labels.records))) · \(e(labels.counted(subject.alerts.count, labels.alerts)))</p>\n"
        // What to do: each distinct piece of advice, the most severe alert's first.
        let advised = (subject.alerts.map { alerts[$0] } + subject.attempts.map { attempts[$0] })
            .enumerated().sorted { ($1.element.severity, $0.offset) < ($0.element.severity, $1.offset) }
        var seen = Set<String>()
        let advice = advised.compactMap { a -> (String, String)? in
            guard let text = a.element.advice, seen.insert(text).inserted else { return nil }
            return (text, a.element.lang)
        }
        if !advice.isEmpty {
            out += "<div class=\"advice\"><strong>\(e(labels.whatToDo))</strong>\n"
            for (text, lang) in advice { out += "<p lang=\"\(e(lang))\">\(e(text))</p>\n" }
            out += "</div>\n"
        }
        if !subject.attempts.isEmpty {
            out += "<h3>\(e(labels.flowAttempts))</h3>\n"
            for a in subject.attempts { attempt(attempts[a], anchor: "f\(a + 1)") }
        }
        out += "<h3>\(e(labels.timeline))</h3>\n<ol class=\"timeline\">\n"
        for item in subject.items {
            switch item {
            case .record(let r): record(r)
            case .alert(let a): alert(alerts[a], anchor: "a\(a + 1)")
            case .gap(let n): out += "<li class=\"gap\">… \(e(labels.counted(n, labels.folded))) …</li>\n"
            }
        }
        out += "</ol>\n</section>\n"
    }

    /// A flow attempt as its steps: those reached with their evidence, the others with the
    /// signals that would take them.
    private mutating func attempt(_ attempt: Alert, anchor: String) {
        let flow = report.flows.first { $0.id == attempt.id }
        let steps = ReportLayout.steps(of: attempt, flow: flow)
        let reached = attempt.step ?? attempt.steps.count
        out += "<div class=\"attempt \(attempt.severity.rawValue)\" id=\"\(anchor)\">\n"
        out += "<p class=\"head\">\(badge(attempt.severity)) <span lang=\"\(e(attempt.lang))\">\(e(attempt.title))</span></p>\n"
        out += "<p class=\"meta\"><code>\(e(attempt.id))</code> · \(reached)/\(steps.count) \(e(labels.stepsReached))"
        if let id = attempt.attemptID { out += " · \(e(labels.attempt)) <code>\(e(id))</code>" }
        out += " · \(e(labels.alertID)) <code class=\"aid\">\(e(attempt.alertID))</code></p>\n<ol class=\"steps\">\n"
        for (i, step) in steps.enumerated() {
            if i < reached {
                out += "<li class=\"reached\"><span class=\"step\">\(e(step.name))</span>\n"
                evidenceList(step.evidence, of: attempt)
                out += "</li>\n"
            } else {
                out += "<li class=\"todo\"><span class=\"step\">\(e(step.name))</span> <span class=\"meta\">\(e(labels.notReached))"
                if !step.signals.isEmpty { out += " · \(e(labels.anyOf)): \(e(step.signals.joined(separator: ", ")))" }
                out += "</span></li>\n"
            }
        }
        out += "</ol>\n</div>\n"
    }

    private mutating func alert(_ alert: Alert, anchor: String) {
        out += "<li class=\"alert \(alert.severity.rawValue)\" id=\"\(anchor)\">\n"
        out += "<p class=\"head\">\(badge(alert.severity)) <span lang=\"\(e(alert.lang))\">\(e(alert.title))</span></p>\n"
        var facts = ["\(alert.kind.rawValue) <code>\(e(alert.id))</code>"]
        switch alert.kind {
        case .flow:
            facts.append("\(alert.step ?? 0)/\(alert.steps.count) \(e(alert.steps.joined(separator: " → ")))")
        case .rule:
            facts.append("\(e(labels.score)) \(alert.score)/\(alert.threshold)")
        case .model:
            if let model = alert.model { facts.append("p \(Assessor.rounded(model.probability))") }
        }
        facts.append("\(e(labels.alertID)) <code class=\"aid\">\(e(alert.alertID))</code>")
        facts.append(e(alert.pack))
        out += "<p class=\"meta\">\(facts.joined(separator: " · "))</p>\n"
        // A flow alert's evidence is its attempt's, drawn step by step above: a link, not a copy.
        if alert.kind == .flow, let drawn = attempts.firstIndex(where: { $0.alertID == alert.alertID }) {
            out += "<p class=\"meta\"><a href=\"#f\(drawn + 1)\">\(e(labels.stepsAbove))</a></p>\n"
        } else {
            evidenceList(alert.evidence, of: alert)
        }
        if !alert.related.isEmpty {
            out += "<ul class=\"related\">\n"
            for r in alert.related {
                let step = r.step.map { " \($0) \(e(r.stepName ?? ""))" } ?? ""
                out += "<li>\(e(labels.alsoRaised)): \(badge(r.severity)) \(r.kind.rawValue) <code>\(e(r.id))</code>\(step) "
                    + "<span lang=\"\(e(alert.lang))\">\(e(r.title))</span> · \(e(labels.alertID)) <code class=\"aid\">\(e(r.alertID))</code></li>\n"
            }
            out += "</ul>\n"
        }
        out += "</li>\n"
    }

    /// Pieces of evidence, each with a link to its record in the timeline when it is there
    /// (named by its line when it is in the file of `alert`'s own record, as the text format
    /// does).
    private mutating func evidenceList(_ evidence: [Evidence], of alert: Alert) {
        guard !evidence.isEmpty else { return }
        out += "<ul class=\"evidence\">\n"
        for piece in evidence {
            out += "<li>"
            let place = piece.source.file == alert.source.file ? labels.line(piece.source.line) : piece.source.description
            if let r = layout.record(of: piece), layout.shown.contains(r) {
                out += "<a href=\"#r\(r + 1)\">\(e(place))</a> "
            } else {
                out += "<span class=\"src\">\(e(place))</span> "
            }
            if let speaker = piece.speaker { out += "<span class=\"who\">\(e(speaker))</span> " }
            out += "<span class=\"ex\">«\(e(piece.excerpt))»</span> <span class=\"sig\">\(e(piece.signals.joined(separator: ", ")))</span></li>\n"
        }
        out += "</ul>\n"
    }

    /// A message or event of the timeline.
    private mutating func record(_ r: Int) {
        let entry = report.records[r]
        let record = entry.record
        let kind = record.event != nil && record.text == nil ? "event" : (record.direction == "out" ? "out" : "in")
        out += "<li class=\"rec \(kind)\" id=\"r\(r + 1)\">\n<p class=\"meta\">"
        var facts: [String] = []
        if let time = record.time {
            facts.append("<time datetime=\"\(Timestamp.format(time))\">\(e(ReportWriter.readable(time, record.utcOffset)))</time>")
        }
        if let channel = record.channel { facts.append(e(labels.channels[channel] ?? channel)) }
        if let peer = record.peer {
            facts.append("\(e(record.direction == "out" ? labels.to : labels.from)) <span class=\"who\">\(e(person(peer)))</span>")
        }
        if let speaker = record.speaker { facts.append("<span class=\"who\">\(e(person(speaker)))</span>") }
        facts.append("<span class=\"src\">\(e(record.source.description))</span>")
        out += facts.joined(separator: " · ") + "</p>\n"
        if let event = record.event {
            out += "<p class=\"event\"><code>\(e(event))</code>"
            let attrs = record.attrs.keys.sorted().map { key in "\(key)=\(attribute(key, record.attrs[key]!))" }
            if !attrs.isEmpty { out += " <span class=\"attrs\">\(e(attrs.joined(separator: ", ")))</span>" }
            out += "</p>\n"
        }
        if let text = record.text {
            out += "<p class=\"text\" lang=\"\(e(entry.lang))\">"
            marked(text, layout.highlights[r] ?? [])
            out += "</p>\n"
        }
        out += "</li>\n"
    }

    /// `text` (masked under `redact`) with each stretch that evidence points at in a `mark`
    /// naming its signals; overlapping stretches are cut where the set of signals changes.
    private mutating func marked(_ text: String, _ highlights: [ReportLayout.Highlight]) {
        let original = Array(text.unicodeScalars)
        let scalars = redact ? Array(Redactor.redact(text).unicodeScalars) : original
        // Masking keeps one scalar per scalar; were it ever not so, the text goes unmarked.
        guard !highlights.isEmpty, scalars.count == original.count else {
            out += e(String(String.UnicodeScalarView(scalars)))
            return
        }
        var bounds = Set([0, scalars.count])
        for h in highlights { bounds.insert(h.scalars.lowerBound); bounds.insert(h.scalars.upperBound) }
        let cuts = bounds.sorted()
        for (lower, upper) in zip(cuts, cuts.dropFirst()) where lower < upper {
            let piece = e(String(String.UnicodeScalarView(scalars[lower..<upper])))
            let covering = highlights.filter { $0.scalars.lowerBound <= lower && upper <= $0.scalars.upperBound }
            guard !covering.isEmpty else {
                out += piece
                continue
            }
            var signals: [String] = []
            for h in covering { for s in h.signals where !signals.contains(s) { signals.append(s) } }
            let model = covering.allSatisfy(\.model) ? " class=\"model\"" : ""
            out += "<mark\(model) title=\"\(e(signals.joined(separator: ", ")))\">\(piece)</mark>"
        }
    }

    private mutating func footer() {
        out += "<footer>\n<p class=\"meta\">\(e(labels.footer(producer.name + " " + producer.version, report.packs.joined(separator: ", "))))</p>\n"
        if redact { out += "<p class=\"meta\">\(e(labels.redacted))</p>\n" }
        out += "</footer>\n"
    }

    // MARK: pieces

    /// Scenario rows shown before the rest fold.
    static let scenarioRows = 8
    /// Subjects listed open in the index; more fold.
    static let openIndex = 12

    private func e(_ text: String) -> String { HTMLText.escape(text) }

    private func badge(_ severity: Severity) -> String {
        "<b class=\"badge \(severity.rawValue)\">\(e(labels.severity(severity)))</b>"
    }

    /// A subject as the page names it: its subject, else its conversation, else the position
    /// of its one record (a line without either is a subject of its own).
    private func name(of subject: ReportLayout.Subject) -> String {
        guard subject.first >= 0 else { return redact ? Redactor.pseudonym(subject.key) : subject.key }
        let record = report.records[subject.first].record
        if let name = record.subject ?? record.conversation { return person(name) }
        return record.source.description
    }

    private func person(_ name: String) -> String { redact ? Redactor.pseudonym(name) : name }

    private func attribute(_ key: String, _ value: AttributeValue) -> String {
        let text: String
        switch value {
        case .string(let s): text = s
        case .bool(let b): text = b ? "true" : "false"
        case .number(let n): text = n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        }
        guard redact else { return text }
        return ReportRenderer.personalAttributes.contains(key) ? Redactor.pseudonym(text) : Redactor.redact(text)
    }

    /// `2025-03-06 10:15:00 +08:00` (the input's offset), or `2025-03-06 02:15:00 UTC`.
    static func readable(_ ms: Int64, _ utcOffset: Int?) -> String {
        let stamp = utcOffset.map { Timestamp.format(ms, utcOffset: $0) } ?? Timestamp.format(ms)
        var text = String(stamp.map { $0 == "T" ? " " : $0 })
        if text.hasSuffix("Z") {
            text.removeLast()
            return text + " UTC"
        }
        // `…10:15:00+08:00`: a space before the offset.
        let offsetStart = text.index(text.endIndex, offsetBy: -6)
        return String(text[..<offsetStart]) + " " + String(text[offsetStart...])
    }
}
