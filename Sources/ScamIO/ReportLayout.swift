import ScamEngine

/// A `Report` arranged for reading: the subjects that have alerts, each with its timeline
/// (records in time order, each alert right after the last record it names, long stretches
/// without findings folded), its flow attempts with the evidence of each step, and, for every
/// record shown, the parts of its text that evidence points at.
///
/// Subjects come most severe first, then those with most findings, then in input order.
///
/// Invariants: every alert and every attempt of the report belongs to exactly one subject;
/// an alert appears once in its subject's timeline; a record that evidence points at is never
/// folded away; everything is ordered by input position where times tie, so the same report
/// gives the same layout.
struct ReportLayout {
    /// One line of a subject's timeline.
    enum Item: Equatable {
        case record(Int)
        case alert(Int)
        /// Records without findings left out here (how many).
        case gap(Int)
    }

    struct Subject {
        /// The key flows group records by (`SignalExtractor.subject(of:)`).
        var key: String
        /// The record that opens the timeline: it says how to name the subject.
        var first: Int
        var items: [Item] = []
        /// Indices into `Report.alerts` and `Report.attempts`.
        var alerts: [Int] = []
        var attempts: [Int] = []
        /// Records of the subject, shown or folded.
        var records = 0
        var severity: Severity = .info
    }

    /// A stretch of a record's text that evidence points at, in Unicode scalars of the text.
    struct Highlight: Equatable {
        var scalars: Range<Int>
        var signals: [String]
        /// Only the learned scorer's n-grams point here.
        var model: Bool
    }

    let report: Report
    private(set) var subjects: [Subject] = []
    /// Subjects whose records raised no alert (not shown).
    private(set) var quietSubjects = 0
    /// Highlights of each record's text, by record index, in text order.
    private(set) var highlights: [Int: [Highlight]] = [:]
    /// Pieces of evidence with a span that matched no record's text (nothing highlighted).
    private(set) var unplaced = 0
    /// The records the timelines show (the others are folded into gaps).
    private(set) var shown: Set<Int> = []

    /// Where each (source, record id) is among `report.records`: a piece of evidence names its
    /// record so.
    private var index: [RecordKey: [Int]] = [:]

    struct RecordKey: Hashable {
        var source: SourcePosition
        var recordID: String?
    }

    init(_ report: Report) {
        self.report = report
        for (i, entry) in report.records.enumerated() {
            index[RecordKey(source: entry.record.source, recordID: entry.record.id), default: []].append(i)
        }
        placeHighlights()
        arrange()
    }

    /// The record a piece of evidence comes from: among those at its source, the one whose text
    /// holds the excerpt at the span (several records can share a source), else the first.
    func record(of evidence: Evidence) -> Int? {
        guard let candidates = index[RecordKey(source: evidence.source, recordID: evidence.recordID)] else { return nil }
        if evidence.span.isEmpty { return candidates.first }
        return candidates.first { ReportLayout.scalars(of: evidence, in: report.records[$0].record.text ?? "") != nil } ?? candidates.first
    }

    /// The span of `evidence` in `text` as scalar offsets, when it lies on scalar boundaries
    /// and the text there is the excerpt (cut with "…" when longer than an excerpt may be).
    static func scalars(of evidence: Evidence, in text: String) -> Range<Int>? {
        let span = evidence.span
        guard !span.isEmpty, span.lowerBound >= 0, span.upperBound <= text.utf8.count else { return nil }
        var byte = 0, scalar = 0
        var lower: Int?, upper: Int?
        for s in text.unicodeScalars {
            if byte == span.lowerBound { lower = scalar }
            if byte == span.upperBound { upper = scalar }
            byte += s.utf8.count
            scalar += 1
        }
        if byte == span.upperBound { upper = scalar }
        guard let lower, let upper else { return nil }
        let shown = String(decoding: text.utf8.dropFirst(span.lowerBound).prefix(span.count), as: UTF8.self)
        let excerpt = evidence.excerpt
        guard shown == excerpt || (excerpt.hasSuffix("…") && shown.hasPrefix(String(excerpt.dropLast()))) else { return nil }
        return lower..<upper
    }

    /// Every piece of evidence with a span, of alerts and attempts alike, marked once in its
    /// record's text.
    private mutating func placeHighlights() {
        struct Mark: Hashable { var record: Int; var scalars: Range<Int>; var signals: [String]; var model: Bool }
        var seen = Set<Mark>()
        var byRecord: [Int: [Highlight]] = [:]
        var unplacedPieces = Set<Evidence>()
        for alert in report.alerts + report.attempts {
            for e in alert.evidence where !e.span.isEmpty {
                guard let r = record(of: e), let text = report.records[r].record.text,
                      let scalars = ReportLayout.scalars(of: e, in: text) else {
                    unplacedPieces.insert(e)
                    continue
                }
                let mark = Mark(record: r, scalars: scalars, signals: e.signals, model: e.weight != nil)
                if seen.insert(mark).inserted {
                    byRecord[r, default: []].append(Highlight(scalars: scalars, signals: e.signals, model: e.weight != nil))
                }
            }
        }
        unplaced = unplacedPieces.count
        for (r, marks) in byRecord {
            highlights[r] = marks.sorted {
                ($0.scalars.lowerBound, $0.scalars.upperBound, $0.signals.joined(separator: ","))
                    < ($1.scalars.lowerBound, $1.scalars.upperBound, $1.signals.joined(separator: ","))
            }
        }
    }

