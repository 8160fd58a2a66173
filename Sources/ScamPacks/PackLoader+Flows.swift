import Yams

/// Event rules, flows and sequence fixtures: the parts of a pack that describe scams over time.
extension PackLoader {
    static let eventRuleKeys = ["id", "title", "signal", "event", "where", "tags", "score", "examples"]
    static let flowKeys = ["id", "title", "by", "maxspan", "steps", "until", "alert_from", "severity", "advice", "tags", "same", "escalate_when"]
    static let stepKeys = ["name", "any", "within", "count", "where", "where_any", "capture"]
    /// Record fields a flow's `same:` may name.
    public static let sameFields = ["peer", "conversation", "party"]
    static let severities = ["low", "medium", "high", "critical"]

    static func readEventRule(_ mapping: Node.Mapping, file: String, into diagnostics: inout [Diagnostic]) -> EventRuleSpec? {
        var r = NodeReader(file: file, mapping: mapping, context: "event rule")
        r.rejectUnknownKeys(allowed: eventRuleKeys, hints: ["match": "event rules test attributes with `where:`, not `match`"])
        let id = r.string("id", required: true)
        let title = r.string("title", required: true)
        let signal = r.string("signal", required: true)
        let events = r.strings("event", required: true) ?? []
        let tags = r.strings("tags", required: false)?.map(\.value) ?? []
        let conditions = r.node("where").map { readWhere($0, reader: &r, rule: id?.value) } ?? []
        if let id, !isValidID(id.value) {
            r.report(Diagnostic(.invalidValue, at: id.location, "rule id `\(id.value)` is not allowed", hint: "use lowercase letters, digits, '.', '-' and '_'", rule: id.value))
        }
        if let signal, !isValidSignal(signal.value) {
            r.report(Diagnostic(.invalidValue, at: signal.location, "signal `\(signal.value)` is not allowed", hint: "write domain.name in lowercase, e.g. tool.remote_control_installed", rule: id?.value))
        }
        for event in events where !isValidSignal(event.value) {
            r.report(Diagnostic(.invalidValue, at: event.location, "event name `\(event.value)` is not allowed", hint: "write domain.action in lowercase, e.g. app.installed", rule: id?.value))
        }
        diagnostics += r.diagnostics
        guard let id, let title, let signal, !events.isEmpty else { return nil }
        return EventRuleSpec(id: id.value, title: title.value, signal: signal.value, events: events.map(\.value),
                             conditions: conditions, tags: tags, location: r.location)
    }

    /// A `where:` mapping: attribute names to conditions.
    static func readWhere(_ node: Node, reader r: inout NodeReader, rule: String?) -> [WhereClause] {
        guard case .mapping(let clauses) = node else {
            r.report(Diagnostic(.wrongType, at: r.location(of: node), "`where` must map attribute names to conditions", rule: rule))
            return []
        }
        var out: [WhereClause] = []
        for (key, value) in clauses {
            guard let attribute = key.string else { continue }
            let location = r.location(of: key)
            var maxAge: Int64?
            if let predicates = readPredicates(value, attribute: attribute, at: location, reader: &r, rule: rule, maxAge: &maxAge) {
                out.append(WhereClause(attribute: attribute, predicates: predicates, maxAge: maxAge, location: location))
            }
        }
        return out
    }

