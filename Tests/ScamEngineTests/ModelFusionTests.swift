import ScamPacks
import Testing
@testable import ScamEngine

/// The learned scorer inside the engine, with a hand-made model whose weights are known: the
/// fusion rule raises, escalates and demotes as the pack says, explains with spans into the
/// original text, and feeds flows (`model.scam_likely`) but not with a demoted unit's hits.
@Suite struct ModelFusionTests {
    static let rules = """
    - {id: r.claim, title: Claim, signal: s.claim, match: '客服', score: 30, examples: {match: ['客服'], no_match: ['x']}}
    - {id: r.ask, title: Ask, signal: s.ask, match: '验证码', score: 30, examples: {match: ['验证码'], no_match: ['x']}}
    """
    static let modelPack = """
    name: m
    version: 1.0.0
    threshold: 60
    model:
      file: model/m.sfmodel
      threshold: 0.5
      title: {zh: 模型, en: Model}
      raise:
        - {p_at_least: 0.9, signals_at_least: 1}
      escalate:
        - {p_at_least: 0.999}
      demote:
        - {p_below: 0.1, cue: [reported]}
      examples: {alert: ['客服让你转账'], silent: ['刚才有人打电话说是客服要验证码']}
    """
    static let flows = """
    id: flow.model-then-pay
    title: Model then pay
    maxspan: 1h
    steps:
      - {name: words, any: [model.scam_likely, s.ask]}
      - {name: pay, any: [payment.transfer], within: 30m}
    alert_from: 2
    """

    static func model() -> ModelFile {
        var m = ModelFile()
        m.bias = -3
        m.textScale = 0
        m.cues = [.init(name: "reported", scope: .before, pattern: "有人打电话说")]
        m.signals = ["s.ask", "s.claim"]
        m.weights = [.init(key: "h2:转账", weight: 6, n: 1), .init(key: "s:s.claim", weight: 1, n: 1),
                     .init(key: "h2:立即", weight: 4, n: 1), .init(key: "c:reported", weight: -5, n: 1)]
        return m
    }

