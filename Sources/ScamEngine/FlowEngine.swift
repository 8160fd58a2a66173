/// A signal at a moment for a subject: what the flow engine consumes. Text hits, event rules
/// and raw event names all become `SignalOccurrence`s.
public struct SignalOccurrence: Sendable {
    public var subject: String
    public var signal: String
    /// Event time, ms since the epoch.
    public var time: Int64
    public var evidence: Evidence
    /// Language of the record it came from (for advice).
    public var lang: String

    public init(subject: String, signal: String, time: Int64, evidence: Evidence, lang: String) {
        self.subject = subject
        self.signal = signal
        self.time = time
        self.evidence = evidence
        self.lang = lang
    }
}

/// What the engine asks its driver to do or report. The engine itself does no I/O.
public enum FlowAction: Sendable {
    /// A flow attempt reached a step at or beyond `alert_from`.
    case alert(Alert)
    /// A signal arrived later than the out-of-order tolerance allows and was ignored.
    case late(subject: String, signal: String, time: Int64)
    /// A subject's state was dropped to respect the cap on tracked subjects.
    case evicted(subject: String)
}

/// Limits and tolerances of the flow engine.
public struct FlowConfig: Sendable, Codable, Equatable {
    /// Signals up to this much older than the latest one seen for the subject are still used.
    public var tolerance: Int64 = 5 * 60_000
    /// A subject with no signal for this long (event time) is forgotten.
    public var idleTTL: Int64 = 24 * 3_600_000
    /// Most subjects tracked at once; the least recently active are evicted beyond it.
    public var maxSubjects: Int = 1_000_000
    /// Most concurrent attempts of one flow for one subject (the oldest is dropped beyond it).
    public var maxAttemptsPerFlow: Int = 8
    public init() {}
}

/// Per-subject state machines of known scam flows: signals in, actions out.
///
/// Semantics (documented in Patterns/README.md, "Flows"):
/// - A signal listed in a flow's first step starts an attempt. A signal advances the most
///   advanced attempt of that flow whose next step accepts it, within the step's `within` and
///   the flow's `maxspan`; one signal advances at most one attempt per flow, so overlapping
///   attempts are kept apart and never double-counted.
/// - A `count` step is satisfied when `at_least` of its signal fall within its window.
/// - An `until` signal cancels every attempt of the flow for the subject.
/// - From `alert_from` steps on, each step reached raises exactly one alert for the attempt,
///   with escalating severity and the evidence of every step. No attempt may reach a step
///   another live attempt of the same flow already holds, and a repeated first-step signal
///   refreshes the attempt waiting at step 1: one scam, one alert per step.
/// - Time is event time, never the wall clock: the engine is driven only by what it is given,
///   so it is deterministic and testable without I/O.
///
/// Invariant: `subjects.count <= config.maxSubjects` after every call.
public final class FlowEngine {
    public private(set) var flows: [CompiledFlow]
    public private(set) var config: FlowConfig
    /// The latest event time seen (the watermark).
    public internal(set) var now: Int64 = Int64.min
    var subjects: [String: SubjectState] = [:]
    /// The pass of `expireSome`: the keys it covers and the next one to check.
    private var sweepKeys: [String] = []
    private var sweepNext = 0
    /// Per signal: the (flow, step) pairs listening to it and the flows it cancels. One table,
    /// so a signal costs one hash however many flows care about it.
    private var routes: [String: Route] = [:]

    private struct Route {
        var listeners: [(flow: Int, step: Int)] = []
        var cancels: [Int] = []
    }

    /// Counters for summaries and benchmarks.
    public internal(set) var evictions = 0
    public internal(set) var lateSignals = 0
    public internal(set) var alertsRaised = 0
    /// The most subjects tracked at once (for memory-per-subject figures).
    public private(set) var peakSubjects = 0

    public init(flows: [CompiledFlow], config: FlowConfig = FlowConfig()) {
        self.flows = flows
        self.config = config
        index()
    }

