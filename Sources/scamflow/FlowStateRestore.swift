import ScamEngine

/// Puts saved flow state back into a processor after checking that it can be trusted, for
/// `--state` files (`StreamSession`) and NATS key-value checkpoints (`NATSConsumer`) alike.
///
/// What cannot be trusted (impossible numbers; written with the very packs in force now yet
/// holding an attempt of a flow they do not define) is refused with the reason and `remedy`,
/// never applied. State written with other packs is used: attempts of flows no longer loaded,
/// or at a step their changed flow no longer has, are dropped and counted.
enum FlowStateRestore {
    /// Restores `flows` and returns the lines to say on stderr (without "scamflow: ").
    /// `called` names the state in messages ("the file").
    static func restore(_ flows: FlowSnapshot, writtenWith before: [String]?, into processor: StreamProcessor,
                        from origin: String, called: String, remedy: String) throws -> [String] {
        do {
            try flows.validate()
        } catch {
            throw StateError("\(called) is damaged: \(error); \(remedy)")
        }
        // An attempt of a flow not loaded, or at a step its flow does not have: after a pack
        // update the flow may be gone or have lost steps (the attempt is dropped below); with
        // the very packs the state was written with, no run can have produced it.
        let packs = processor.ruleSet.packs.map(\.manifest.label).sorted()
        if before == packs, let damage = processor.engine.attemptNotFitting(in: flows) {
            throw StateError("\(called) is damaged or another stream's: \(damage), yet it was written with the packs in force now; \(remedy)")
        }
        let dropped = processor.engine.restore(flows)
        var said: [String] = []
        if let before, before != packs {
            let gone = Set(before).subtracting(packs).sorted(), new = Set(packs).subtracting(before).sorted()
            said.append("the state was written with other packs (" + (gone.isEmpty ? "" : "then: \(gone.joined(separator: ", "))")
                        + (gone.isEmpty || new.isEmpty ? "" : "; ") + (new.isEmpty ? "" : "now: \(new.joined(separator: ", "))")
                        + "); flows that still exist continue from it")
        }
        var drops: [String] = []
        if dropped.flowsGone > 0 { drops.append("\(n(dropped.flowsGone, "attempt")) of flows no longer loaded dropped") }
        if dropped.beyondSteps > 0 {
            drops.append("\(n(dropped.beyondSteps, "attempt")) at a step their flow no longer has dropped: the flow changed with the packs")
        }
        said.append("resumed \(n(processor.engine.activeAttempts, "flow attempt")) of \(n(processor.engine.trackedSubjects, "subject")) from \(origin)"
                    + (drops.isEmpty ? "" : " (\(drops.joined(separator: "; ")))"))
        return said
    }

    /// `1 alert`, `2 alerts`.
    static func n(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
}
