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

    /// One piece of evidence, in the order of the ndjson format (README, "Alert format"): where
    /// and when, the signal and rule with every signal and rule behind the same excerpt (one
    /// piece per span: `EvidenceMerger`), the excerpt (absent after a restart: the state file
    /// never holds message text) and its byte span, speaker, record and the model's weight.
    mutating func evidence(_ e: Evidence) {
        position("source", file: e.source.file, line: e.source.line)
        timestamp("time", e.time)
        string("signal", e.signal)
        string("rule", e.rule)
        strings("signals", e.signals)
        strings("rules", e.rules)
        if !e.excerpt.isEmpty { string("excerpt", e.excerpt) }
        range("span", e.span)
        string("speaker", e.speaker)
        string("record_id", e.recordID)
        double("weight", e.weight)
    }
}