    private func index() {
        routes = [:]
        for (f, flow) in flows.enumerated() {
            for (s, step) in flow.steps.enumerated() { for signal in step.signals { routes[signal, default: Route()].listeners.append((f, s)) } }
            for signal in flow.until { routes[signal, default: Route()].cancels.append(f) }
        }
    }

    public var trackedSubjects: Int { subjects.count }
    public var activeAttempts: Int { subjects.values.reduce(0) { $0 + $1.attempts.count } }

    /// Whether any flow listens to (or is cancelled by) this signal: drivers skip the rest.
    public func listens(to signal: String) -> Bool { routes[signal] != nil }

    /// Feeds one signal; returns the alerts (and other actions) it causes, in order.
    public func handle(_ occurrence: SignalOccurrence) -> [FlowAction] {
        guard let route = routes[occurrence.signal] else { return [] }
        var actions: [FlowAction] = []
        let t = occurrence.time
        // The state is changed in place in the dictionary (one hash, no copy of its attempts);
        // a new subject is inserted only if the signal left it an attempt.
        if let slot = subjects.index(forKey: occurrence.subject) {
            if t < subjects.values[slot].lastTime - config.tolerance {
                lateSignals += 1
                return [.late(subject: occurrence.subject, signal: occurrence.signal, time: t)]
            }
            if isIdle(subjects.values[slot], at: t) {
                // Idle past the TTL: forgotten now, as the sweep would have, whenever it runs.
                subjects.values[slot] = SubjectState(lastTime: t)
            }
            update(&subjects.values[slot], with: occurrence, route: route, actions: &actions)
            if subjects.values[slot].attempts.isEmpty { subjects.remove(at: slot) }
        } else {
            var state = SubjectState(lastTime: t)
            update(&state, with: occurrence, route: route, actions: &actions)
            if !state.attempts.isEmpty {
                subjects[occurrence.subject] = state
                if subjects.count > config.maxSubjects { actions += evict() }
                peakSubjects = max(peakSubjects, subjects.count)
            }
        }
        return actions
    }

    private func update(_ state: inout SubjectState, with occurrence: SignalOccurrence, route: Route, actions: inout [FlowAction]) {
        let t = occurrence.time
        state.lastTime = max(state.lastTime, t)
        now = max(now, t)
        if !state.attempts.isEmpty { state.attempts.removeAll { isExpired($0, at: t) } }
        if !route.cancels.isEmpty, !state.attempts.isEmpty {
            state.attempts.removeAll { route.cancels.contains($0.flow) }
        }
        // Each flow once, however many of its steps take the signal (listeners are grouped by
        // flow in index order, so comparing with the previous one is enough).
        var previous = -1
        for (f, _) in route.listeners where f != previous {
            previous = f
            advance(flow: f, with: occurrence, state: &state, actions: &actions)
        }
    }

    /// Forgets subjects idle for longer than the TTL and attempts past their windows, as of
    /// event time `time`: every subject, now (before a checkpoint, at the end).
    public func expire(at time: Int64) {
        now = max(now, time)
        for key in Array(subjects.keys) { expire(key, at: time) }
        sweepKeys = []
        sweepNext = 0
    }

    /// `expire(at:)` a slice at a time, for drivers that call it between records: checks at
    /// most `budget` subjects, going on from where the last call stopped, so the pass over all
    /// subjects is spread over many calls and no record waits behind it (a whole pass over
    /// 30,000 subjects held one record for 58 ms). A pass covers the subjects tracked when it
    /// began; those that arrive during it are checked by the next.
    public func expireSome(at time: Int64, budget: Int) {
        now = max(now, time)
        if sweepNext >= sweepKeys.count {
            sweepKeys = Array(subjects.keys)
            sweepNext = 0
        }
        let end = min(sweepKeys.count, sweepNext + max(1, budget))
        for k in sweepNext..<end { expire(sweepKeys[k], at: time) }
        sweepNext = end
        if sweepNext >= sweepKeys.count { sweepKeys = [] }
    }

