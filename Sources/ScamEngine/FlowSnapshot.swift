import Foundation

/// The flow engine's state as a document: what `--state FILE` holds so a restarted stream
/// continues the flows it was tracking.
///
/// Privacy invariant: a snapshot never holds message text. Evidence keeps its source, time,
/// signal, rule and span; the excerpt is dropped (alerts raised after a restart show the
/// earlier steps' evidence without excerpts).
public struct FlowSnapshot: Codable, Sendable {
    public struct SavedAttempt: Codable, Sendable {
        var flow: String
        var id: String
        var reached: Int
        var start: Int64
        var last: Int64
        var lang: String
        var alerted: Int
        var evidence: [Evidence]
        var countTimes: [Int64]
        // Version 2: absent in a version-1 file.
        var countValues: [Double]?
        var captures: [String: AttributeValue]?
        var parties: [String: UInt64]?
    }

    public struct SavedSubject: Codable, Sendable {
        var subject: String
        var lastTime: Int64
        var attempts: [SavedAttempt]
        /// Version 2: what the stream remembers about the subject (no message text).
        var context: SubjectContext?
    }

    /// 2 since flows capture values and subjects have a context; a version-1 file still reads.
    public var version = 2
    public var now: Int64
    public var subjects: [SavedSubject]
    public var evictions: Int
    public var lateSignals: Int
    public var alertsRaised: Int
}

extension FlowEngine {
    public func snapshot() -> FlowSnapshot {
        let saved = subjects.sorted { $0.key < $1.key }.map { key, state in
            FlowSnapshot.SavedSubject(subject: key, lastTime: state.lastTime, attempts: state.attempts.map { a in
                FlowSnapshot.SavedAttempt(flow: flows[a.flow].id, id: a.id, reached: a.reached, start: a.start, last: a.last,
                                          lang: a.lang, alerted: a.alerted,
                                          evidence: (a.evidence + a.pending).map { var e = $0; e.excerpt = ""; return e },
                                          countTimes: a.countTimes, countValues: a.countValues.isEmpty ? nil : a.countValues,
                                          captures: a.captures.isEmpty ? nil : a.captures, parties: a.parties.isEmpty ? nil : a.parties)
            }, context: state.context)
        }
        return FlowSnapshot(now: now, subjects: saved, evictions: evictions, lateSignals: lateSignals, alertsRaised: alertsRaised)
    }

    /// What `restore` left out, by cause: the two call for different words (a flow removed
    /// with its pack is news; a loaded flow without the step an attempt reached means the
    /// flow changed, or the state is not this engine's).
    public struct RestoreDrops: Sendable, Equatable {
        /// Attempts of flows that are not loaded.
        public var flowsGone = 0
        /// Attempts at a step beyond the steps their (loaded) flow has.
        public var beyondSteps = 0
    }

    /// The first attempt of `snapshot` that the flows loaded now cannot hold (a flow they do
    /// not define, a step beyond the flow's last), said with its subject and flow; nil when
    /// every attempt fits. With the very packs the state was written with, such an attempt
    /// cannot come from a run: the caller refuses the state. After the packs changed, it is
    /// the flow that changed: `restore` drops the attempt.
    public func attemptNotFitting(in snapshot: FlowSnapshot) -> FlowSnapshotDamage? {
        let steps = Dictionary(flows.map { ($0.id, $0.steps.count) }, uniquingKeysWith: { a, _ in a })
        for s in snapshot.subjects {
            for a in s.attempts {
                let at = "subject \(s.subject), \(a.flow)"
                guard let count = steps[a.flow] else {
                    return FlowSnapshotDamage(description: "\(at): an attempt of a flow none of the packs defines")
                }
                if a.reached > count {
                    return FlowSnapshotDamage(description: "\(at): an attempt at step \(a.reached) of a flow of \(count) steps")
                }
            }
        }
        return nil
    }

    /// Restores a snapshot; attempts of flows that no longer exist, or at a step their flow no
    /// longer has, are dropped.
    /// - Returns: how many attempts were dropped, by cause.
    @discardableResult
    public func restore(_ snapshot: FlowSnapshot) -> RestoreDrops {
        var dropped = RestoreDrops()
        let index = Dictionary(flows.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        subjects = [:]
        for s in snapshot.subjects {
            var state = SubjectState(lastTime: s.lastTime, context: s.context)
            for a in s.attempts {
                guard let f = index[a.flow] else { dropped.flowsGone += 1; continue }
                guard a.reached <= flows[f].steps.count else { dropped.beyondSteps += 1; continue }
                var attempt = Attempt(flow: f, id: a.id, reached: a.reached, start: a.start, last: a.last, lang: a.lang)
                attempt.alerted = a.alerted
                attempt.evidence = a.evidence
                attempt.countTimes = a.countTimes
                attempt.countValues = a.countValues ?? []
                attempt.captures = a.captures ?? [:]
                attempt.parties = a.parties ?? [:]
                state.attempts.append(attempt)
            }
            if !state.isEmpty { subjects[s.subject] = state }
        }
        now = snapshot.now
        evictions = snapshot.evictions
        lateSignals = snapshot.lateSignals
        alertsRaised = snapshot.alertsRaised
        return dropped
    }
}

/// A snapshot whose numbers cannot come from a run of the engine: a hand edit, another
/// program's file, or damage that still parses. Such a file is refused, never applied.
public struct FlowSnapshotDamage: Error, CustomStringConvertible, Sendable {
    /// What is wrong, with the subject and flow it concerns.
    public var description: String
}

extension FlowSnapshot {
    /// Checks what any run of the engine keeps true, whatever the packs: counts not negative,
    /// an attempt's step at least 1 and its alerted step not beyond it, its start not after its
    /// last step, one value per counted time. Steps beyond a flow's current length depend on
    /// the packs: `attemptNotFitting(in:)` finds them, and the caller knows whether the packs
    /// changed since (the flow did: `restore` drops the attempt) or not (the state is wrong).
    public func validate() throws(FlowSnapshotDamage) {
        guard (1...2).contains(version) else {
            throw FlowSnapshotDamage(description: "flow state version \(version) (this scamflow reads 1 and 2)")
        }
        // `Int64.min` is the engine's time before its first event: a run that read no record.
        guard now >= 0 || now == Int64.min, evictions >= 0, lateSignals >= 0, alertsRaised >= 0 else {
            throw FlowSnapshotDamage(description: "negative time or counter (now \(now), evictions \(evictions), late \(lateSignals), alerts \(alertsRaised))")
        }
        for s in subjects {
            for a in s.attempts {
                let at = "subject \(s.subject), \(a.flow)"
                // 0 only while counting towards a first step that counts (`count:`): such an
                // attempt holds the times counted so far (never none: the signal that started it).
                guard a.reached >= 1 || (a.reached == 0 && !a.countTimes.isEmpty) else {
                    throw FlowSnapshotDamage(description: "\(at): an attempt at step \(a.reached)")
                }
                guard (0...a.reached).contains(a.alerted) else {
                    throw FlowSnapshotDamage(description: "\(at): alerted at step \(a.alerted) of an attempt at step \(a.reached)")
                }
                guard a.start <= a.last else { throw FlowSnapshotDamage(description: "\(at): starts after its last step") }
                if let values = a.countValues, values.count != a.countTimes.count {
                    throw FlowSnapshotDamage(description: "\(at): \(a.countTimes.count) counted times but \(values.count) values")
                }
            }
        }
    }
}
