import ScamPacks
import Testing
@testable import ScamEngine

/// An alert keeps the local time its input gave: the UTC offset of its latest evidence's
/// record (a flow's, that of its latest step).
@Suite struct AlertWordingTests {
    static let rules = """
    - id: t.support
      title: 自称平台客服
      signal: pretext.support_impersonation
      match: '(?:我是|这里是)(?:微信|支付宝|抖音|vx)[^。\\n]{0,4}?客服'
      score: 30
      examples: {match: ['我是支付宝客服'], no_match: ['你好']}
    - id: t.app
      title: 要求下载会议软件
      signal: instruct.install_app
      match: '下载(?:一个)?(?:腾讯会议|zoom|会议软件)'
      score: 60
      examples: {match: ['下载腾讯会议'], no_match: ['开会']}
    """

    static func ruleSet(_ rules: String = rules, flows: String? = nil) throws -> (RuleSet?, [Diagnostic]) {
        var files = [PackFile(path: "pack.yaml", contents: "name: t\nversion: 1.0.0\nthreshold: 60\nlanguages: [zh]\n"),
                     PackFile(path: "rules/r.yaml", contents: rules)]
        if let flows { files.append(PackFile(path: "flows/f.yaml", contents: flows)) }
        let result = PackLoader.load(files: files, root: "t", origin: .builtin)
        let pack = try #require(result.pack, "\(result.diagnostics)")
        return RuleSet.compile([pack])
    }

    func alerts(_ records: [Record], flows: String? = nil) throws -> [Alert] {
        let (set, diagnostics) = try Self.ruleSet(flows: flows)
        let scan = MessageScan(ruleSet: try #require(set, "\(diagnostics)"))
        var out: [Alert] = []
        for record in records { out += scan.add(record) }
        return out + scan.finish() + scan.flowAlerts()
    }

    func record(_ text: String, line: Int = 1, time: String? = nil) -> Record {
        let zoned = time.flatMap(Timestamp.parseZoned)
        return Record(text: text, source: SourcePosition(file: "f", line: line), time: zoned?.millis, utcOffset: zoned?.utcOffset,
                      subject: "u1")
    }

    @Test func ruleAlertKeepsTheLocalTime() throws {
        let alert = try #require(try alerts([record("请下载腾讯会议", time: "2025-03-06T18:15:00+08:00")]).first)
        #expect(alert.time == 1_741_256_100_000)
        #expect(alert.utcOffset == 480)
        let noZone = try #require(try alerts([record("请下载腾讯会议", time: "2025-03-06 10:15:00")]).first)
        #expect(noZone.time != nil && noZone.utcOffset == nil)
    }

    @Test func flowAlertTakesTheLocalTimeOfItsLatestStep() throws {
        let flow = """
        id: flow.t
        title: t
        maxspan: 2h
        steps:
          - {name: claim, any: [pretext.support_impersonation]}
          - {name: app, any: [instruct.install_app], within: 1h}
        alert_from: 2
        severity: [medium, high]
        """
        let found = try alerts([record("我是微信客服", line: 1, time: "2025-03-06T18:15:00+08:00"),
                                record("请下载腾讯会议", line: 2, time: "2025-03-06T05:20:00-05:30")], flows: flow)
        let alert = try #require(found.first { $0.kind == .flow })
        #expect(alert.time == Timestamp.parse("2025-03-06T10:50:00Z"))
        #expect(alert.utcOffset == -330, "the second step's offset, not the first's")
    }

    @Test func latestTimeIgnoresPiecesWithoutTime() {
        func piece(_ time: Int64?, _ offset: Int?) -> Evidence {
            Evidence(source: SourcePosition(file: "f", line: 1), time: time, utcOffset: offset, signal: "s", rule: "r", excerpt: "",
                     span: 0..<0, speaker: nil, recordID: nil)
        }
        let latest = Alert.latestTime(of: [piece(5, 60), piece(nil, nil), piece(9, nil), piece(9, -300), piece(3, 0)])
        #expect(latest.time == 9)
        #expect(latest.utcOffset == -300, "among pieces of the latest time, the first with an offset")
        #expect(Alert.latestTime(of: []).time == nil)
    }
}