    /// `attr: 'regex'`, `attr: [a, b]`, `attr: true`, or `attr: {match, in, not_in, gt, gte, lt, lte, exists, equals, same_as,
    /// differs_from, within_km + of, beyond_km + of, max_age}`; a value that starts with `$` (a capture) or `context.` (a
    /// context fact) is a reference, compared at run time.
    static func readPredicates(_ node: Node, attribute: String, at location: SourceLocation, reader r: inout NodeReader, rule: String?,
                               maxAge: inout Int64?) -> [AttributePredicate]? {
        func isReference(_ text: String?) -> Bool { text.map { $0.hasPrefix("$") || $0.hasPrefix("context.") } ?? false }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, let b = node.bool { return [.equals(b)] }
            return [.matches(Located(scalar.string, at: r.location(of: node)))]
        case .sequence(let items):
            return [.oneOf(items.compactMap(\.string))]
        case .mapping(let map):
            var out: [AttributePredicate] = []
            var bounds: (gt: Double?, gte: Double?, lt: Double?, lte: Double?) = (nil, nil, nil, nil)
            var hasBounds = false
            var distance: (op: String, km: Double)?
            var of: ValueRef?
            for (k, v) in map {
                guard let op = k.string else { continue }
                if ["gt", "gte", "lt", "lte"].contains(op), isReference(v.string) {
                    out.append(.compare(op, ValueRef(v.string!)))
                    continue
                }
                func number() -> Double? {
                    guard let d = v.float else {
                        r.report(Diagnostic(.wrongType, at: r.location(of: v), "`\(op)` of `\(attribute)` must be a number", rule: rule))
                        return nil
                    }
                    hasBounds = true
                    return d
                }
                switch op {
                case "match": out.append(.matches(Located(v.string ?? "", at: r.location(of: v))))
                case "in": out.append(isReference(v.string) ? .inRef(ValueRef(v.string!)) : .oneOf(v.sequence?.compactMap(\.string) ?? [v.string ?? ""]))
                case "not_in": out.append(isReference(v.string) ? .notInRef(ValueRef(v.string!)) : .noneOf(v.sequence?.compactMap(\.string) ?? [v.string ?? ""]))
                case "within_km", "beyond_km":
                    if let km = v.float, km >= 0 { distance = (op, km) } else {
                        r.report(Diagnostic(.wrongType, at: r.location(of: v), "`\(op)` of `\(attribute)` must be a number of kilometres", rule: rule))
                    }
                case "of": of = v.string.map(ValueRef.init)
                case "max_age":
                    if let text = v.string, let ms = DurationText.parse(text) { maxAge = ms } else {
                        r.report(Diagnostic(.invalidValue, at: r.location(of: v), "`max_age` is not a duration", hint: "write 90s, 30m, 2h or 1d", rule: rule))
                    }
                case "gt": bounds.gt = number()
                case "gte": bounds.gte = number()
                case "lt": bounds.lt = number()
                case "lte": bounds.lte = number()
                case "exists": out.append(.exists(v.bool ?? true))
                case "equals":
                    if let b = v.bool, v.string.map({ !isReference($0) }) ?? true, case .scalar(let s) = v, s.style == .plain { out.append(.equals(b)) }
                    else if let text = v.string { out.append(isReference(text) ? .sameAs(ValueRef(text)) : .oneOf([text])) }
                case "same_as": out.append(.sameAs(ValueRef(v.string ?? "")))
                case "differs_from": out.append(.differsFrom(ValueRef(v.string ?? "")))
                default:
                    r.report(Diagnostic(.unknownKey, at: r.location(of: k), "unknown condition `\(op)` on `\(attribute)`",
                                        hint: "use match, in, not_in, gt, gte, lt, lte, exists, equals, same_as, differs_from, within_km/beyond_km with of, max_age", rule: rule))
                }
            }
            if hasBounds { out.append(.range(gt: bounds.gt, gte: bounds.gte, lt: bounds.lt, lte: bounds.lte)) }
            if let distance {
                if let of {
                    out.append(distance.op == "within_km" ? .withinKm(distance.km, of) : .beyondKm(distance.km, of))
                } else {
                    r.report(Diagnostic(.missingField, at: location, "`\(distance.op)` needs `of:`, the place to measure from",
                                        hint: "e.g. location: {beyond_km: 100, of: context.last_location}", rule: rule))
                }
            }
            if maxAge != nil && !out.contains(where: { $0.references.contains { if case .context = $0 { return true } else { return false } } }) {
                r.report(Diagnostic(.invalidValue, .warning, at: location, "`max_age` on `\(attribute)` has no context fact to apply to",
                                    hint: "max_age bounds the age of a `context.*` value compared in the same mapping", rule: rule))
            }
            return out
        default:
            r.report(Diagnostic(.wrongType, at: location, "condition on `\(attribute)` must be a pattern, a list, a boolean or a mapping", rule: rule))
            return nil
        }
    }

    static func readFlows(_ file: PackFile, display: String, into diagnostics: inout [Diagnostic]) -> [FlowSpec] {
        guard let node = parse(file, display: display, into: &diagnostics) else { return [] }
        let items: [Node]
        switch node {
        case .mapping: items = [node]
        case .sequence(let s): items = Array(s)
        default:
            diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: node, in: display), "a flows file holds a flow (a mapping) or a list of flows"))
            return []
        }
        return items.compactMap { item in
            guard case .mapping(let mapping) = item else {
                diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: item, in: display), "each flow must be a mapping"))
                return nil
            }
            return readFlow(mapping, file: display, into: &diagnostics)
        }
    }

    static func readFlow(_ mapping: Node.Mapping, file: String, into diagnostics: inout [Diagnostic]) -> FlowSpec? {
        var r = NodeReader(file: file, mapping: mapping, context: "flow")
        r.rejectUnknownKeys(allowed: flowKeys)
        let id = r.string("id", required: true)
        let titles = r.localized("title", fallbackLanguage: "zh")
        if titles.isEmpty { r.report(Diagnostic(.missingField, at: r.location, "flow has no `title`", hint: "add `title:` (a string, or `zh:` and `en:` lines)")) }
        let by = r.string("by", required: false)?.value ?? "subject"
        let maxspanText = r.string("maxspan", required: true)
        let until = r.strings("until", required: false)?.map(\.value) ?? []
        let alertFrom = r.int("alert_from", required: false)
        let severity = r.strings("severity", required: false) ?? []
        let advice = r.localized("advice", fallbackLanguage: "zh")
        let tags = r.strings("tags", required: false)?.map(\.value) ?? []
        let flowID = id?.value
        let same = r.strings("same", required: false) ?? []
        for field in same where !sameFields.contains(field.value) {
            r.report(Diagnostic(.invalidValue, at: field.location, "`same: \(field.value)` is not a record field a flow can keep",
                                hint: "use peer, conversation or party (the peer, else the conversation)", rule: flowID))
        }
        let escalateWhen = r.node("escalate_when").map { readWhere($0, reader: &r, rule: flowID) } ?? []
        for clause in escalateWhen where !clause.attribute.hasPrefix("context.") {
            r.report(Diagnostic(.invalidValue, at: clause.location, "`escalate_when` tests the subject's context: write `context.\(clause.attribute)`",
                                hint: "e.g. escalate_when: {context.age_group: [elder, minor]}", rule: flowID))
        }
        var maxspan: Int64?
        if let maxspanText {
            maxspan = DurationText.parse(maxspanText.value)
            if maxspan == nil || maxspan == 0 {
                r.report(Diagnostic(.invalidValue, at: maxspanText.location, "`maxspan` is not a duration: \(maxspanText.value)", hint: "write 90s, 30m, 2h or 1d", rule: flowID))
            }
        }
        if by != "subject" {
            r.report(Diagnostic(.invalidValue, at: r.location, "`by: \(by)` is not supported", hint: "flows are tracked by subject", rule: flowID))
        }
        var steps: [FlowStepSpec] = []
        if let node = r.node("steps"), case .sequence(let items) = node {
            for item in items {
                guard case .mapping(let stepMap) = item else {
                    r.report(Diagnostic(.wrongType, at: r.location(of: item), "each step must be a mapping", rule: flowID))
                    continue
                }
                if let step = readStep(stepMap, file: file, flow: flowID, into: &r) { steps.append(step) }
            }
        } else {
            r.report(Diagnostic(.missingField, at: r.location, "flow has no `steps` list", hint: "list the steps in order, each with `name` and `any`", rule: flowID))
        }
        if let maxspan {
            for step in steps where (step.within ?? 0) > maxspan {
                r.report(Diagnostic(.invalidValue, .warning, at: step.location,
                                    "step `\(step.name)` allows \(DurationText.format(step.within!)) but the whole flow only \(DurationText.format(maxspan))",
                                    hint: "raise `maxspan` or shorten `within`", rule: flowID))
            }
        }
        if steps.isEmpty == false, let alertFrom, !(1...steps.count).contains(alertFrom.value) {
            r.report(Diagnostic(.invalidValue, at: alertFrom.location, "`alert_from` must be between 1 and the number of steps (\(steps.count))", rule: flowID))
        }
        for s in severity where !severities.contains(s.value) {
            r.report(Diagnostic(.invalidValue, at: s.location, "unknown severity `\(s.value)`", hint: "use low, medium, high or critical", rule: flowID))
        }
        if let id, !isValidID(id.value) {
            r.report(Diagnostic(.invalidValue, at: id.location, "flow id `\(id.value)` is not allowed", hint: "use lowercase letters, digits, '.', '-' and '_'", rule: flowID))
        }
        diagnostics += r.diagnostics
        guard let id, !titles.isEmpty, let maxspan, !steps.isEmpty else { return nil }
        let from = alertFrom?.value ?? min(2, steps.count)
        var flow = FlowSpec(id: id.value, titles: titles, by: by, maxspan: maxspan, steps: steps, until: until,
                            alertFrom: from, severity: severity.isEmpty ? ["medium", "high", "critical"] : severity.map(\.value),
                            advice: advice, tags: tags, location: r.location)
        flow.same = same.map(\.value)
        flow.escalateWhen = escalateWhen
        return flow
    }

    static func readStep(_ mapping: Node.Mapping, file: String, flow: String?, into parent: inout NodeReader) -> FlowStepSpec? {
        var r = NodeReader(file: file, mapping: mapping, context: "flow step")
        r.rejectUnknownKeys(allowed: stepKeys)
        let name = r.string("name", required: true)
        let any = r.strings("any", required: false)?.map(\.value) ?? []
        var within: Int64?
        if let text = r.string("within", required: false) {
            within = DurationText.parse(text.value)
            if within == nil { r.report(Diagnostic(.invalidValue, at: text.location, "`within` is not a duration: \(text.value)", hint: "write 90s, 30m, 2h", rule: flow)) }
        }
        var count: FlowStepSpec.Count?
        if let node = r.node("count") {
            if case .mapping(let map) = node {
                var c = NodeReader(file: file, mapping: map, context: "count")
                c.rejectUnknownKeys(allowed: ["signal", "at_least", "within", "total"])
                let signal = c.string("signal", required: true)
                let atLeast = c.int("at_least", required: true)
                let windowText = c.string("within", required: true)
                let window = windowText.flatMap { DurationText.parse($0.value) }
                if let windowText, window == nil { c.report(Diagnostic(.invalidValue, at: windowText.location, "`within` is not a duration", rule: flow)) }
                if let atLeast, atLeast.value < 1 { c.report(Diagnostic(.invalidValue, at: atLeast.location, "`at_least` must be at least 1", rule: flow)) }
                var total: (of: String, atLeast: Double)?
                if let node = c.node("total") {
                    if case .mapping(let tm) = node, let of = tm["of"]?.string, let bound = tm["at_least"]?.float {
                        total = (of, bound)
                    } else {
                        c.report(Diagnostic(.wrongType, at: c.location(of: node), "`total` must be {of: ATTRIBUTE, at_least: NUMBER}",
                                            hint: "e.g. total: {of: amount, at_least: 500}", rule: flow))
                    }
                }
                for d in c.diagnostics { r.report(d) }
                if let signal, let atLeast, let window {
                    count = .init(signal: signal.value, atLeast: atLeast.value, within: window, totalOf: total?.of, totalAtLeast: total?.atLeast)
                }
            } else {
                r.report(Diagnostic(.wrongType, at: r.location(of: node), "`count` must be {signal, at_least, within}", rule: flow))
            }
        }
        let conditions = r.node("where").map { readWhere($0, reader: &r, rule: flow) } ?? []
        var anyOf: [[WhereClause]] = []
        if let node = r.node("where_any") {
            if case .sequence(let groups) = node {
                anyOf = groups.map { readWhere($0, reader: &r, rule: flow) }
            } else {
                r.report(Diagnostic(.wrongType, at: r.location(of: node), "`where_any` must be a list of `where` mappings (one must hold)", rule: flow))
            }
        }
        var captures: [(name: String, attribute: String)] = []
        if let node = r.node("capture") {
            if case .mapping(let map) = node {
                for (k, v) in map {
                    guard let name = k.string, let attribute = v.string,
                          !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                        r.report(Diagnostic(.invalidValue, at: r.location(of: k), "a capture is `name: attribute` (name in lowercase letters, digits and '_')", rule: flow))
                        continue
                    }
                    captures.append((name, attribute))
                }
            } else {
                r.report(Diagnostic(.wrongType, at: r.location(of: node), "`capture` must map names to attributes, e.g. {pay_city: city}", rule: flow))
            }
        }
        if any.isEmpty && count == nil && r.node("count") == nil {
            r.report(Diagnostic(.missingField, at: r.location, "step has neither `any` nor `count`", hint: "list the signals that satisfy the step", rule: flow))
        }
        for d in r.diagnostics { parent.report(d) }
        guard let name, !any.isEmpty || count != nil else { return nil }
        var step = FlowStepSpec(name: name.value, any: any, count: count, within: within, location: r.location)
        step.conditions = conditions
        step.anyOf = anyOf
        step.captures = captures
        return step
    }

    static func readSequences(_ file: PackFile, display: String, into diagnostics: inout [Diagnostic]) -> [SequenceSpec] {
        guard let node = parse(file, display: display, into: &diagnostics) else { return [] }
        guard case .sequence(let items) = node else {
            diagnostics.append(Diagnostic(.wrongType, at: NodeReader.location(of: node, in: display), "a tests file must be a list of sequences"))
            return []
        }
        var out: [SequenceSpec] = []
        for item in items {
            guard case .mapping(let mapping) = item else { continue }
            var r = NodeReader(file: display, mapping: mapping, context: "sequence")
            r.rejectUnknownKeys(allowed: ["name", "records", "expect", "expect_not"])
            let name = r.string("name", required: true)
            var records: [[String: FixtureValue]] = []
            if let node = r.node("records"), case .sequence(let recs) = node {
                for rec in recs {
                    if case .map(let fields) = fixtureValue(rec) { records.append(fields) } else {
                        r.report(Diagnostic(.wrongType, at: r.location(of: rec), "each record must be a mapping of Record fields"))
                    }
                }
            } else {
                r.report(Diagnostic(.missingField, at: r.location, "sequence has no `records` list"))
            }
            func expectations(_ key: String) -> [SequenceSpec.Expectation] {
                guard let node = r.node(key) else { return [] }
                guard case .sequence(let list) = node else {
                    r.report(Diagnostic(.wrongType, at: r.location(of: node), "`\(key)` must be a list of {flow, step}"))
                    return []
                }
                return list.compactMap { e in
                    guard case .mapping(let m) = e, let flow = m["flow"]?.string else {
                        r.report(Diagnostic(.wrongType, at: r.location(of: e), "each expectation needs `flow`"))
                        return nil
                    }
                    return .init(flow: flow, step: m["step"]?.int, severity: m["severity"]?.string, location: r.location(of: e))
                }
            }
            let expect = expectations("expect")
            let expectNot = expectations("expect_not")
            diagnostics += r.diagnostics
            if let name { out.append(SequenceSpec(name: name.value, records: records, expect: expect, expectNot: expectNot, location: r.location)) }
        }
        return out
    }

    static func fixtureValue(_ node: Node) -> FixtureValue {
        switch node {
        case .mapping(let map):
            var out: [String: FixtureValue] = [:]
            for (k, v) in map { if let key = k.string { out[key] = fixtureValue(v) } }
            return .map(out)
        case .scalar(let s):
            if s.style == .plain {
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .number(Double(i)) }
                if let d = node.float { return .number(d) }
            }
            return .string(s.string)
        case .sequence(let items):
            return .string(items.compactMap(\.string).joined(separator: ","))
        case .alias:
            return .string("")
        }
    }
}
