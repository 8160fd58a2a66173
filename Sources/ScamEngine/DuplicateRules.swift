import ScamPacks

/// Rules that are probably one rule written twice: each matches every `match` example of the
/// other (`SF128`, a warning of `pack lint`).
///
/// Two packs each carrying a rule for the same claim, or a rule copied and reworded, score the
/// same text twice in the rule set and split a mechanism a person edits across two places. What
/// a rule's author wrote as its examples is what it is for; when the two sets of examples are
/// each caught by the other rule too, the rules do the same job. One warning per pair, at the
/// later rule; rules without `match` examples are not compared.
extension PackChecker {
    public func duplicateRuleDiagnostics(packs: Set<String>? = nil) -> [Diagnostic] {
        let scanner = Scanner(ruleSet: ruleSet)
        // For each rule, the rules that match every one of its examples (as a scan runs them:
        // prefilter, `unless`, channel and language filters).
        var coveredBy: [Int: Set<Int>] = [:]
        for (index, rule) in ruleSet.rules.enumerated() {
            if let packs, !packs.contains(ruleSet.packs[rule.packIndex].manifest.name) { continue }
            var common: Set<Int>?
            for example in rule.spec.examples.match {
                var hits: [Hit] = []
                var failures: [RuleFailure] = []
                let record = Record(text: example.value, source: SourcePosition(file: example.location.file, line: example.location.line))
                _ = scanner.scan(record, hits: &hits, failures: &failures)
                let matched = Set(hits.map(\.rule))
                common = common.map { $0.intersection(matched) } ?? matched
                if common?.isEmpty == true { break }
            }
            if var common {
                common.remove(index)
                coveredBy[index] = common
            }
        }
        var out: [Diagnostic] = []
        for (a, others) in coveredBy {
            for b in others where b > a && coveredBy[b]?.contains(a) == true {
                let first = ruleSet.rules[a], second = ruleSet.rules[b]
                let signals = first.signal == second.signal ? "both `\(first.signal)`" : "`\(first.signal)` and `\(second.signal)`"
                out.append(Diagnostic(.duplicateRule, .warning, at: second.spec.location,
                                      "rules \(first.id) and \(second.id) match each other's examples (\(signals)): likely one rule written twice",
                                      hint: "keep one rule (merge their patterns over a lexicon, first defined at \(first.spec.location)), or give each an example only it matches",
                                      rule: second.id))
            }
        }
        return out.sorted { $0.location < $1.location }
    }
}