    static func ruleSet(flows: Bool = false, model: String = ModelFusionTests.model().encode()) throws -> (RuleSet?, [Diagnostic]) {
        var ruleFiles = [PackFile(path: "pack.yaml", contents: "name: r\nversion: 1.0.0\nthreshold: 60\nlanguages: [zh]\n"),
                         PackFile(path: "rules/r.yaml", contents: rules)]
        if flows { ruleFiles.append(PackFile(path: "flows/f.yaml", contents: Self.flows)) }
        let r = PackLoader.load(files: ruleFiles, root: "r", origin: .builtin)
        let m = PackLoader.load(files: [PackFile(path: "pack.yaml", contents: modelPack), PackFile(path: "model/m.sfmodel", contents: model)],
                                root: "m", origin: .builtin)
        let packs = try [#require(r.pack, "\(r.diagnostics)"), #require(m.pack, "\(m.diagnostics)")]
        return RuleSet.compile(packs)
    }

    func alerts(_ texts: [String], keepsInfo: Bool = false) throws -> [Alert] {
        let scan = MessageScan(ruleSet: try #require(Self.ruleSet().0))
        scan.assessor.keepsInfo = keepsInfo
        var out: [Alert] = []
        for (i, text) in texts.enumerated() { out += scan.add(Record(text: text, source: SourcePosition(file: "f", line: i + 1))) }
        return out + scan.finish()
    }

    @Test func raisesWhatTheRulesMissWithSpans() throws {
        let text = "客服让你转 账"
        let alert = try #require(try alerts([text]).first)
        #expect(alert.kind == .model && alert.id == Assessor.modelAlertID && alert.title == "模型")
        #expect(alert.model?.effect == .raised && (alert.model?.probability ?? 0) > 0.98)
        #expect(alert.evidence.map(\.rule) == ["r.claim", Assessor.modelAlertID])
        let ngram = try #require(alert.evidence.last)
        #expect(ngram.excerpt == "转 账", "the excerpt is the original text, space included")
        #expect(String(decoding: Array(text.utf8)[ngram.span], as: UTF8.self) == "转 账")
        #expect(ngram.weight == 6)
        #expect(alert.model?.features.map(\.key) == ["s:s.claim"])
    }

    @Test func staysSilentBelowTheLine() throws {
        #expect(try alerts(["让你转账"]).isEmpty, "p is high but no rule saw a part of a scam: `signals_at_least: 1`")
        #expect(try alerts(["客服你好"]).isEmpty)
    }

    @Test func demotesARetelling() throws {
        let text = "刚才有人打电话说是客服要验证码"
        #expect(try alerts([text]).isEmpty, "rules reach 60, but the model finds a retelling")
        let info = try #require(try alerts([text], keepsInfo: true).first)
        #expect(info.severity == .info && info.model?.effect == .demoted && ["r.claim", "r.ask"].contains(info.id))
        #expect(try alerts(["客服要验证码"]).first?.severity == .medium, "the same words told to the victim")
    }

    @Test func escalates() throws {
        let alert = try #require(try alerts(["客服要验证码，立即转账"]).first)
        #expect(alert.kind == .rule && alert.severity == .high && alert.model?.effect == .escalated)
        #expect(alert.evidence.contains { $0.rule == Assessor.modelAlertID && $0.excerpt == "立即转账" },
                "立即 and 转账 touch: one excerpt with both weights")
    }

    @Test func modelAloneAndRulesAlone() throws {
        let scan = MessageScan(ruleSet: try #require(Self.ruleSet().0))
        scan.assessor.modelAlone = true
        #expect(scan.add(Record(text: "让你转账", source: SourcePosition(file: "f", line: 1))).first?.kind == .model)
        let rules = MessageScan(ruleSet: try #require(Self.ruleSet().0))
        rules.assessor.usesModel = false
        #expect(rules.add(Record(text: "客服让你转账", source: SourcePosition(file: "f", line: 1))).isEmpty)
    }

    @Test func flowsHearTheModelButNotARetelling() throws {
        let ruleSet = try #require(Self.ruleSet(flows: true).0)
        func run(_ text: String) -> [Alert] {
            let stream = StreamProcessor(ruleSet: ruleSet)
            var out: [Alert] = []
            out += stream.process(Record(text: text, source: SourcePosition(file: "-", line: 1), time: 1_000, subject: "u")).alerts
            out += stream.process(Record(text: nil, source: SourcePosition(file: "-", line: 2), time: 60_000, channel: "event",
                                         subject: "u", event: "payment.transfer")).alerts
            return out.filter { $0.kind == .flow }
        }
        #expect(run("客服让你转账").count == 1, "model.scam_likely starts the flow")
        #expect(run("客服要验证码").count == 1, "the rule's signal starts it too")
        #expect(run("刚才有人打电话说是客服要验证码").isEmpty, "a demoted retelling feeds no flow")
    }

    @Test func brokenModelsAreDiagnosed() throws {
        let damaged = String(Self.model().encode().dropLast(10))
        let (set, diagnostics) = try Self.ruleSet(model: damaged)
        #expect(set == nil)
        #expect(diagnostics.contains { $0.code == .badModel && $0.location.file == "m/model/m.sfmodel" }, "\(diagnostics)")

        var noCue = Self.model()
        noCue.cues = []
        let (set2, diagnostics2) = try Self.ruleSet(model: noCue.encode())
        #expect(set2 == nil && diagnostics2.contains { $0.message.contains("no cue `reported`") }, "\(diagnostics2)")

        let missing = PackLoader.load(files: [PackFile(path: "pack.yaml", contents: Self.modelPack)], root: "m", origin: .builtin)
        #expect(missing.pack == nil && missing.diagnostics.contains { $0.code == .badModel })
    }

    @Test func staleModelWarns() throws {
        var other = Self.model()
        other.signals = ["s.ask", "s.gone"]
        let (set, diagnostics) = try Self.ruleSet(model: other.encode())
        #expect(set != nil)
        let stale = try #require(diagnostics.first { $0.code == .staleModel })
        #expect(stale.severity == .warning && stale.message.contains("s.claim") && stale.message.contains("s.gone"))
    }
}
