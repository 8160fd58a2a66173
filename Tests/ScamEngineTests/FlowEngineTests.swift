import ScamPacks
import Testing
@testable import ScamEngine

/// The flow engine as a pure state machine: signals with explicit event times in, actions out.
/// Time is whatever the test says it is (a manual clock), never the wall clock.
@Suite struct FlowEngineTests {
    static let minute: Int64 = 60_000

    static func flow(_ yaml: String) throws -> CompiledFlow {
        let files = [PackFile(path: "pack.yaml", contents: "name: t\nversion: 1.0.0\nthreshold: 60\n"),
                     PackFile(path: "rules/r.yaml", contents: "[]"),
                     PackFile(path: "flows/f.yaml", contents: yaml)]
        let result = PackLoader.load(files: files, root: "t", origin: .builtin)
        let pack = try #require(result.pack, "\(result.diagnostics)")
        let (ruleSet, diagnostics) = RuleSet.compile([pack])
        return try #require(ruleSet?.flows.first, "\(diagnostics)")
    }

    static let fourSteps = """
    id: f
    title: F
    maxspan: 2h
    steps:
      - {name: pretext, any: [p]}
      - {name: tooling, any: [t], within: 30m}
      - {name: takeover, any: [k], within: 30m}
      - {name: cashout, any: [c], within: 30m}
    until: [stop]
    alert_from: 2
    severity: [medium, high, critical]
    """

    /// A manual clock and a one-line way to send signals.
    struct Harness {
        let engine: FlowEngine
        var clock: Int64 = 1_741_227_300_000
        var line = 0

        init(_ flows: [CompiledFlow], config: FlowConfig = FlowConfig()) { engine = FlowEngine(flows: flows, config: config) }

        mutating func advance(minutes: Int64) { clock += minutes * FlowEngineTests.minute }

        mutating func send(_ signal: String, subject: String = "u1", at time: Int64? = nil) -> [Alert] {
            line += 1
            let evidence = Evidence(source: SourcePosition(file: "t", line: line), time: time ?? clock, signal: signal, rule: "r.\(signal)",
                                    excerpt: signal, span: 0..<1, speaker: nil, recordID: nil)
            return engine.handle(SignalOccurrence(subject: subject, signal: signal, time: time ?? clock, evidence: evidence, lang: "zh"))
                .compactMap { if case .alert(let a) = $0 { return a } else { return nil } }
        }
    }

