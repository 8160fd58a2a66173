import ScamPacks

extension PackChecker {
    /// Text rules that can never make a difference (`SF115`, a warning): no flow waits for their
    /// signal, and even together with the best rule of every other signal of their pack that
    /// can fire on the same channel and language, a record's score stays under the pack's
    /// threshold. Such a rule matches, and nothing ever comes of it.
    ///
    /// (Event rules whose signal no flow uses are reported when the rule set is compiled.)
    public func unreachableTextRuleDiagnostics() -> [Diagnostic] {
        var used = Set<String>()
        for flow in ruleSet.flows {
            for step in flow.steps { used.formUnion(step.signals) }
            used.formUnion(flow.until)
        }
        func overlap(_ a: [String], _ b: [String]) -> Bool { a.isEmpty || b.isEmpty || !Set(a).isDisjoint(with: b) }
        var out: [Diagnostic] = []
        for rule in ruleSet.rules where !used.contains(rule.signal) {
            let pack = ruleSet.packs[rule.packIndex]
            var best: [String: Int] = [:]
            for other in ruleSet.rules[pack.rules]
            where other.signal != rule.signal && overlap(rule.channels, other.channels) && overlap(rule.languages, other.languages) {
                best[other.signal] = max(best[other.signal] ?? 0, other.score)
            }
            let reachable = rule.score + best.values.reduce(0, +)
            guard reachable < pack.manifest.threshold else { continue }
            out.append(Diagnostic(.unusedSignal, .warning, at: rule.spec.location,
                                  "rule \(rule.id) can never raise an alert: no flow uses `\(rule.signal)`, and with every other signal of \(pack.manifest.name) it scores at most \(reachable), under the threshold \(pack.manifest.threshold)",
                                  hint: "raise its score, add the rules it should count with, or name `\(rule.signal)` in a flow step", rule: rule.id))
        }
        return out
    }
}
