import Foundation
import ScamPacks
import Testing
@testable import ScamEngine
@testable import ScamLearn

/// Training: it learns what separates scams from the rest, gives the same bytes for the same
/// data, holds out what it is told to, continues an existing model, and calibrates.
@Suite struct LearnerTests {
    static func ruleSet() throws -> RuleSet {
        let rules = """
        - {id: r.code, title: Code, signal: request.sms_code, match: '验证码|\\bcode\\b', score: 30, examples: {match: ['验证码'], no_match: ['x']}}
        """
        let r = PackLoader.load(files: [PackFile(path: "pack.yaml", contents: "name: r\nversion: 1.0.0\nthreshold: 60\n"),
                                        PackFile(path: "rules/r.yaml", contents: rules)], root: "r", origin: .builtin)
        let pack = try #require(r.pack)
        return try #require(RuleSet.compile([pack]).0)
    }

    /// Synthetic messages: scams ask to transfer to a safe account or read out a code; the rest
    /// talk about dinner, or warn about those scams.
    static func records(_ count: Int, seed: UInt64 = 1) -> [TrainingRecord] {
        var rng = SplitMix64(seed: seed)
        let scams = ["请把钱转到安全账户", "马上转账到安全账户", "把验证码念给我", "Read me the code we sent, it is urgent", "transfer it to the safe account now"]
        let benign = ["今晚一起吃饭吗", "明天开会别迟到", "Dinner at seven?", "谨防诈骗：安全账户都是骗局", "Never share your code with anyone"]
        let fillers = ["好的", "谢谢", "ok", "收到", "嗯"]
        return (0..<count).map { i in
            let scam = i % 3 == 0
            let pool = scam ? scams : benign
            let text = pool[Int(rng.next() % UInt64(pool.count))] + " " + fillers[Int(rng.next() % 5)] + " \(i)"
            return TrainingRecord(record: Record(text: text, source: SourcePosition(file: "t", line: i + 1), id: "t/\(i)"),
                                  label: EvalLabel(truth: scam ? .scam : .benign), source: "t")
        }
    }

    static let cues: [ModelFile.CueSpec] = [.init(name: "warning", scope: .record, pattern: "诈骗|骗局|never")]

    func options() -> LearnOptions {
        var o = LearnOptions()
        o.cues = Self.cues
        o.textScale = 0.5
        o.l1 = 0.05
        return o
    }

    func probability(_ model: ModelFile, _ text: String, ruleSet: RuleSet) throws -> Double {
        let scorer = try ScoringModel(model)
        let scanner = Scanner(ruleSet: ruleSet)
        scanner.modelCues = scorer.cues
        var hits: [Hit] = [], failures: [RuleFailure] = [], guarded: [Int32] = []
        var input: ModelInput?
        scanner.scan(Record(text: text, source: SourcePosition(file: "x", line: 1)), hits: &hits, failures: &failures, guarded: &guarded, model: &input)
        let vector = Assessor(ruleSet: ruleSet).modelVector(hits, guarded: guarded, input: try #require(input)).vector
        return model.calibration.probability(ModelFeatures.margin(vector, model: scorer))
    }

    @Test func learnsAndIsDeterministic() throws {
        let ruleSet = try Self.ruleSet()
        let data = Self.records(300)
        let (a, report) = try Learner(ruleSet: ruleSet, options: options()).learn(data)
        let (b, _) = try Learner(ruleSet: ruleSet, options: options()).learn(data)
        #expect(a.encode() == b.encode(), "same data, same bytes")
        #expect(try probability(a, "请立即转账到安全账户", ruleSet: ruleSet) > 0.8)
        #expect(try probability(a, "今晚吃饭", ruleSet: ruleSet) < 0.2)
        #expect(try probability(a, "谨防诈骗：安全账户都是骗局", ruleSet: ruleSet) < 0.5, "the warning cue outweighs the words")
        #expect(report.outOfFold.count == 300)
        #expect(report.tally(source: nil) { $0.probability >= 0.5 }.recall ?? 0 > 0.95)
        #expect(a.trained.count == 300 && a.wasTrained(on: data[7].record.text!))
        #expect(a.signals == ["request.sms_code"])
        #expect(a.weights.contains { $0.key == "s:request.sms_code" })
    }

    @Test func holdsOutByID() throws {
        let data = Self.records(1000)
        var o = options()
        o.holdout = 20
        let (model, report) = try Learner(ruleSet: try Self.ruleSet(), options: o).learn(data)
        let held = try #require(report.sources["t"]).heldOut
        #expect((150...250).contains(held), "about 20%: \(held)")
        for item in data where Learner.isHeldOut(item.record, percent: 20) { #expect(!model.wasTrained(on: item.record.text!)) }
        #expect(model.split?.contains("20%") == true)
    }

    @Test func updateLearnsANewPattern() throws {
        let ruleSet = try Self.ruleSet()
        let (base, _) = try Learner(ruleSet: ruleSet, options: options()).learn(Self.records(300))
        let base2 = try ModelFile.parse(base.encode(), keys: true)
        let novel = "帮我充一张游戏点卡"
        let before = try probability(base2, novel, ruleSet: ruleSet)
        let reports = (0..<20).map { i in
            TrainingRecord(record: Record(text: novel + " \(i)", source: SourcePosition(file: "u", line: i + 1)), label: EvalLabel(truth: .scam), source: "u")
        } + Self.records(20, seed: 9)
        let (updated, _) = try Learner(ruleSet: ruleSet, options: options()).learn(reports, updating: base2)
        #expect(try probability(updated, novel, ruleSet: ruleSet) > before + 0.2)
        #expect(updated.calibration == base.calibration && updated.cues == base.cues, "an update keeps cues and calibration")
        #expect(updated.trained.count > base.trained.count)
        #expect(try probability(updated, "今晚吃饭", ruleSet: ruleSet) < 0.3, "what it knew stays")
    }

    @Test func needsBothClasses() throws {
        let only = Self.records(30).filter { $0.label.truth == .benign }
        #expect(throws: LearnError.self) { try Learner(ruleSet: try Self.ruleSet(), options: options()).learn(only) }
    }

    @Test func plattRecoversAKnownCalibration() {
        var rng = SplitMix64(seed: 3)
        var margins: [Double] = [], labels: [Bool] = []
        for _ in 0..<20000 {
            let m = Double(rng.next() % 2000) / 200 - 5
            let p = 1 / (1 + exp(-(2 * m - 1)))
            margins.append(m)
            labels.append(Double(rng.next() % 1_000_000) / 1_000_000 < p)
        }
        let c = PlattScaling.fit(margins: margins, labels: labels)
        #expect(abs(c.a - 2) < 0.15 && abs(c.b + 1) < 0.15, "\(c)")
    }
}
