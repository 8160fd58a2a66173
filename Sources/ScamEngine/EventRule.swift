import PCRE2
import ScamPacks

/// An event rule ready to run: event names plus compiled attribute conditions.
public struct CompiledEventRule: Sendable {
    public let id: String
    public let title: String
    public let signal: String
    public let events: Set<String>
    /// Conditions on attributes; all must hold.
    public let clauses: [CompiledClause]
    public let tags: [String]
    public let packIndex: Int
    public let location: SourceLocation

    /// Whether the event record satisfies every condition. Regex conditions run on the
    /// attribute's string form; a failed match (limit hit) counts as not matching.
    func matches(_ record: Record, matcher: Matcher, values: ValueMap) -> Bool {
        let scope = ConditionScope(attrs: record.attrs, peer: record.peer, conversation: record.conversation, time: record.time ?? 0, values: values)
        return clauses.allSatisfy { $0.holds(scope, matcher: matcher) }
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
