import PCRE2
import ScamPacks

/// An event rule ready to run: event names plus compiled attribute conditions.
public struct CompiledEventRule: Sendable {
    public enum Condition: Sendable {
        case matches(Regex)
        case oneOf(Set<String>)
        case noneOf(Set<String>)
        case range(gt: Double?, gte: Double?, lt: Double?, lte: Double?)
        case equals(Bool)
        case exists(Bool)
        case sameAs(String)
        case differsFrom(String)
    }

    public let id: String
    public let title: String
    public let signal: String
    public let events: Set<String>
    /// (attribute, conditions) pairs; all must hold.
    public let conditions: [(String, [Condition])]
    public let tags: [String]
    public let packIndex: Int
    public let location: SourceLocation

    /// Whether the event record satisfies every condition. Regex conditions run on the
    /// attribute's string form; a failed match (limit hit) counts as not matching.
    func matches(_ record: Record, matcher: Matcher) -> Bool {
        for (attribute, conditions) in conditions {
            let value = record.attrs[attribute]
            for condition in conditions where !CompiledEventRule.holds(condition, value, record, matcher) { return false }
        }
        return true
    }

    static func holds(_ condition: Condition, _ value: AttributeValue?, _ record: Record, _ matcher: Matcher) -> Bool {
        switch condition {
        case .exists(let wanted): return (value != nil) == wanted
        case .equals(let wanted):
            if case .bool(let b)? = value { return b == wanted }
            if case .string(let s)? = value { return (s == "true") == wanted }
            return false
        case .matches(let regex):
            guard let text = value?.text else { return false }
            return ((try? matcher.firstMatch(regex, in: Subject(text.lowercased()))) ?? nil) != nil
        case .oneOf(let set): return value.map { set.contains($0.text) } ?? false
        case .noneOf(let set): return value.map { !set.contains($0.text) } ?? true
        case .range(let gt, let gte, let lt, let lte):
            guard let n = value?.number else { return false }
            if let gt, !(n > gt) { return false }
            if let gte, !(n >= gte) { return false }
            if let lt, !(n < lt) { return false }
            if let lte, !(n <= lte) { return false }
            return true
        case .sameAs(let other):
            guard let a = value?.text, let b = record.attrs[other]?.text else { return false }
            return a == b
        case .differsFrom(let other):
            guard let a = value?.text, let b = record.attrs[other]?.text else { return false }
            return a != b
        }
    }
}

extension AttributeValue {
    /// The value as text (numbers without a trailing `.0` when whole).
    public var text: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        }
    }

    public var number: Double? {
        switch self {
        case .number(let d): return d
        case .string(let s): return Double(s)
        case .bool: return nil
        }
    }
}
