import ScamEngine

/// The alert's own facts that OCSF (`unmapped`, `evidences[].data`) and ECS (`scamflow.*`)
/// carry in the same words: written once here so the two formats cannot drift apart.
extension JSONWriter {
    /// Kind, score, threshold, pack, where, channel, language, peer and a flow's steps (as
    /// given: `AlertEncoder` masked the alert already under `--redact`).
    mutating func alertFacts(_ alert: Alert) {
        string("kind", alert.kind.rawValue)
        int("score", alert.score)
        int("threshold", alert.threshold)
        string("pack", alert.pack)
        position("source", file: alert.source.file, line: alert.source.line)
        string("record_id", alert.recordID)
        string("channel", alert.channel)
        string("lang", alert.lang)
        string("peer", alert.peer)
        int("step", alert.step)
        string("step_name", alert.stepName)
        if !alert.steps.isEmpty { strings("steps", alert.steps) }
    }

    /// One piece of evidence: the excerpt (absent after a restart, when the state file held
    /// no text), its byte span, signals, rules, where and when.
    mutating func evidence(_ e: Evidence) {
        if !e.excerpt.isEmpty { string("excerpt", e.excerpt) }
        range("span", e.span)
        string("signal", e.signal)
        string("rule", e.rule)
        strings("signals", e.signals)
        strings("rules", e.rules)
        position("source", file: e.source.file, line: e.source.line)
        timestamp("time", e.time)
        string("speaker", e.speaker)
        string("record_id", e.recordID)
        double("weight", e.weight)
    }
}
