import ScamPacks

/// A flow in words (`scamflow flows --explain ID`): its steps, what each waits for, the
/// conditions and captures, what ties the steps together, and when it alerts.
public enum FlowExplainer {
    public static func explain(_ flow: CompiledFlow, pack: String, values: ValueMap) -> String {
        var out = "\(flow.id): \(flow.title) (\(pack))\n"
        out += "Tracked per subject (whose phone or account); a whole attempt fits in \(DurationText.format(flow.maxspan)).\n"
        switch flow.same.first {
        case "peer": out += "Every text signal of an attempt comes from one peer; device events (no peer) join any attempt of their subject.\n"
        case "conversation": out += "Every signal that belongs to a conversation comes from one conversation (call).\n"
        case "party": out += "Every text signal of an attempt comes from one party (its peer, else its conversation); device events join any attempt of their subject.\n"
        default: break
        }
        for (i, step) in flow.steps.enumerated() {
            var line = "\(i + 1). \(step.name)"
            if i > 0, let within = step.within { line += ", within \(DurationText.format(within)) of step \(i)" }
            if let count = step.count {
                line += ": \(count.atLeast) × \(count.signal) within \(DurationText.format(count.within))"
                if let of = count.totalOf, let bound = count.totalAtLeast { line += ", or their \(of) adding up to \(AttributeValue.number(bound).text)" }
            } else {
                line += ": " + step.signals.sorted().joined(separator: " or ")
            }
            out += line + "\n"
            if !step.clauses.isEmpty { out += "   where " + step.clauses.map { words($0, values) }.joined(separator: "\n     and ") + "\n" }
            for line in alternatives(step, values) { out += "   \(line)\n" }
            for (name, attribute) in step.captures { out += "   keeps $\(name) = its \(attribute)\n" }
            if i + 1 >= flow.alertFrom { out += "   → alert, \(flow.severity(reached: i + 1).rawValue)\n" }
        }
        if !flow.escalateWhen.isEmpty {
            out += "Every alert one severity higher when " + flow.escalateWhen.map { words($0, values) }.joined(separator: " and ") + ".\n"
        }
        if !flow.until.isEmpty { out += "Cancelled by: \(flow.until.sorted().joined(separator: ", ")).\n" }
        return out
    }

    /// One clause in words: `city differs from context.last_city (at most 2h old)`.
    /// A step's `where_any` groups, a line each: `and either A and B`, `or C`.
    static func alternatives(_ step: CompiledFlow.Step, _ values: ValueMap) -> [String] {
        step.anyOf.enumerated().map { g, group in
            (g == 0 ? "and either " : "or ") + group.map { words($0, values) }.joined(separator: " and ")
        }
    }

    static func words(_ clause: CompiledClause, _ values: ValueMap) -> String {
        let subject = clause.attribute
        let parts = clause.conditions.map { condition -> String in
            switch condition {
            case .matches(let regex): return "\(subject) matches /\(regex.pattern)/"
            case .oneOf(let set):
                let listed = set.sorted()
                let synonyms = listed.flatMap { canonical in (values.table[subject] ?? [:]).filter { $0.value == canonical && $0.key != canonical }.map(\.key) }.sorted()
                return "\(subject) is \(listed.joined(separator: " or "))" + (synonyms.isEmpty ? "" : " (or \(synonyms.joined(separator: ", ")))")
            case .noneOf(let set): return "\(subject) is not \(set.sorted().joined(separator: " or "))"
            case .range(let gt, let gte, let lt, let lte):
                var b: [String] = []
                if let gt { b.append("> \(AttributeValue.number(gt).text)") }
                if let gte { b.append(">= \(AttributeValue.number(gte).text)") }
                if let lt { b.append("< \(AttributeValue.number(lt).text)") }
                if let lte { b.append("<= \(AttributeValue.number(lte).text)") }
                return "\(subject) \(b.joined(separator: " and "))"
            case .equals(let b): return "\(subject) is \(b)"
            case .exists(let b): return b ? "\(subject) is given" : "\(subject) is absent"
            case .sameAs(let r): return "\(subject) equals \(r)"
            case .differsFrom(let r): return "\(subject) differs from \(r)"
            case .compare(let op, let r): return "\(subject) \(["gt": ">", "gte": ">=", "lt": "<", "lte": "<="][op] ?? op) \(r)"
            case .inRef(let r): return "\(subject) is one of \(r)"
            case .notInRef(let r): return "\(subject) is none of \(r)"
            case .withinKm(let km, let r): return "\(subject) is within \(AttributeValue.number(km).text) km of \(r)"
            case .beyondKm(let km, let r): return "\(subject) is more than \(AttributeValue.number(km).text) km from \(r)"
            }
        }
        var text = parts.joined(separator: " and ")
        if let maxAge = clause.maxAge { text += " (context at most \(DurationText.format(maxAge)) old)" }
        return text
    }

    /// What an edge into step `i` carries in a picture: its window and the values it was given.
    public static func edgeLabel(_ flow: CompiledFlow, _ i: Int) -> String? {
        var parts: [String] = []
        if let within = flow.steps[i].within { parts.append("within \(DurationText.format(within))") }
        let captured = flow.steps[..<i].flatMap(\.captures).map { "$\($0.name)" }
        if !captured.isEmpty { parts.append(captured.joined(separator: ", ")) }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