    @Test func escalatesAtEachStepFromAlertFrom() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        #expect(h.send("p").isEmpty)
        h.advance(minutes: 5)
        let a2 = h.send("t")
        #expect(a2.map(\.step) == [2] && a2.first?.severity == .medium && a2.first?.stepName == "tooling")
        h.advance(minutes: 5)
        #expect(h.send("k").first?.severity == .high)
        h.advance(minutes: 5)
        let a4 = h.send("c")
        #expect(a4.first?.severity == .critical)
        #expect(a4.first?.evidence.map(\.signal) == ["p", "t", "k", "c"], "evidence from every step")
        #expect(a4.first?.steps == ["pretext", "tooling", "takeover", "cashout"])
        #expect(Set([a2[0].alertID, a4[0].alertID]).count == 2)
        #expect(a2[0].attemptID == a4[0].attemptID)
    }

    @Test func stepOutsideItsWindowDoesNotAdvance() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p")
        h.advance(minutes: 31)
        #expect(h.send("t").isEmpty)
    }

    @Test func maxspanBoundsTheWholeFlow() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p")
        for _ in 0..<4 { h.advance(minutes: 29); _ = h.send("p") }  // refreshes keep step 1 alive...
        h.advance(minutes: 10)
        #expect(h.send("t").isEmpty, "...but not beyond maxspan from the first signal (126 min > 2h)")
    }

    @Test func wrongOrderDoesNotAlert() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        #expect(h.send("t").isEmpty)
        #expect(h.send("k").isEmpty)
        #expect(h.send("p").isEmpty)
    }

    @Test func subjectsAreKeptApart() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p", subject: "u1")
        #expect(h.send("t", subject: "u2").isEmpty)
        #expect(h.send("t", subject: "u1").count == 1)
    }

    @Test func untilCancels() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p")
        _ = h.send("stop")
        #expect(h.send("t").isEmpty)
    }

    @Test func repeatedSignalsNeverDuplicateAnAlert() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p"); _ = h.send("p"); _ = h.send("p")
        #expect(h.send("t").count == 1)
        #expect(h.send("t").isEmpty, "a second tooling signal does not report the same scam again")
        #expect(h.send("k").count == 1)
        #expect(h.send("c").count == 1)
        #expect(h.send("c").isEmpty, "a finished attempt swallows trailing cash-out signals")
    }

    @Test func overlappingAttemptsAreKeptApart() throws {
        // A first attempt stalls at step 2; a later pretext starts a second attempt that must
        // not be merged into the first, and the first still completes on its own signals.
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p")
        _ = h.send("t")
        h.advance(minutes: 40)  // the first attempt's takeover window is over
        _ = h.send("p")
        h.advance(minutes: 1)
        let second = h.send("t")
        #expect(second.count == 1, "a new scam attempt after the first went stale alerts on its own")
        #expect(h.engine.activeAttempts == 1, "the stale attempt was expired, not overwritten")
    }

    @Test func countStep() throws {
        let drain = try Self.flow("""
        id: d
        title: D
        maxspan: 1d
        steps:
          - {name: enabled, any: [e]}
          - {name: drain, count: {signal: x, at_least: 3, within: 10m}}
        alert_from: 2
        severity: [high]
        """)
        var h = Harness([drain])
        _ = h.send("e")
        _ = h.send("x"); h.advance(minutes: 6)
        _ = h.send("x"); h.advance(minutes: 6)
        #expect(h.send("x").isEmpty, "the first charge fell out of the 10-minute window")
        h.advance(minutes: 1)
        let alerts = h.send("x")
        #expect(alerts.count == 1 && alerts.first?.severity == .high)
    }

    @Test func lateSignalsBeyondToleranceAreDropped() throws {
        var config = FlowConfig()
        config.tolerance = 2 * Self.minute
        var h = Harness([try Self.flow(Self.fourSteps)], config: config)
        _ = h.send("p")
        h.advance(minutes: 10)
        _ = h.send("p")
        #expect(h.send("t", at: h.clock - 5 * Self.minute).isEmpty)
        #expect(h.engine.lateSignals == 1)
        #expect(h.send("t", at: h.clock - 1 * Self.minute).count == 1, "within the tolerance, out of order is fine")
    }

    @Test func subjectCapEvictsTheLeastRecentlyActive() throws {
        var config = FlowConfig()
        config.maxSubjects = 100
        var h = Harness([try Self.flow(Self.fourSteps)], config: config)
        for i in 0..<150 { h.advance(minutes: 1); _ = h.send("p", subject: "s\(i)") }
        #expect(h.engine.trackedSubjects <= 100)
        #expect(h.engine.evictions >= 50)
        #expect(h.send("t", subject: "s149").count == 1, "recent subjects survive")
        #expect(h.send("t", subject: "s0").isEmpty, "the oldest were evicted")
    }

    @Test func idleSubjectsExpire() throws {
        var h = Harness([try Self.flow(Self.fourSteps)])
        _ = h.send("p")
        h.engine.expire(at: h.clock + 25 * 3_600_000)
        #expect(h.engine.trackedSubjects == 0)
    }

    @Test func aSubjectIdlePastTheTTLStartsAfreshOnItsNextSignal() throws {
        let slow = try Self.flow("""
        id: slow
        title: Slow
        maxspan: 6h
        steps:
          - {name: pretext, any: [p]}
          - {name: request, any: [r], within: 5h}
        alert_from: 2
        """)
        var config = FlowConfig()
        config.idleTTL = 60 * Self.minute
        var h = Harness([slow], config: config)
        _ = h.send("p")
        h.advance(minutes: 120)
        #expect(h.send("r").isEmpty, "two hours idle with a one-hour TTL: the pretext is forgotten, sweep or not")
        var keep = Harness([slow])
        _ = keep.send("p")
        keep.advance(minutes: 120)
        #expect(keep.send("r").count == 1, "within the default 24h TTL the flow goes on")
    }

    @Test func expiringASliceAtATimeEndsWhereAWholePassDoes() throws {
        let flow = try Self.flow(Self.fourSteps)
        var whole = Harness([flow]), sliced = Harness([flow])
        // 50 subjects start an attempt, 5 minutes apart.
        for i in 0..<50 {
            _ = whole.send("p", subject: "s\(i)", at: whole.clock + Int64(i) * 5 * Self.minute)
            _ = sliced.send("p", subject: "s\(i)", at: sliced.clock + Int64(i) * 5 * Self.minute)
        }
        let at = whole.clock + 49 * 5 * Self.minute + 10 * Self.minute
        whole.engine.expire(at: at)
        // 50 subjects, 7 a call: one pass is 8 calls, and after it the two agree.
        for _ in 0..<7 { sliced.engine.expireSome(at: at, budget: 7) }
        #expect(sliced.engine.trackedSubjects <= whole.engine.trackedSubjects + 1, "49 of the 50 checked")
        sliced.engine.expireSome(at: at, budget: 7)
        // Checked 10 minutes after the last start: the 5 started in the last 30 minutes (the
        // `within` of the step they wait for) are left.
        #expect(whole.engine.trackedSubjects == 5)
        #expect(sliced.engine.trackedSubjects == whole.engine.trackedSubjects)
        // A later pass sees subjects added meanwhile; nothing fresh is dropped.
        _ = sliced.send("p", subject: "late", at: at)
        for _ in 0..<20 { sliced.engine.expireSome(at: at, budget: 7) }
        #expect(sliced.engine.trackedSubjects == 6)
    }

    @Test func snapshotRoundTripContinuesTheFlowWithoutText() throws {
        let flow = try Self.flow(Self.fourSteps)
        var h = Harness([flow])
        _ = h.send("p")
        _ = h.send("t")
        let snapshot = h.engine.snapshot()
        #expect(snapshot.subjects.flatMap { $0.attempts.flatMap(\.evidence) }.allSatisfy { $0.excerpt.isEmpty }, "no message text in state")
        var resumed = Harness([flow])
        resumed.clock = h.clock
        resumed.line = h.line
        resumed.engine.restore(snapshot)
        let next = resumed.send("k")
        #expect(next.count == 1 && next.first?.step == 3)
        #expect(next.first?.attemptID == h.send("k").first?.attemptID, "same attempt, same ids, before and after a restart")
    }

    /// A step's signal that arrives late but within the tolerance, older than the attempt's
    /// start, leaves a state that can be saved and resumed (it was refused: "starts after its
    /// last step").
    @Test func aLateStepLeavesAStateThatResumes() throws {
        let flow = try Self.flow(Self.fourSteps)
        var h = Harness([flow])
        _ = h.send("p")
        _ = h.send("t", at: h.clock - 2 * Self.minute)
        let snapshot = h.engine.snapshot()
        #expect(snapshot.subjects.flatMap(\.attempts).contains { $0.reached == 2 }, "the late step counted")
        #expect(throws: Never.self) { try snapshot.validate() }
    }

    @Test func reloadKeepsAttemptsOfFlowsThatStillExist() throws {
        let flow = try Self.flow(Self.fourSteps)
        var h = Harness([flow])
        _ = h.send("p")
        h.engine.reload(flows: [flow])
        #expect(h.send("t").count == 1)
        h.engine.reload(flows: [])
        #expect(h.engine.activeAttempts == 0)
    }

    @Test func eventNamesAreLowercasedAndAndroidNamesMapped() {
        // `canonical` consults the alias table only for `android.` names.
        #expect(EventNames.aliases.keys.allSatisfy { $0.hasPrefix("android.") })
        #expect(EventNames.canonical("app.installed") == "app.installed")
        #expect(EventNames.canonical("App.Installed") == "app.installed")
        #expect(EventNames.canonical("android.intent.action.PACKAGE_ADDED") == "app.installed")
        #expect(EventNames.canonical("android.other") == "android.other")
        #expect(EventNames.canonical("ÄPP.x") == "äpp.x")
    }
}