    /// Drops the subject's expired attempts, and the subject when idle or left with none. In
    /// place: iterating the dictionary while writing it would copy it whole.
    private func expire(_ key: String, at time: Int64) {
        guard let slot = subjects.index(forKey: key) else { return }
        if isIdle(subjects.values[slot], at: time) {
            subjects.remove(at: slot)
            return
        }
        subjects.values[slot].attempts.removeAll { isExpired($0, at: time) }
        if subjects.values[slot].attempts.isEmpty { subjects.remove(at: slot) }
    }

    /// Replaces the flows (after a pack reload), keeping the attempts of flows that still exist
    /// (matched by id) and dropping the others.
    public func reload(flows newFlows: [CompiledFlow]) {
        var mapping: [Int: Int] = [:]
        for (old, flow) in flows.enumerated() {
            if let new = newFlows.firstIndex(where: { $0.id == flow.id && $0.steps.count == flow.steps.count }) { mapping[old] = new }
        }
        for (key, var state) in subjects {
            state.attempts = state.attempts.compactMap { attempt in
                guard let new = mapping[attempt.flow] else { return nil }
                var a = attempt
                a.flow = new
                return a
            }
            subjects[key] = state.attempts.isEmpty ? nil : state
        }
        flows = newFlows
        index()
    }

    /// Whether the subject has had no signal for longer than the idle TTL at event time `t`.
    private func isIdle(_ state: SubjectState, at t: Int64) -> Bool { t - state.lastTime > config.idleTTL }

    func isExpired(_ attempt: Attempt, at t: Int64) -> Bool {
        let flow = flows[attempt.flow]
        if t - attempt.start > flow.maxspan { return true }
        if attempt.reached < flow.steps.count, attempt.reached > 0, let within = flow.steps[attempt.reached].within,
           flow.steps[attempt.reached].count == nil, t - attempt.last > within {
            return true
        }
        return false
    }

    private func advance(flow f: Int, with o: SignalOccurrence, state: inout SubjectState, actions: inout [FlowAction]) {
        let flow = flows[f]
        // The most advanced attempt whose next step takes this signal (latest start on ties).
        var best: Int?
        // Fields read in place: copying an attempt (or a step) retains each of its arrays.
        for i in state.attempts.indices where state.attempts[i].flow == f && state.attempts[i].reached < flow.steps.count {
            let reached = state.attempts[i].reached
            guard flow.steps[reached].signals.contains(o.signal) else { continue }
            if reached > 0, let within = flow.steps[reached].within, flow.steps[reached].count == nil,
               o.time - state.attempts[i].last > within { continue }
            if let b = best, (reached, state.attempts[i].start) <= (state.attempts[b].reached, state.attempts[b].start) { continue }
            best = i
        }
        if let b = best {
            // Never let an attempt reach a step another live attempt of this flow already holds:
            // that would report the same scam twice.
            let target = state.attempts[b].reached + 1
            if state.attempts.indices.contains(where: { $0 != b && state.attempts[$0].flow == f && state.attempts[$0].reached >= target }) {
                return
            }
        } else if flow.steps[0].signals.contains(o.signal) {
            // A repeated first-step signal refreshes the attempt waiting at step 1 (several rules
            // can fire on one sentence); otherwise a new attempt starts, kept apart from the rest.
            if let waiting = state.attempts.firstIndex(where: { $0.flow == f && $0.reached == 1 }) {
                state.attempts[waiting].last = max(state.attempts[waiting].last, o.time)
                if state.attempts[waiting].evidence.count < 4, !state.attempts[waiting].evidence.contains(where: { $0.rule == o.evidence.rule }) {
                    state.attempts[waiting].evidence.append(o.evidence)
                }
                return
            }
            let id = FlowEngine.attemptID(flow: flow.id, subject: o.subject, first: o.evidence)
            state.attempts.append(Attempt(flow: f, id: id, reached: 0, start: o.time, last: o.time, lang: o.lang))
            let same = state.attempts.indices.filter { state.attempts[$0].flow == f }
            if same.count > config.maxAttemptsPerFlow, let oldest = same.first { state.attempts.remove(at: oldest) }
            best = state.attempts.count - 1
        }
        guard let i = best else { return }
        // Changed in place: a copy would share its evidence array and copy it on the append.
        let alert = step(&state.attempts[i], of: flow, with: o)
        if let alert { actions.append(.alert(alert)) }
        // A finished attempt stays until its maxspan ends, so later signals of its last steps
        // cannot start a duplicate.
    }

