import Foundation
import ScamPacks
import Testing
@testable import ScamEngine

/// Flows that correlate across events, with a manual clock: steps capture values and later
/// steps compare with them, the subject's context (where the phone is, its profile) is read and
/// expires, `same:` keeps parties apart, and a checkpoint taken mid-attempt replays exactly.
@Suite struct FlowBindingTests {
    static let minute: Int64 = 60_000
    static let start: Int64 = 1_743_570_000_000

    static func ruleSet(_ flows: String, values: String = "") throws -> RuleSet {
        let files = [PackFile(path: "pack.yaml", contents: "name: t\nversion: 1.0.0\nthreshold: 60\n" + values),
                     PackFile(path: "rules/r.yaml", contents: "[]"),
                     PackFile(path: "flows/f.yaml", contents: flows)]
        let result = PackLoader.load(files: files, root: "t", origin: .builtin)
        let pack = try #require(result.pack, "\(result.diagnostics)")
        let (set, diagnostics) = RuleSet.compile([pack])
        return try #require(set, "\(diagnostics)")
    }

    /// A manual clock and events with attributes.
    struct Harness {
        let engine: FlowEngine
        var clock: Int64 = FlowBindingTests.start
        var line = 0

        init(_ ruleSet: RuleSet) { engine = FlowEngine(flows: ruleSet.flows, values: ruleSet.values) }
        init(engine: FlowEngine) { self.engine = engine }

        mutating func advance(minutes: Int64) { clock += minutes * FlowBindingTests.minute }

        mutating func send(_ signal: String, _ attrs: [String: AttributeValue] = [:], subject: String = "d1", peer: String? = nil) -> [Alert] {
            line += 1
            let evidence = Evidence(source: SourcePosition(file: "t", line: line), time: clock, signal: signal, rule: "event",
                                    excerpt: signal, span: 0..<0, speaker: nil, recordID: nil)
            return engine.handle(SignalOccurrence(subject: subject, signal: signal, time: clock, evidence: evidence, lang: "zh",
                                                  peer: peer, attrs: attrs))
                .compactMap { if case .alert(let a) = $0 { return a } else { return nil } }
        }
    }

    static let away = """
    id: away
    title: away
    maxspan: 2h
    steps:
      - name: enabled
        any: [pay.enabled]
        where:
          channel: [offline]
          city: {differs_from: context.last_city, max_age: 30m}
        capture: {pay_city: city}
      - name: paid
        any: [pay.succeeded]
        where:
          city: {same_as: $pay_city}
          amount: {gte: 100}
        within: 30m
    alert_from: 1
    severity: [high, critical]
    escalate_when: {context.age_group: [elder, minor]}
    """
    static let values = """
    values:
      channel:
        offline: [store, pos, 门店]
    """

    @Test func captureThenCompare() throws {
        var h = Harness(try Self.ruleSet(Self.away, values: Self.values))
        _ = h.send("device.location", ["city": .string("贵阳")])
        h.advance(minutes: 10)
        let enabled = h.send("pay.enabled", ["channel": .string("门店"), "city": .string("亳州")])
        #expect(enabled.map(\.step) == [1] && enabled.first?.severity == .high, "门店 means offline; the phone is in 贵阳")
        h.advance(minutes: 5)
        #expect(h.send("pay.succeeded", ["city": .string("贵阳"), "amount": .number(300)]).isEmpty, "not in the captured city")
        #expect(h.send("pay.succeeded", ["city": .string("亳州"), "amount": .number(50)]).isEmpty, "under the amount")
        let paid = h.send("pay.succeeded", ["city": .string("亳州"), "amount": .number(300)])
        #expect(paid.first?.step == 2 && paid.first?.severity == .critical)
    }

    @Test func theTravellerIsSilent() throws {
        var h = Harness(try Self.ruleSet(Self.away, values: Self.values))
        _ = h.send("device.location", ["city": .string("亳州")])
        h.advance(minutes: 10)
        #expect(h.send("pay.enabled", ["channel": .string("store"), "city": .string("亳州")]).isEmpty)
    }

