import Foundation
import PCRE2
import ScamPacks

/// A compiled condition on one attribute of a record: what an event rule's or a flow step's
/// `where:` holds.
public enum Condition: Sendable {
    case matches(Regex)
    case oneOf(Set<String>)
    case noneOf(Set<String>)
    case range(gt: Double?, gte: Double?, lt: Double?, lte: Double?)
    case equals(Bool)
    case exists(Bool)
    case sameAs(ValueRef)
    case differsFrom(ValueRef)
    case compare(String, ValueRef)
    case inRef(ValueRef)
    case notInRef(ValueRef)
    case withinKm(Double, ValueRef)
    case beyondKm(Double, ValueRef)
}

/// The conditions on one attribute, and how old a context fact they compare with may be.
public struct CompiledClause: Sendable {
    public let attribute: String
    public let conditions: [Condition]
    public let maxAge: Int64?
    public let spec: WhereClause
}

/// Values that mean the same thing, per attribute (`values:` of pack.yaml): the synonym, in
/// lowercase, to its canonical value. Conditions compare canonical values, so `channel: [offline]`
/// also takes `门店`, `pos` or `in_store` when the packs say so.
public struct ValueMap: Sendable {
    var table: [String: [String: String]] = [:]

    public init() {}

    /// Adds a pack's map; a synonym already mapped elsewhere keeps its first canonical value.
    /// - Returns: the synonyms that clashed (attribute, synonym, kept, ignored).
    @discardableResult
    mutating func add(_ values: [String: [String: [String]]]) -> [(String, String, String, String)] {
        var clashes: [(String, String, String, String)] = []
        for (attribute, canon) in values.sorted(by: { $0.key < $1.key }) {
            for (canonical, synonyms) in canon.sorted(by: { $0.key < $1.key }) {
                for synonym in synonyms + [canonical] {
                    let key = synonym.lowercased()
                    if let kept = table[attribute]?[key], kept != canonical {
                        clashes.append((attribute, synonym, kept, canonical))
                        continue
                    }
                    table[attribute, default: [:]][key] = canonical
                }
            }
        }
        return clashes
    }

    /// The canonical form of `text` for `attribute` (the text itself when no synonym matches).
    func canonical(_ attribute: String, _ text: String) -> String {
        guard let map = table[attribute] else { return text }
        return map[text.lowercased()] ?? text
    }

    public var isEmpty: Bool { table.isEmpty }
}

/// What a condition reads: the record's attributes and fields, the values the attempt captured,
/// the subject's context, the event time and the value map.
struct ConditionScope {
    var attrs: [String: AttributeValue]
    var peer: String?
    var conversation: String?
    var captures: [String: AttributeValue] = [:]
    var context: SubjectContext?
    var time: Int64
    var values: ValueMap

    /// An attribute of the record, or one of its fields (`peer`, `conversation`, `location`: the
    /// `lat,lon` of its `lat` and `lon`), canonical per the value map.
    func attribute(_ name: String) -> AttributeValue? {
        switch name {
        case "peer": return peer.map(AttributeValue.string)
        case "conversation": return conversation.map(AttributeValue.string)
        case "location":
            if let lat = attrs["lat"]?.number, let lon = attrs["lon"]?.number { return .string(GeoPoint.format(lat, lon)) }
            return attrs["location"]
        default:
            guard let value = attrs[name] else { return nil }
            if case .string(let s) = value, !values.isEmpty { return .string(values.canonical(name, s)) }
            return value
        }
    }

    /// The value a reference names, nil when unknown (or a context fact older than `maxAge`).
    func resolve(_ ref: ValueRef, attribute: String, maxAge: Int64?) -> AttributeValue? {
        switch ref {
        case .attribute(let name): return self.attribute(name)
        case .capture(let name): return captures[name]
        case .context(let key): return context?.value(key, at: time, maxAge: maxAge)
        }
    }

    /// The list a reference names (`context.usual_cities`), or its one value as a list.
    func resolveList(_ ref: ValueRef, attribute: String, maxAge: Int64?) -> [String]? {
        if case .context(let key) = ref, let list = context?.list(key, at: time, maxAge: maxAge) { return list }
        return resolve(ref, attribute: attribute, maxAge: maxAge).map { [$0.text] }
    }
}

extension CompiledClause {
    /// Whether every condition holds on `scope`. A comparison with a value that is unknown
    /// (absent, not captured, no context fact, or one too old) does not hold.
    func holds(_ scope: ConditionScope, matcher: Matcher) -> Bool {
        let value: AttributeValue?
        if attribute.hasPrefix("context.") {
            value = scope.context?.value(String(attribute.dropFirst("context.".count)), at: scope.time, maxAge: maxAge)
        } else {
            value = scope.attribute(attribute)
        }
        for condition in conditions where !holds(condition, value, scope, matcher) { return false }
        return true
    }

