import PCRE2

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
    /// The record's other party, conversation and attributes: what flow steps compare and
    /// capture, and what `same:` keeps.
    public var peer: String?
    public var conversation: String?
    public var attrs: [String: AttributeValue]

    public init(subject: String, signal: String, time: Int64, evidence: Evidence, lang: String,
                peer: String? = nil, conversation: String? = nil, attrs: [String: AttributeValue] = [:]) {
        self.subject = subject
        self.signal = signal
        self.time = time
        self.evidence = evidence
        self.lang = lang
        self.peer = peer
        self.conversation = conversation
        self.attrs = attrs
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
    /// A subject with no signal for this long (event time) loses its flow attempts.
    public var idleTTL: Int64 = 24 * 3_600_000
    /// ... and its context after this long (where the phone usually is, the profile): facts
    /// worth remembering longer than a scam lasts, but not for ever.
    public var contextTTL: Int64 = 30 * 24 * 3_600_000
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
/// - A step's `where` conditions test the signal's record, the values earlier steps of the
///   attempt captured (`$name`) and the subject's context (`context.KEY`); a step's `capture`
///   keeps values of its record for later steps. With `same: [peer]` (or `conversation`,
///   `party`) every signal of an attempt that carries the field must carry the value its first
///   such signal had (a device event, carrying none, is not held to it): a bank's notice and a
///   relative's request never join one attempt, and two parties' attempts never block each other.
/// - `device.location` and `profile.set` events update the subject's context (`SubjectContext`)
///   whether or not a flow listens to them; a subject with a context stays tracked until idle.
/// - Time is event time, never the wall clock: the engine is driven only by what it is given,
///   so it is deterministic and testable without I/O.
///
/// Invariant: `subjects.count <= config.maxSubjects` after every call.
public final class FlowEngine {
    public private(set) var flows: [CompiledFlow]
    public private(set) var config: FlowConfig
    /// Values that mean the same, for conditions.
    public private(set) var values: ValueMap
    /// For pattern conditions (one engine, one thread).
    private let matcher = Matcher()
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

    public init(flows: [CompiledFlow], config: FlowConfig = FlowConfig(), values: ValueMap = ValueMap()) {
        self.flows = flows
        self.config = config
        self.values = values
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

    /// Whether any flow listens to (or is cancelled by) this signal, or it changes a subject's
    /// context: drivers skip the rest.
    public func listens(to signal: String) -> Bool { routes[signal] != nil || SubjectContext.events.contains(signal) }

    /// The context remembered for a subject, if any.
    public func context(of subject: String) -> SubjectContext? { subjects[subject]?.context }

    /// Feeds one signal; returns the alerts (and other actions) it causes, in order.
    public func handle(_ occurrence: SignalOccurrence) -> [FlowAction] {
        let route = routes[occurrence.signal] ?? Route()
        let contextual = SubjectContext.events.contains(occurrence.signal)
        guard contextual || !route.listeners.isEmpty || !route.cancels.isEmpty else { return [] }
        var actions: [FlowAction] = []
        let t = occurrence.time
        // The state is changed in place in the dictionary (one hash, no copy of its attempts);
        // a new subject is inserted only if the signal left it an attempt.
        if let slot = subjects.index(forKey: occurrence.subject) {
            // (Read in place: see `inPlace`.)
            if FlowEngine.inPlace(&subjects.values[slot], { t < $0.lastTime - config.tolerance }) {
                lateSignals += 1
                return [.late(subject: occurrence.subject, signal: occurrence.signal, time: t)]
            }
            if FlowEngine.inPlace(&subjects.values[slot], { isIdle($0, at: t) }) {
                // Idle past the TTL: forgotten now, as the sweep would have, whenever it runs
                // (its context only past the context TTL).
                let kept = FlowEngine.inPlace(&subjects.values[slot]) { keptContext($0, at: t) }
                subjects.values[slot] = SubjectState(lastTime: t, context: kept)
            }
            // Facts older than the context TTL are gone even for a subject that never idles
            // (a profile said a year ago, a city last seen last month).
            if FlowEngine.inPlace(&subjects.values[slot], { $0.context != nil }),
               subjects.values[slot].context!.forget(before: t - config.contextTTL) {
                subjects.values[slot].context = nil
            }
            if contextual { observe(occurrence, in: &subjects.values[slot]) }
            update(&subjects.values[slot], with: occurrence, route: route, actions: &actions)
            if subjects.values[slot].isEmpty { subjects.remove(at: slot) }
        } else {
            var state = SubjectState(lastTime: t)
            if contextual { observe(occurrence, in: &state) }
            update(&state, with: occurrence, route: route, actions: &actions)
            if !state.isEmpty {
                subjects[occurrence.subject] = state
                if subjects.count > config.maxSubjects { actions += evict() }
                peakSubjects = max(peakSubjects, subjects.count)
            }
        }
        return actions
    }

    private func observe(_ occurrence: SignalOccurrence, in state: inout SubjectState) {
        var context = state.context ?? SubjectContext()
        context.observe(occurrence.signal, occurrence.attrs, at: occurrence.time, source: occurrence.evidence.source)
        state.context = context
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
        // Fields read in place (`inPlace`): passing the state by value would retain its
        // arrays, and this runs for every tracked subject once a pass.
        let (lastTime, hasContext, hasAttempts) = FlowEngine.inPlace(&subjects.values[slot]) {
            ($0.lastTime, $0.context != nil, !$0.attempts.isEmpty)
        }
        let idleFor = time - lastTime
        if idleFor > config.idleTTL {
            if idleFor <= config.contextTTL, hasContext {
                if hasAttempts { subjects.values[slot].attempts = [] }
            } else {
                subjects.remove(at: slot)
            }
            return
        }
        guard hasAttempts else { return }
        subjects.values[slot].attempts.removeAll { isExpired($0, at: time) }
        if subjects.values[slot].isEmpty { subjects.remove(at: slot) }
    }

    /// Reads a tracked state where it is. `subjects.values[slot].field` as a plain read goes
    /// through the getter, which returns the whole state by value (every array and string of
    /// it retained, then released): 9% of a stream's time, in `expire` and `handle`. Passed
    /// inout, the state is yielded in place (`_modify`), and `read` copies nothing.
    @inline(__always)
    private static func inPlace<T>(_ state: inout SubjectState, _ read: (inout SubjectState) -> T) -> T { read(&state) }

    /// Replaces the flows (after a pack reload), keeping the attempts of flows that still exist
    /// (matched by id) and dropping the others.
    public func reload(flows newFlows: [CompiledFlow], values newValues: ValueMap? = nil) {
        if let newValues { values = newValues }
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
            subjects[key] = state.isEmpty ? nil : state
        }
        flows = newFlows
        index()
    }

    /// Whether the subject has had no signal for longer than the idle TTL at event time `t`.
    private func isIdle(_ state: SubjectState, at t: Int64) -> Bool { t - state.lastTime > config.idleTTL }

    /// The context an idle subject keeps: none past the context TTL.
    private func keptContext(_ state: SubjectState, at t: Int64) -> SubjectContext? {
        t - state.lastTime > config.contextTTL ? nil : state.context
    }

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
        let parties = flow.same.isEmpty ? [:] : FlowEngine.parties(of: o, fields: flow.same)
        // The most advanced attempt whose next step takes this signal (latest start on ties).
        var best: Int?
        // Fields read in place: copying an attempt (or a step) retains each of its arrays.
        for i in state.attempts.indices where state.attempts[i].flow == f && state.attempts[i].reached < flow.steps.count {
            let reached = state.attempts[i].reached
            guard flow.steps[reached].signals.contains(o.signal) else { continue }
            if reached > 0, let within = flow.steps[reached].within, flow.steps[reached].count == nil,
               o.time - state.attempts[i].last > within { continue }
            if let b = best, (reached, state.attempts[i].start) <= (state.attempts[b].reached, state.attempts[b].start) { continue }
            guard FlowEngine.compatible(state.attempts[i].parties, parties) else { continue }
            guard accepts(flow.steps[reached], o, captures: state.attempts[i].captures, context: state.context) else { continue }
            best = i
        }
        if let b = best {
            // Never let an attempt reach a step another live attempt of this flow (and party)
            // already holds: that would report the same scam twice.
            let target = state.attempts[b].reached + 1
            if state.attempts.indices.contains(where: {
                $0 != b && state.attempts[$0].flow == f && state.attempts[$0].reached >= target
                    && FlowEngine.compatible(state.attempts[$0].parties, parties)
            }) {
                return
            }
        } else if flow.steps[0].signals.contains(o.signal), accepts(flow.steps[0], o, captures: [:], context: state.context) {
            // A repeated first-step signal refreshes the attempt of its party waiting at step 1
            // (several rules can fire on one sentence); otherwise a new attempt starts, kept
            // apart from the rest.
            if let waiting = state.attempts.firstIndex(where: { $0.flow == f && $0.reached == 1 && FlowEngine.compatible($0.parties, parties) }) {
                state.attempts[waiting].last = max(state.attempts[waiting].last, o.time)
                if state.attempts[waiting].evidence.count < 4, !state.attempts[waiting].evidence.contains(where: { $0.rule == o.evidence.rule }) {
                    state.attempts[waiting].evidence.append(o.evidence)
                }
                return
            }
            let id = FlowEngine.attemptID(flow: flow.id, subject: o.subject, first: o.evidence)
            state.attempts.append(Attempt(flow: f, id: id, reached: 0, start: o.time, last: o.time, lang: o.lang.isEmpty ? flow.language : o.lang))
            let same = state.attempts.indices.filter { state.attempts[$0].flow == f }
            if same.count > config.maxAttemptsPerFlow, let oldest = same.first { state.attempts.remove(at: oldest) }
            best = state.attempts.count - 1
        }
        guard let i = best else { return }
        // Changed in place: a copy would share its evidence array and copy it on the append.
        let stepIndex = state.attempts[i].reached
        // The context facts the step compared with are evidence too ("the phone was in 贵阳"),
        // put before the step's own so the alert shows both places.
        if let context = state.context, flow.steps[stepIndex].count == nil {
            for fact in FlowEngine.contextFacts(flow.steps[stepIndex], context, at: o.time, source: o.evidence.source) {
                state.attempts[i].evidence.append(fact)
            }
        }
        // The language of the latest message that takes a step: the person reads the alert in
        // the language they are being spoken to (device events have none and change nothing).
        if !o.lang.isEmpty { state.attempts[i].lang = o.lang }
        let alert = step(&state.attempts[i], of: flow, with: o, context: state.context)
        if state.attempts[i].reached > stepIndex {
            for (field, value) in parties where state.attempts[i].parties[field] == nil { state.attempts[i].parties[field] = value }
            let captures = flow.steps[stepIndex].captures
            if !captures.isEmpty {
                let scope = scope(o, captures: [:], context: state.context)
                for (name, attribute) in captures { state.attempts[i].captures[name] = scope.attribute(attribute) }
            }
        }
        if let alert { actions.append(.alert(alert)) }
        // A finished attempt stays until its maxspan ends, so later signals of its last steps
        // cannot start a duplicate.
    }

    /// Evidence for each context fact a step's conditions read: `context.last_city: 贵阳`, at the
    /// time the fact was learned.
    static func contextFacts(_ step: CompiledFlow.Step, _ context: SubjectContext, at time: Int64, source: SourcePosition) -> [Evidence] {
        var out: [Evidence] = []
        var seen = Set<String>()
        for clause in step.clauses + step.anyOf.flatMap({ $0 }) {
            var keys = clause.spec.predicates.flatMap(\.references).compactMap { ref -> String? in
                if case .context(let key) = ref { return key } else { return nil }
            }
            if clause.attribute.hasPrefix("context.") { keys.append(String(clause.attribute.dropFirst("context.".count))) }
            for key in keys where seen.insert(key).inserted {
                guard let value = context.value(key, at: time, maxAge: clause.maxAge) else { continue }
                let learned = key.hasPrefix("last_location") ? context.lastLocationTime : (key.hasPrefix("last_") ? context.lastCityTime : context.profileTime)
                // The record that said it; the matched record's when the context predates sources.
                let said = key.hasPrefix("last_location") ? context.lastLocationSource
                    : (key.hasPrefix("last_") ? context.lastCitySource : context.profileSource)
                out.append(Evidence(source: said ?? source, time: learned, signal: "context.\(key)", rule: "context",
                                    excerpt: "\(key)=\(value.text)", span: 0..<0, speaker: nil, recordID: nil))
            }
        }
        return out
    }

    private func scope(_ o: SignalOccurrence, captures: [String: AttributeValue], context: SubjectContext?) -> ConditionScope {
        ConditionScope(attrs: o.attrs, peer: o.peer, conversation: o.conversation, captures: captures, context: context,
                       time: o.time, values: values)
    }

    /// Whether the signal's record meets a step's conditions, for an attempt with `captures`.
    private func accepts(_ step: CompiledFlow.Step, _ o: SignalOccurrence, captures: [String: AttributeValue], context: SubjectContext?) -> Bool {
        guard step.hasConditions else { return true }
        let scope = scope(o, captures: captures, context: context)
        guard step.clauses.allSatisfy({ $0.holds(scope, matcher: matcher) }) else { return false }
        return step.anyOf.isEmpty || step.anyOf.contains { group in group.allSatisfy { $0.holds(scope, matcher: matcher) } }
    }

    /// The hashed values of the `same:` fields the record carries (`party`: the peer, else the
    /// conversation). Hashes, so a state file holds no phone number.
    static func parties(of o: SignalOccurrence, fields: [String]) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for field in fields {
            let value: String?
            switch field {
            case "peer": value = o.peer
            case "conversation": value = o.conversation
            default: value = o.peer ?? o.conversation
            }
            if let value, !value.isEmpty {
                var h = StableHash()
                h.add(value)
                out[field] = h.value
            }
        }
        return out
    }

    /// Whether two sets of party values agree on every field both have.
    static func compatible(_ a: [String: UInt64], _ b: [String: UInt64]) -> Bool {
        guard !a.isEmpty, !b.isEmpty else { return true }
        for (field, value) in b where a[field].map({ $0 != value }) ?? false { return false }
        return true
    }

    /// Moves `attempt` one step (or one count) on; returns the alert the step raises, if any.
    private func step(_ attempt: inout Attempt, of flow: CompiledFlow, with o: SignalOccurrence, context: SubjectContext?) -> Alert? {
        let step = flow.steps[attempt.reached]
        if let count = step.count {
            attempt.countTimes.append(o.time)
            if let of = count.totalOf {
                if attempt.countValues.count < attempt.countTimes.count - 1 {
                    attempt.countValues += Array(repeating: 0, count: attempt.countTimes.count - 1 - attempt.countValues.count)
                }
                attempt.countValues.append(o.attrs[of]?.number ?? 0)
            }
            let cutoff = o.time - count.within
            while let first = attempt.countTimes.first, first < cutoff {
                attempt.countTimes.removeFirst()
                if !attempt.countValues.isEmpty { attempt.countValues.removeFirst() }
            }
            let total = attempt.countValues.reduce(0, +)
            let reachedTotal = count.totalAtLeast.map { total >= $0 } ?? false
            if attempt.countTimes.count < count.atLeast && !reachedTotal {
                // Keep a little evidence of the run without growing without bound.
                if attempt.pending.count < 3 { attempt.pending.append(o.evidence) }
                return nil
            }
            attempt.evidence += attempt.pending
            attempt.pending.removeAll()
            attempt.countTimes.removeAll()
            attempt.countValues.removeAll()
        }
        attempt.reached += 1
        // A late signal (within the tolerance) may be older than the attempt's start: `last`
        // stays the latest time seen, so an attempt never starts after its last step (which
        // a saved state is refused for).
        attempt.last = max(attempt.last, o.time)
        attempt.evidence.append(o.evidence)
        if o.lang == "zh" { attempt.lang = "zh" }
        guard attempt.reached >= flow.alertFrom && attempt.reached > attempt.alerted else { return nil }
        attempt.alerted = attempt.reached
        alertsRaised += 1
        var alert = makeAlert(flow: flow, attempt: attempt, subject: o.subject, context: context, time: o.time)
        // The step that raised it names the sender (not kept in the attempt: snapshots hold
        // parties as hashes only).
        alert.peer = o.peer
        return alert
    }

    private func makeAlert(flow: CompiledFlow, attempt: Attempt, subject: String, context: SubjectContext?, time: Int64) -> Alert {
        var hash = StableHash()
        hash.add(attempt.id)
        hash.add(String(attempt.reached))
        let stepNames = flow.steps.prefix(attempt.reached).map(\.name)
        // Time and local time of the latest step.
        let latest = Alert.latestTime(of: attempt.evidence)
        var alert = Alert(time: latest.time, utcOffset: latest.utcOffset, alertID: hash.hex, subject: subject, kind: .flow, id: flow.id,
                          title: Assessor.pick(flow.titles, lang: attempt.lang) ?? flow.title,
                          severity: severity(of: flow, reached: attempt.reached, context: context, time: time), score: attempt.reached, threshold: flow.alertFrom,
                          advice: Assessor.pick(flow.advice, lang: attempt.lang), evidence: EvidenceMerger.merged(attempt.evidence), pack: flow.pack,
                          source: attempt.evidence.last?.source ?? SourcePosition(file: "", line: 0), recordID: attempt.evidence.last?.recordID,
                          channel: nil, lang: attempt.lang, tags: flow.tags)
        alert.step = attempt.reached
        alert.stepName = stepNames.last
        alert.steps = Array(stepNames)
        alert.attemptID = attempt.id
        return alert
    }

    /// The flow's severity for the steps reached, one higher when its `escalate_when` holds on
    /// the subject's context (an elder's or a minor's account).
    private func severity(of flow: CompiledFlow, reached: Int, context: SubjectContext?, time: Int64) -> Severity {
        let base = flow.severity(reached: reached)
        guard !flow.escalateWhen.isEmpty, let context else { return base }
        let scope = ConditionScope(attrs: [:], peer: nil, conversation: nil, context: context, time: time, values: values)
        return flow.escalateWhen.allSatisfy({ $0.holds(scope, matcher: matcher) }) ? Assessor.raised(base) : base
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
    var context: SubjectContext?

    /// Nothing worth keeping: no attempt in progress and no context.
    var isEmpty: Bool { attempts.isEmpty && context == nil }
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
    /// Times of signals counted towards a `count` step in progress, and their `total` values.
    var countTimes: [Int64] = []
    var countValues: [Double] = []
    var pending: [Evidence] = []
    /// Values the attempt's steps captured, by name.
    var captures: [String: AttributeValue] = [:]
    /// Hashes of the `same:` fields of its signals, by field.
    var parties: [String: UInt64] = [:]

    init(flow: Int, id: String, reached: Int, start: Int64, last: Int64, lang: String) {
        self.flow = flow
        self.id = id
        self.reached = reached
        self.start = start
        self.last = last
        self.lang = lang
    }
}
