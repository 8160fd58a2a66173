import Testing
@testable import ScamEngine

/// One scam, one alert (`AlertMerger`).
@Suite struct AlertMergerTests {
    func alert(_ kind: Alert.Kind, _ id: String, _ severity: Severity, line: Int = 3, subject: String? = "u1",
               rule: String? = nil) -> Alert {
        let e = Evidence(source: SourcePosition(file: "m.jsonl", line: line), time: nil, signal: "s.\(id)", rule: rule ?? id,
                         excerpt: "验证码", span: 0..<9, speaker: nil, recordID: "r\(line)")
        var a = Alert(time: nil, alertID: "id-\(id)", subject: subject, kind: kind, id: id, title: "t \(id)", severity: severity,
                      score: 1, threshold: 1, advice: nil, evidence: [e], pack: "p@1", source: SourcePosition(file: "m.jsonl", line: line),
                      recordID: "r\(line)", channel: nil, lang: "zh", tags: [id])
        if kind == .flow { a.step = 2; a.stepName = "request" }
        return a
    }

    @Test func aMessageAndAFlowAlertOnOneRecordAreOne() {
        let merged = AlertMerger.merged([alert(.rule, "rule.a", .high), alert(.flow, "flow.b", .medium)])
        #expect(merged.count == 1)
        #expect(merged[0].id == "rule.a" && merged[0].alertID == "id-rule.a", "the higher severity stands")
        #expect(merged[0].related.map(\.id) == ["flow.b"] && merged[0].related[0].step == 2 && merged[0].related[0].alertID == "id-flow.b")
        #expect(merged[0].evidence.count == 1 && merged[0].evidence[0].rules == ["rule.a", "flow.b"], "one excerpt, both reasons")
        #expect(merged[0].tags == ["rule.a", "flow.b"])
    }

    /// A record without subject: its flows key it by its position, its message alert by none.
    @Test func aRecordWithoutSubjectFoldsToo() {
        let merged = AlertMerger.merged([alert(.rule, "rule.a", .high, subject: nil), alert(.flow, "flow.b", .medium, subject: "m.jsonl:3")])
        #expect(merged.count == 1 && merged[0].id == "rule.a" && merged[0].related.map(\.id) == ["flow.b"])
        #expect(AlertMerger.merged([alert(.rule, "a", .high, subject: nil), alert(.flow, "b", .high, line: 4, subject: "m.jsonl:4")]).count == 2)
    }

    @Test func onATieTheFlowStands() {
        let merged = AlertMerger.merged([alert(.rule, "rule.a", .high), alert(.flow, "flow.b", .high)])
        #expect(merged.map(\.id) == ["flow.b"] && merged[0].related.map(\.id) == ["rule.a"])
    }

    @Test func otherRecordsSubjectsAndInfoStayApart() {
        #expect(AlertMerger.merged([alert(.rule, "a", .high, line: 3), alert(.flow, "b", .high, line: 4)]).count == 2)
        #expect(AlertMerger.merged([alert(.rule, "a", .high, subject: "u1"), alert(.flow, "b", .high, subject: "u2")]).count == 2)
        #expect(AlertMerger.merged([alert(.rule, "a", .info), alert(.flow, "b", .high)]).count == 2)
    }

    @Test func orderIsEachGroupsFirstAlert() {
        let merged = AlertMerger.merged([alert(.rule, "a", .medium, line: 1), alert(.rule, "b", .medium, line: 2),
                                         alert(.flow, "c", .high, line: 1)])
        #expect(merged.map(\.id) == ["c", "b"])
    }
}
