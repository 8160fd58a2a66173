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

    /// Restores a snapshot; attempts of flows that no longer exist are dropped.
    /// - Returns: how many attempts were dropped.
    @discardableResult
    public func restore(_ snapshot: FlowSnapshot) -> Int {
        var dropped = 0
        let index = Dictionary(flows.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        subjects = [:]
        for s in snapshot.subjects {
            var state = SubjectState(lastTime: s.lastTime, context: s.context)
            for a in s.attempts {
                guard let f = index[a.flow], a.reached <= flows[f].steps.count else { dropped += 1; continue }
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
