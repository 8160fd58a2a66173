import ScamPacks

/// Checks a flow's conditions before it runs: a capture compared before a step binds it
/// (`SF121`), values of different kinds compared (`SF122`: a number with a city, a place with a
/// string), a context fact that does not exist (`SF123`). Each would make a condition never
/// hold, silently, so they are errors.
enum FlowLint {
    /// What kind of value an attribute, a capture or a context fact holds, when known.
    enum Kind: String {
        case number, bool, text, place, list
    }

    /// The kinds of the event vocabulary's attributes (README, "Device events"); others are text.
    static let attributeKinds: [String: Kind] = [
        "amount": .number, "duration_s": .number, "lat": .number, "lon": .number,
        "in_contacts": .bool, "full_screen": .bool, "opaque": .bool, "confirmed": .bool, "initiated_on_device": .bool,
        "location": .place,
    ]
    static let contextKinds: [String: Kind] = [
        "last_city": .text, "last_province": .text, "home_city": .text, "age_group": .text,
        "last_location": .place, "usual_cities": .list,
    ]

    static func diagnostics(_ flow: FlowSpec) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var bound: [String: Kind] = [:]
        func kind(of attribute: String) -> Kind { attributeKinds[attribute] ?? .text }
        func check(_ clause: WhereClause, step: String) {
            let own: Kind
            if clause.attribute.hasPrefix("context.") {
                let key = String(clause.attribute.dropFirst("context.".count))
                guard let k = contextKinds[key] else {
                    out.append(unknownContext(key, at: clause.location, flow: flow.id))
                    return
                }
                own = k
            } else {
                own = kind(of: clause.attribute)
            }
            for predicate in clause.predicates {
                for ref in predicate.references {
                    let other: Kind?
                    switch ref {
                    case .attribute(let a): other = kind(of: a)
                    case .capture(let name):
                        guard let k = bound[name] else {
                            out.append(Diagnostic(.captureUnbound, at: clause.location,
                                                  "step `\(step)` of flow \(flow.id) compares `\(clause.attribute)` with `$\(name)`, which no earlier step captures",
                                                  hint: "capture it in an earlier step: capture: {\(name): ATTRIBUTE}", rule: flow.id))
                            continue
                        }
                        other = k
                    case .context(let key):
                        guard let k = contextKinds[key] else {
                            out.append(unknownContext(key, at: clause.location, flow: flow.id))
                            continue
                        }
                        other = k
                    }
                    if let other, let problem = mismatch(predicate, own, other) {
                        out.append(Diagnostic(.kindMismatch, at: clause.location,
                                              "step `\(step)` of flow \(flow.id) compares `\(clause.attribute)` (\(own.rawValue)) with `\(ref)` (\(other.rawValue)): \(problem)",
                                              hint: "compare values of the same kind: numbers with numbers, places (location) with places, text with text", rule: flow.id))
                    }
                }
                if case .range = predicate, own != .number {
                    out.append(Diagnostic(.kindMismatch, at: clause.location,
                                          "step `\(step)` of flow \(flow.id) bounds `\(clause.attribute)` (\(own.rawValue)) with a number",
                                          hint: "gt, gte, lt and lte apply to numbers (amount, duration_s, lat, lon)", rule: flow.id))
                }
            }
        }
        for step in flow.steps {
            for clause in step.conditions + step.anyOf.flatMap({ $0 }) { check(clause, step: step.name) }
            for (name, attribute) in step.captures { bound[name] = kind(of: attribute) }
        }
        for clause in flow.escalateWhen { check(clause, step: "escalate_when") }
        return out
    }

    /// Why a predicate cannot compare these kinds, nil when it can.
    static func mismatch(_ predicate: AttributePredicate, _ own: Kind, _ other: Kind) -> String? {
        switch predicate {
        case .compare: return own == .number && other == .number ? nil : "gt, gte, lt and lte compare numbers"
        case .withinKm, .beyondKm: return own == .place && other == .place ? nil : "distances are between places (location, context.last_location)"
        case .inRef, .notInRef: return other == .list || other == own ? nil : "in and not_in take a list"
        case .sameAs, .differsFrom:
            if other == .list { return "use in / not_in to compare with a list" }
            return own == other ? nil : "the two values are of different kinds"
        default: return nil
        }
    }

    static func unknownContext(_ key: String, at location: SourceLocation, flow: String) -> Diagnostic {
        let known = ContextKeys.all.keys.sorted().map { "context.\($0)" }.joined(separator: ", ")
        return Diagnostic(.unknownContext, at: location, "flow \(flow) reads `context.\(key)`, which nothing sets",
                          hint: "the context facts are \(known)", rule: flow)
    }
}