    @Test func contextFactsAgeOut() throws {
        var h = Harness(try Self.ruleSet(Self.away, values: Self.values))
        _ = h.send("device.location", ["city": .string("贵阳")])
        h.advance(minutes: 31)
        #expect(h.send("pay.enabled", ["channel": .string("pos"), "city": .string("亳州")]).isEmpty,
                "a location older than max_age is unknown, and an unknown value compares as nothing")
        h.advance(minutes: 1)
        _ = h.send("device.location", ["city": .string("贵阳")])
        #expect(h.send("pay.enabled", ["channel": .string("pos"), "city": .string("亳州")]).count == 1)
    }

    @Test func profileEscalatesAndContextOutlivesAttempts() throws {
        var h = Harness(try Self.ruleSet(Self.away, values: Self.values))
        _ = h.send("profile.set", ["age_group": .string("ELDER")])
        h.advance(minutes: 60 * 48)  // two days: past the idle TTL (24h), within the context TTL (30d)
        _ = h.send("device.location", ["city": .string("贵阳")])
        #expect(h.engine.context(of: "d1")?.ageGroup == "elder")
        let a = h.send("pay.enabled", ["channel": .string("pos"), "city": .string("亳州")])
        #expect(a.first?.severity == .critical, "high raised one level for an elder")
        h.advance(minutes: 60 * 24 * 31)
        h.engine.expire(at: h.clock)
        #expect(h.engine.context(of: "d1") == nil, "forgotten past the context TTL")
        #expect(h.engine.trackedSubjects == 0)
    }

    /// A fact is forgotten one context TTL after it was said, even while the subject stays
    /// busy (never idle), and shorter than the idle TTL.
    @Test func contextFactsExpireWhileTheSubjectIsBusy() throws {
        let ruleSet = try Self.ruleSet(Self.away, values: Self.values)
        var config = FlowConfig()
        config.contextTTL = 60 * Self.minute
        var h = Harness(engine: FlowEngine(flows: ruleSet.flows, config: config, values: ruleSet.values))
        _ = h.send("profile.set", ["age_group": .string("elder")])
        for _ in 0..<18 {  // three hours of records, ten minutes apart
            h.advance(minutes: 10)
            _ = h.send("app.foreground", ["package": .string("com.example")])
        }
        _ = h.send("device.location", ["city": .string("贵阳")])
        let a = h.send("pay.enabled", ["channel": .string("pos"), "city": .string("亳州")])
        #expect(a.first?.severity == .high, "the elder profile of three hours ago is past the 1h context TTL")
        #expect(h.engine.context(of: "d1")?.ageGroup == nil)
        #expect(h.engine.context(of: "d1")?.lastCity == "贵阳", "the place just said stays")
    }

    @Test func usualCitiesAreLearnedOverDays() throws {
        var ctx = SubjectContext()
        let day: Int64 = 86_400_000
        ctx.observe("device.location", ["city": .string("深圳")], at: Self.start)
        ctx.observe("device.location", ["city": .string("深圳")], at: Self.start + 60_000)
        #expect(ctx.list("usual_cities", at: Self.start, maxAge: nil) == [], "one day is not usual yet")
        ctx.observe("device.location", ["city": .string("深圳")], at: Self.start + day)
        ctx.observe("device.location", ["city": .string("广州")], at: Self.start + day)
        #expect(ctx.list("usual_cities", at: Self.start + day, maxAge: nil) == ["深圳"])
        for i in 0..<20 { ctx.observe("device.location", ["city": .string("c\(i)")], at: Self.start + 2 * day) }
        #expect(ctx.cities.count == SubjectContext.maxCities && ctx.cities.contains { $0.name == "深圳" }, "bounded, the usual city kept")
    }

    static let party = """
    id: party
    title: party
    same: [party]
    maxspan: 1h
    steps:
      - {name: pretext, any: [p]}
      - {name: request, any: [r], within: 30m}
      - {name: tool, any: [t], within: 30m}
    alert_from: 2
    """

    @Test func sameKeepsPartiesApart() throws {
        var h = Harness(try Self.ruleSet(Self.party))
        _ = h.send("p", peer: "95588")
        #expect(h.send("r", peer: "+86 138 0000 1111").isEmpty, "a request from another number joins no pretext")
        let a = h.send("r", peer: "95588")
        #expect(a.count == 1)
        #expect(h.send("t").first?.step == 3, "a device event (no peer) continues the attempt")
        // Two parties at once: each attempt reaches step 2 on its own.
        var h2 = Harness(try Self.ruleSet(Self.party))
        _ = h2.send("p", peer: "A")
        _ = h2.send("p", peer: "B")
        #expect(h2.send("r", peer: "A").count == 1)
        #expect(h2.send("r", peer: "B").count == 1, "B's attempt is not blocked by A's")
    }

    static let drain = """
    id: drain
    title: drain
    maxspan: 24h
    steps:
      - name: enabled
        any: [pf.enabled]
        capture: {merchant: merchant}
      - name: drain
        count: {signal: pf.charged, at_least: 5, within: 10m, total: {of: amount, at_least: 500}}
        where:
          merchant: {same_as: $merchant}
        within: 24h
    alert_from: 2
    """

    @Test func countOrTotalOfTheCapturedMerchant() throws {
        var h = Harness(try Self.ruleSet(Self.drain))
        _ = h.send("pf.enabled", ["merchant": .string("M")])
        for _ in 0..<6 { h.advance(minutes: 1); #expect(h.send("pf.charged", ["merchant": .string("X"), "amount": .number(300)]).isEmpty) }
        h.advance(minutes: 1); _ = h.send("pf.charged", ["merchant": .string("M"), "amount": .number(250)])
        h.advance(minutes: 1)
        #expect(h.send("pf.charged", ["merchant": .string("M"), "amount": .number(260)]).count == 1, "510 in two charges")
    }

    @Test func replayAfterACheckpointEqualsOneRun() throws {
        let ruleSet = try Self.ruleSet(Self.away, values: Self.values)
        let events: [(String, [String: AttributeValue], Int64)] = [
            ("profile.set", ["age_group": .string("minor")], 0),
            ("device.location", ["city": .string("贵阳"), "lat": .number(26.6), "lon": .number(106.7)], 5),
            ("pay.enabled", ["channel": .string("门店"), "city": .string("亳州")], 10),
            ("pay.succeeded", ["city": .string("亳州"), "amount": .number(900)], 15),
        ]
        func run(_ slice: ArraySlice<(String, [String: AttributeValue], Int64)>, on engine: FlowEngine) -> [String] {
            var out: [String] = []
            for (i, (signal, attrs, minutes)) in slice.enumerated() {
                let t = Self.start + minutes * Self.minute
                let e = Evidence(source: SourcePosition(file: "t", line: slice.startIndex + i + 1), time: t, signal: signal, rule: "event",
                                 excerpt: "", span: 0..<0, speaker: nil, recordID: nil)
                for case .alert(let a) in engine.handle(SignalOccurrence(subject: "d1", signal: signal, time: t, evidence: e, lang: "zh", attrs: attrs)) {
                    out.append(a.alertID + "/" + a.severity.rawValue)
                }
            }
            return out
        }
        let clean = run(events[...], on: FlowEngine(flows: ruleSet.flows, values: ruleSet.values))
        #expect(clean.count == 2)
        for cut in 1..<events.count {
            let first = FlowEngine(flows: ruleSet.flows, values: ruleSet.values)
            let before = run(events[..<cut], on: first)
            let snapshot = try JSONDecoder().decode(FlowSnapshot.self, from: JSONEncoder().encode(first.snapshot()))
            let second = FlowEngine(flows: ruleSet.flows, values: ruleSet.values)
            second.restore(snapshot)
            #expect(before + run(events[cut...], on: second) == clean, "killed after \(cut) events")
        }
    }
}