    /// Groups records into subjects, keeps those with alerts, orders and folds their timelines.
    private mutating func arrange() {
        var keyOf: [String: Int] = [:]
        var all: [Subject] = []
        var members: [[Int]] = []
        for (i, entry) in report.records.enumerated() {
            let key = SignalExtractor.subject(of: entry.record)
            if let s = keyOf[key] {
                members[s].append(i)
            } else {
                keyOf[key] = all.count
                all.append(Subject(key: key, first: i))
                members.append([i])
            }
        }
        // An alert belongs to the subject of the record it names; a flow alert names its
        // subject's key itself. One whose record was not read (none should be) gets a subject
        // of its own, with no records.
        func subject(of alert: Alert) -> Int {
            let key: String?
            if alert.kind == .flow {
                key = alert.subject
            } else {
                key = index[RecordKey(source: alert.source, recordID: alert.recordID)]?.first
                    .map { SignalExtractor.subject(of: report.records[$0].record) } ?? alert.subject
            }
            let k = key ?? alert.source.description
            if let s = keyOf[k] { return s }
            keyOf[k] = all.count
            all.append(Subject(key: k, first: -1))
            members.append([])
            return all.count - 1
        }
        for (a, alert) in report.alerts.enumerated() {
            let s = subject(of: alert)
            all[s].alerts.append(a)
            all[s].severity = max(all[s].severity, alert.severity)
        }
        for (a, attempt) in report.attempts.enumerated() {
            let s = subject(of: attempt)
            all[s].attempts.append(a)
            all[s].severity = max(all[s].severity, attempt.severity)
        }
        var kept: [Subject] = []
        for (s, var subject) in all.enumerated() {
            guard !subject.alerts.isEmpty || !subject.attempts.isEmpty else {
                quietSubjects += 1
                continue
            }
            subject.records = members[s].count
            subject.items = timeline(of: subject, records: members[s])
            kept.append(subject)
        }
        // The most severe first; then the one with most findings (where most happened); then
        // in the order the input first named them.
        subjects = kept.enumerated().sorted { a, b in
            (a.element.severity, a.element.alerts.count + a.element.attempts.count, -a.offset)
                > (b.element.severity, b.element.alerts.count + b.element.attempts.count, -b.offset)
        }.map(\.element)
    }

    /// A subject's records in time order (undated ones at the time of the record before
    /// them, as the flows read them; input order between equal times), each alert after the
    /// last record its evidence names, and records far from any finding folded.
    private mutating func timeline(of subject: Subject, records: [Int]) -> [Item] {
        var last: Int64 = 0
        let keyed = records.map { i -> (time: Int64, index: Int) in
            last = report.records[i].record.time ?? last
            return (last, i)
        }
        let ordered = keyed.sorted { ($0.time, $0.index) < ($1.time, $1.index) }.map(\.index)
        var position: [Int: Int] = [:]
        for (p, r) in ordered.enumerated() { position[r] = p }
        // Records evidence names: findings, never folded.
        var anchors = Set<Int>()
        var after: [Int: [Int]] = [:]
        var trailing: [Int] = []
        func named(_ alert: Alert) -> [Int] {
            var positions = alert.evidence.compactMap { record(of: $0).flatMap { position[$0] } }
            if let own = index[RecordKey(source: alert.source, recordID: alert.recordID)]?.compactMap({ position[$0] }) {
                positions += own
            }
            return positions
        }
        for a in subject.alerts {
            let positions = named(report.alerts[a])
            anchors.formUnion(positions)
            if let p = positions.max() { after[p, default: []].append(a) } else { trailing.append(a) }
        }
        for a in subject.attempts { anchors.formUnion(named(report.attempts[a])) }
        for (p, r) in ordered.enumerated() where highlights[r] != nil { anchors.insert(p) }
        var near = [Bool](repeating: false, count: ordered.count)
        for a in anchors {
            for q in max(0, a - report.context)...min(ordered.count - 1, a + report.context) { near[q] = true }
        }
        var items: [Item] = []
        var folded = 0
        for (p, r) in ordered.enumerated() {
            if near[p] {
                if folded > 0 { items.append(.gap(folded)) }
                folded = 0
                items.append(.record(r))
                shown.insert(r)
            } else {
                folded += 1
            }
            for a in after[p] ?? [] { items.append(.alert(a)) }
        }
        if folded > 0 { items.append(.gap(folded)) }
        return items + trailing.map { .alert($0) }
    }

    /// The pieces of an attempt's evidence under the step each belongs to: a piece goes to the
    /// first step at or after the previous piece's that accepts one of its signals; a context
    /// fact ("the phone was in 贵阳") to the step of the piece after it; what no step accepts
    /// (the learned scorer's pieces) to the last step reached.
    static func steps(of attempt: Alert, flow: ReportFlow?) -> [(name: String, signals: [String], evidence: [Evidence])] {
        let reached = attempt.step ?? attempt.steps.count
        var steps: [(name: String, signals: [String], evidence: [Evidence])] = flow?.steps.map { ($0.name, $0.signals, []) }
            ?? attempt.steps.map { ($0, [], []) }
        guard !steps.isEmpty else { return [] }
        var cursor = 0
        var waiting: [Evidence] = []
        let lastReached = max(0, min(reached, steps.count) - 1)
        for e in attempt.evidence {
            if e.signal.hasPrefix("context.") {
                waiting.append(e)
                continue
            }
            let accepting = steps.indices.prefix(max(reached, 1)).filter { s in e.signals.contains { steps[s].signals.contains($0) } }
            let step = accepting.first { $0 >= cursor } ?? accepting.first ?? lastReached
            cursor = max(cursor, step)
            steps[step].evidence += waiting + [e]
            waiting.removeAll()
        }
        steps[lastReached].evidence += waiting
        return steps
    }
}
