import Testing
@testable import ScamEngine
@testable import ScamIO

/// How a report is arranged before it is written (`ReportLayout`): which text is marked,
/// where alerts go, which records fold away, which evidence goes under which step.
@Suite struct ReportLayoutTests {
    static func record(_ line: Int, _ text: String?, subject: String? = "u1", time: Int64? = nil, event: String? = nil) -> Report.Entry {
        Report.Entry(record: Record(text: text, source: SourcePosition(file: "m.jsonl", line: line), time: time, subject: subject,
                                    event: event, id: "r\(line)"), lang: "zh")
    }

    static func evidence(_ line: Int, _ text: String, _ excerpt: String, signal: String = "s.a", weight: Double? = nil) -> Evidence {
        let t = Array(text.utf8), x = Array(excerpt.utf8)
        let start = (0...(t.count - x.count)).first { Array(t[$0..<($0 + x.count)]) == x }!
        var e = Evidence(source: SourcePosition(file: "m.jsonl", line: line), time: nil, signal: signal, rule: "rule.\(signal)",
                         excerpt: excerpt, span: start..<(start + excerpt.utf8.count), speaker: nil, recordID: "r\(line)")
        e.weight = weight
        return e
    }

    static func alert(_ kind: Alert.Kind, line: Int, subject: String? = "u1", evidence: [Evidence], severity: Severity = .high) -> Alert {
        Alert(time: nil, alertID: "id-\(kind)-\(line)", subject: subject, kind: kind, id: "x.\(kind)", title: "t", severity: severity,
              score: 1, threshold: 1, advice: nil, evidence: evidence, pack: "p@1", source: SourcePosition(file: "m.jsonl", line: line),
              recordID: "r\(line)", channel: nil, lang: "zh", tags: [])
    }

    /// Spans are UTF-8 bytes; marks are scalars of the same text. Overlapping pieces are kept
    /// apart, and a span that does not hold its excerpt marks nothing and is counted.
    @Test func spansBecomeScalarRangesAndWrongOnesAreCounted() {
        let text = "您好，我是客服，把验证码发给我"
        var report = Report()
        report.records = [Self.record(1, text)]
        let code = Self.evidence(1, text, "验证码发给我", signal: "request.sms_code")
        let send = Self.evidence(1, text, "把验证码", signal: "request.other")
        var wrong = Self.evidence(1, text, "客服")
        wrong.span = 0..<6  // «您好», not «客服»
        var cut = Self.evidence(1, text, "我是")
        cut.span = cut.span.lowerBound..<(cut.span.lowerBound + 4)  // in the middle of 是
        report.alerts = [Self.alert(.rule, line: 1, evidence: [code, send, wrong, cut])]
        let layout = ReportLayout(report)
        let marks = layout.highlights[0] ?? []
        #expect(marks.map(\.scalars) == [8..<12, 9..<15], "\(marks)")
        #expect(marks.map(\.signals) == [["request.other"], ["request.sms_code"]])
        #expect(layout.unplaced == 2)
    }

    /// An excerpt cut with "…" still marks its whole span.
    @Test func aCutExcerptMarksItsSpan() {
        let text = "abcdefghij"
        var e = Self.evidence(1, text, "cdefgh")
        e.excerpt = "cde…"
        #expect(ReportLayout.scalars(of: e, in: text) == 2..<8)
        e.excerpt = "cdx…"
        #expect(ReportLayout.scalars(of: e, in: text) == nil)
    }

    /// Records in time order (undated ones after the record before them), the alert after the
    /// last record it names, records far from any finding folded, quiet subjects counted.
    @Test func timelineOrderPlacementAndFolding() {
        var report = Report()
        report.context = 1
        report.records = (1...8).map { Self.record($0, "m\($0)", time: Int64(10 - $0) * 1000) }
            + [Self.record(9, "hello", subject: "u2", time: 0)]
        report.records[4].record.time = nil  // line 5: takes line 4's time
        report.alerts = [Self.alert(.rule, line: 6, evidence: [Self.evidence(6, "m6", "m6")])]
        let layout = ReportLayout(report)
        #expect(layout.subjects.count == 1 && layout.quietSubjects == 1)
        // Times: line 1 at 9 s ... line 8 at 2 s; line 5 undated, so at line 4's 6 s, after it.
        // Order: 8, 7, 6, 4, 5, 3, 2, 1. Line 6 is the finding; context 1 keeps 7 and 4.
        #expect(layout.subjects[0].items == [.gap(1), .record(6), .record(5), .alert(0), .record(3), .gap(4)],
                "\(layout.subjects[0].items)")
    }

    /// An attempt's pieces go under the steps that accept their signals, in order; a context
    /// fact goes with the piece after it; the model's pieces with the last step reached.
    @Test func evidenceUnderItsStep() {
        let flow = ReportFlow(id: "flow.x", steps: [
            .init(name: "pretext", signals: ["pretext.a"]), .init(name: "tooling", signals: ["tool.b", "tool.c"]),
            .init(name: "cash-out", signals: ["payment.c"]),
        ])
        var attempt = Self.alert(.flow, line: 3, evidence: [
            Self.evidence(1, "x", "x", signal: "pretext.a"), Self.evidence(2, "y", "y", signal: "context.last_city"),
            Self.evidence(2, "z", "z", signal: "tool.b"), Self.evidence(3, "w", "w", signal: "model.scam_likely", weight: 1),
        ])
        attempt.id = "flow.x"
        attempt.step = 2
        attempt.steps = ["pretext", "tooling"]
        let steps = ReportLayout.steps(of: attempt, flow: flow)
        #expect(steps.map(\.name) == ["pretext", "tooling", "cash-out"])
        #expect(steps.map { $0.evidence.map(\.excerpt) } == [["x"], ["y", "z", "w"], []])
    }
}
