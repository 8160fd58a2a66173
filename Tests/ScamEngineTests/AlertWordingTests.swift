import ScamPacks
import Testing
@testable import ScamEngine

/// Wording that fits: a title and advice name what the message itself named (slots filled from
/// the rule's named groups), lint refuses a slot the pattern cannot fill, and an alert keeps the
/// local time its input gave (a flow's, that of its latest step).
@Suite struct AlertWordingTests {
    static let rules = """
    - id: t.support
      title: 自称{platform}客服
      signal: pretext.support_impersonation
      match: '(?:我是|这里是)(?<platform>微信|支付宝|抖音|vx)[^。\\n]{0,4}?客服'
      score: 30
      examples: {match: ['我是支付宝客服'], no_match: ['你好']}
    - id: t.app
      title: 要求下载会议软件（{app|会议软件}）
      signal: instruct.install_app
      match: '下载(?:一个)?(?:(?<app>腾讯会议|zoom)|会议软件)'
      score: 60
      advice:
        zh: 客服不会让你下载“{app|会议软件}”处理账户问题。
        en: No support desk has you install a meeting app.
      examples: {match: ['下载腾讯会议'], no_match: ['开会']}
    - id: t.name
      title: 自称“{who}”
      signal: s.name
      match: '我叫(?<who>[^,。]{1,12})'
      score: 5
      examples: {match: ['我叫王芳'], no_match: ['你好']}
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

    /// The hits of one record, and the rules they belong to.
    func hits(_ text: String) throws -> (RuleSet, [Hit]) {
        let set = try #require(try Self.ruleSet().0)
        return (set, Scanner(ruleSet: set).scan(record(text)).hits)
    }

    @Test func titleNamesWhatTheMessageNamed() throws {
        let found = try alerts([record("您好，我是抖音官方客服，请下载ＺＯＯＭ")])
        #expect(found.map(\.title) == ["要求下载会议软件（ＺＯＯＭ）"], "the top rule's title, filled from its own hit, as written")
        #expect(found.first?.advice == "客服不会让你下载“ＺＯＯＭ”处理账户问题。")
        let (set, hits) = try self.hits("這裡是支付寶客服")
        let hit = try #require(hits.first)
        #expect(set.rules[hit.rule].title(filling: hit.captures) == "自称支付寶客服", "traditional script matched simplified, shown as written")
    }

    @Test func slotsAreTrimmed() throws {
        let (set, hits) = try self.hits("大家好，我叫  王芳 ，是你的新邻居")
        let hit = try #require(hits.first { set.rules[$0.rule].id == "t.name" })
        #expect(hit.captures == ["who": "王芳"])
    }

    @Test func fallbackWhenTheGroupTookNoPart() throws {
        let (set, hits) = try self.hits("请下载会议软件")
        let hit = try #require(hits.first)
        let rule = set.rules[hit.rule]
        #expect(hit.captures.isEmpty)
        #expect(rule.title(filling: hit.captures) == "要求下载会议软件（会议软件）")
        #expect(rule.advice("zh", filling: hit.captures) == "客服不会让你下载“会议软件”处理账户问题。")
        let named = try #require(try self.hits("请下载腾讯会议").1.first)
        #expect(named.captures == ["app": "腾讯会议"])
        #expect(rule.advice("zh", filling: named.captures) == "客服不会让你下载“腾讯会议”处理账户问题。")
        #expect(rule.advice("en", filling: named.captures) == "No support desk has you install a meeting app.")
        #expect(rule.advice("fr", filling: named.captures) == "No support desk has you install a meeting app.", "else English")
    }

    @Test func aSlotWithoutItsGroupIsAnError() throws {
        let rules = """
        - id: t.bad
          title: 自称{bank}客服
          signal: s.a
          match: '(?:我是|这里是)(?<platform>微信|支付宝)客服'
          score: 30
          advice: {zh: '{{platform.name}}客服不会来电'}
          examples: {match: ['我是微信客服'], no_match: ['你好']}
        """
        let (set, diagnostics) = try Self.ruleSet(rules)
        #expect(set == nil, "a rule whose words cannot be filled does not load")
        let slots = diagnostics.filter { $0.code == .unknownSlot }
        #expect(slots.count == 2)
        #expect(slots.allSatisfy { $0.severity == .error && $0.ruleID == "t.bad" })
        #expect(slots.contains { $0.message.contains("`{bank}`") && $0.hint.contains("platform") && $0.location.line == 2 })
        #expect(slots.contains { $0.message.contains("{{platform.name}}") && $0.location.line == 6 })
    }

    @Test func braceThatIsNoSlotStaysText() throws {
        let rules = """
        - id: t.brace
          title: 价格{大约}与 {x y}
          signal: s.a
          match: '价格'
          score: 60
          examples: {match: ['价格'], no_match: ['你好']}
        """
        let (set, diagnostics) = try Self.ruleSet(rules)
        #expect(set != nil, "\(diagnostics)")
        #expect(set?.rules.first?.slots == nil)
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
