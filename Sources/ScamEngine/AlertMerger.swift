/// One scam, one alert: alerts raised on the same record are folded into one.
///
/// A message can reach a pack's threshold (a message alert) and, in the same moment, take a
/// flow a step further (a flow alert); two flows can advance on it too. Reported apart, a
/// reader sees one scam twice. Folded, the alert of the highest severity stands (on a tie, a
/// flow's: it is the more specific mechanism, a sequence rather than one message), and the
/// others are listed under `related` with their kind, id, title, severity and `alert_id`,
/// while their evidence joins its own (one piece per span, `EvidenceMerger`).
///
/// Invariants: alerts of different records, or of one record but different subjects, are never
/// folded; findings that are not alerts (`info`) and pack findings stay apart; the order of the
/// result is the order of each group's first alert; folding is deterministic, so a replayed
/// stream folds the same way (and writes the same `alert_id`s).
public enum AlertMerger {
    public static func merged(_ alerts: [Alert]) -> [Alert] {
        merged(alerts, threads: 1)
    }

    /// `merged`, the groups folded on up to `threads` threads (the same alerts: each group is
    /// folded alone).
    public static func merged(_ alerts: [Alert], threads: Int) -> [Alert] {
        guard alerts.count > 1 else { return alerts }
        let groups = grouped(alerts)
        return ParallelMap.map(groups, threads: threads, fold)  // one thread, or few groups: a plain map
    }

    /// The alerts to fold together, in the order of each group's first alert.
    static func grouped(_ alerts: [Alert]) -> [[Alert]] {
        var groups: [[Alert]] = []
        var index: [Key: Int] = [:]
        for alert in alerts {
            guard alert.severity != .info, let key = key(of: alert) else {
                groups.append([alert])
                continue
            }
            if let i = index[key] { groups[i].append(alert) } else {
                index[key] = groups.count
                groups.append([alert])
            }
        }
        return groups
    }

    struct Key: Hashable {
        var subject: String?
        var source: SourcePosition
        var recordID: String?
    }

    /// The record an alert names: for a flow, the record of its latest step.
    ///
    /// A record without subject or conversation is its own subject for the flows
    /// (`SignalExtractor.subject(of:)`: its position), while its message alert has none: a
    /// flow alert whose subject is its own record's position is such a record's, and keys as
    /// subject-less, so the two fold like those of a record with a subject.
    static func key(of alert: Alert) -> Key? {
        guard alert.source.line > 0 || alert.recordID != nil else { return nil }
        let subject = alert.kind == .flow && alert.subject == alert.source.description ? nil : alert.subject
        return Key(subject: subject, source: alert.source, recordID: alert.recordID)
    }

    static func fold(_ group: [Alert]) -> Alert {
        guard group.count > 1 else { return group[0] }
        func rank(_ a: Alert) -> (Severity, Int) { (a.severity, a.kind == .flow ? 1 : 0) }
        var best = 0
        for i in group.indices.dropFirst() where rank(group[i]) > rank(group[best]) { best = i }
        var primary = group[best]
        for (i, other) in group.enumerated() where i != best {
            primary.related.append(Alert.Related(kind: other.kind, id: other.id, title: other.title, severity: other.severity,
                                                 alertID: other.alertID, step: other.step, stepName: other.stepName))
            primary.related += other.related
            if primary.peer == nil { primary.peer = other.peer }
            if primary.advice == nil { primary.advice = other.advice }
            for tag in other.tags where !primary.tags.contains(tag) { primary.tags.append(tag) }
            if primary.model == nil { primary.model = other.model }
            primary.evidence += other.evidence.filter { !primary.evidence.contains($0) }
        }
        primary.evidence = EvidenceMerger.merged(ordered(primary.evidence))
        return primary
    }

    /// Pieces grouped by record in the order the records first appear (what the merger wants),
    /// keeping their order within a record.
    static func ordered(_ evidence: [Evidence]) -> [Evidence] {
        // A handful of records at most (a flow's steps and the message): a linear search.
        var groups: [[Evidence]] = []
        for e in evidence {
            if let i = groups.firstIndex(where: { EvidenceMerger.sameRecord($0[0], e) }) { groups[i].append(e) } else { groups.append([e]) }
        }
        return groups.flatMap { $0 }
    }
}