    /// Moves `attempt` one step (or one count) on; returns the alert the step raises, if any.
    private func step(_ attempt: inout Attempt, of flow: CompiledFlow, with o: SignalOccurrence) -> Alert? {
        let step = flow.steps[attempt.reached]
        if let count = step.count {
            attempt.countTimes.append(o.time)
            attempt.countTimes.removeAll { $0 < o.time - count.within }
            if attempt.countTimes.count < count.atLeast {
                // Keep a little evidence of the run without growing without bound.
                if attempt.pending.count < 3 { attempt.pending.append(o.evidence) }
                return nil
            }
            attempt.evidence += attempt.pending
            attempt.pending.removeAll()
            attempt.countTimes.removeAll()
        }
        attempt.reached += 1
        attempt.last = o.time
        attempt.evidence.append(o.evidence)
        if o.lang == "zh" { attempt.lang = "zh" }
        guard attempt.reached >= flow.alertFrom && attempt.reached > attempt.alerted else { return nil }
        attempt.alerted = attempt.reached
        alertsRaised += 1
        return makeAlert(flow: flow, attempt: attempt, subject: o.subject)
    }

    private func makeAlert(flow: CompiledFlow, attempt: Attempt, subject: String) -> Alert {
        var hash = StableHash()
        hash.add(attempt.id)
        hash.add(String(attempt.reached))
        let stepNames = flow.steps.prefix(attempt.reached).map(\.name)
        var alert = Alert(time: attempt.evidence.compactMap(\.time).max(), alertID: hash.hex, subject: subject, kind: .flow, id: flow.id, title: flow.title,
                          severity: flow.severity(reached: attempt.reached), score: attempt.reached, threshold: flow.alertFrom,
                          advice: Assessor.pick(flow.advice, lang: attempt.lang), evidence: attempt.evidence, pack: "",
                          source: attempt.evidence.last?.source ?? SourcePosition(file: "", line: 0), recordID: attempt.evidence.last?.recordID,
                          channel: nil, lang: attempt.lang, tags: flow.tags)
        alert.step = attempt.reached
        alert.stepName = stepNames.last
        alert.steps = Array(stepNames)
        alert.attemptID = attempt.id
        return alert
    }

    /// Drops the least recently active 5% of subjects (at least one).
    private func evict() -> [FlowAction] {
        let excess = subjects.count - config.maxSubjects
        let batch = max(excess, config.maxSubjects / 20, 1)
        let victims = subjects.map { ($0.key, $0.value.lastTime) }.sorted { $0.1 < $1.1 }.prefix(batch)
        for (key, _) in victims { subjects[key] = nil }
        evictions += victims.count
        return victims.map { .evicted(subject: $0.0) }
    }

    static func attemptID(flow: String, subject: String, first: Evidence) -> String {
        var hash = StableHash()
        hash.add("flow"); hash.add(flow); hash.add(subject); hash.add(first.source.description)
        hash.add(first.signal); hash.add("\(first.span.lowerBound)"); hash.add(first.time.map { String($0) } ?? "")
        return hash.hex
    }
}

/// What the engine remembers about one subject.
struct SubjectState: Sendable, Codable {
    var lastTime: Int64
    var attempts: [Attempt] = []
}

/// One attempt of one flow: how far it got, when, and the evidence of each step.
struct Attempt: Sendable, Codable {
    var flow: Int
    var id: String
    /// Steps satisfied so far.
    var reached: Int
    var start: Int64
    /// Time of the latest step.
    var last: Int64
    var lang: String
    var alerted = 0
    var evidence: [Evidence] = []
    /// Times of signals counted towards a `count` step in progress.
    var countTimes: [Int64] = []
    var pending: [Evidence] = []

    init(flow: Int, id: String, reached: Int, start: Int64, last: Int64, lang: String) {
        self.flow = flow
        self.id = id
        self.reached = reached
        self.start = start
        self.last = last
        self.lang = lang
    }
}