    private func holds(_ condition: Condition, _ value: AttributeValue?, _ scope: ConditionScope, _ matcher: Matcher) -> Bool {
        func canonical(_ text: String) -> String { scope.values.canonical(attribute, text) }
        switch condition {
        case .exists(let wanted): return (value != nil) == wanted
        case .equals(let wanted):
            if case .bool(let b)? = value { return b == wanted }
            if case .string(let s)? = value { return (s == "true") == wanted }
            return false
        case .matches(let regex):
            guard let text = value?.text else { return false }
            return ((try? matcher.firstMatch(regex, in: Subject(text.lowercased()))) ?? nil) != nil
        case .oneOf(let set): return value.map { set.contains($0.text) || set.contains(canonical($0.text)) } ?? false
        case .noneOf(let set): return value.map { !set.contains($0.text) && !set.contains(canonical($0.text)) } ?? true
        case .range(let gt, let gte, let lt, let lte):
            guard let n = value?.number else { return false }
            if let gt, !(n > gt) { return false }
            if let gte, !(n >= gte) { return false }
            if let lt, !(n < lt) { return false }
            if let lte, !(n <= lte) { return false }
            return true
        case .sameAs(let ref):
            guard let a = value?.text, let b = scope.resolve(ref, attribute: attribute, maxAge: maxAge)?.text else { return false }
            return canonical(a) == canonical(b)
        case .differsFrom(let ref):
            guard let a = value?.text, let b = scope.resolve(ref, attribute: attribute, maxAge: maxAge)?.text else { return false }
            return canonical(a) != canonical(b)
        case .compare(let op, let ref):
            guard let a = value?.number, let b = scope.resolve(ref, attribute: attribute, maxAge: maxAge)?.number else { return false }
            switch op {
            case "gt": return a > b
            case "gte": return a >= b
            case "lt": return a < b
            default: return a <= b
            }
        case .inRef(let ref):
            guard let a = value?.text, let list = scope.resolveList(ref, attribute: attribute, maxAge: maxAge) else { return false }
            return list.contains { canonical($0) == canonical(a) }
        case .notInRef(let ref):
            guard let a = value?.text, let list = scope.resolveList(ref, attribute: attribute, maxAge: maxAge) else { return false }
            return !list.contains { canonical($0) == canonical(a) }
        case .withinKm(let km, let ref), .beyondKm(let km, let ref):
            guard let a = value.flatMap({ GeoPoint($0.text) }),
                  let b = scope.resolve(ref, attribute: attribute, maxAge: maxAge).flatMap({ GeoPoint($0.text) }) else { return false }
            let d = a.distanceKm(to: b)
            if case .withinKm = condition { return d <= km }
            return d > km
        }
    }

    /// Compiles a clause's predicates (a pattern that does not compile is reported).
    static func compile(_ clause: WhereClause, rule: String, into diagnostics: inout [Diagnostic]) -> CompiledClause? {
        var compiled: [Condition] = []
        var ok = true
        for predicate in clause.predicates {
            switch predicate {
            case .matches(let pattern):
                if let regex = RuleSet.compilePattern(pattern, rule: rule, key: "where.\(clause.attribute)", into: &diagnostics) {
                    compiled.append(.matches(regex))
                } else {
                    ok = false
                }
            case .oneOf(let list): compiled.append(.oneOf(Set(list)))
            case .noneOf(let list): compiled.append(.noneOf(Set(list)))
            case .range(let gt, let gte, let lt, let lte): compiled.append(.range(gt: gt, gte: gte, lt: lt, lte: lte))
            case .equals(let b): compiled.append(.equals(b))
            case .exists(let b): compiled.append(.exists(b))
            case .sameAs(let other): compiled.append(.sameAs(other))
            case .differsFrom(let other): compiled.append(.differsFrom(other))
            case .compare(let op, let ref): compiled.append(.compare(op, ref))
            case .inRef(let ref): compiled.append(.inRef(ref))
            case .notInRef(let ref): compiled.append(.notInRef(ref))
            case .withinKm(let km, let ref): compiled.append(.withinKm(km, ref))
            case .beyondKm(let km, let ref): compiled.append(.beyondKm(km, ref))
            }
        }
        guard ok else { return nil }
        return CompiledClause(attribute: clause.attribute, conditions: compiled, maxAge: clause.maxAge, spec: clause)
    }
}

/// A place on the earth, from `lat,lon` text.
struct GeoPoint {
    var lat: Double
    var lon: Double

    init?(_ text: String) {
        let parts = text.split(separator: ",")
        guard parts.count == 2, let lat = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let lon = Double(parts[1].trimmingCharacters(in: .whitespaces)),
              (-90...90).contains(lat), (-180...180).contains(lon) else { return nil }
        self.lat = lat
        self.lon = lon
    }

    static func format(_ lat: Double, _ lon: Double) -> String { "\(lat),\(lon)" }

    /// Great-circle distance (haversine, mean earth radius 6,371 km).
    func distanceKm(to other: GeoPoint) -> Double {
        let r = 6371.0, rad = Double.pi / 180
        let dLat = (other.lat - lat) * rad, dLon = (other.lon - lon) * rad
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat * rad) * cos(other.lat * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, a.squareRoot()))
    }
}
