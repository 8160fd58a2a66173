/// What a condition compares an attribute with, when not a literal: another attribute of the
/// same event (`home_city`), a value an earlier step of the flow captured (`$pay_city`), or a
/// fact the stream remembers about the subject (`context.last_city`).
public enum ValueRef: Sendable, Equatable, CustomStringConvertible, Codable {
    case attribute(String)
    case capture(String)
    case context(String)

    /// `$name` is a capture, `context.key` a context fact, anything else an attribute.
    public init(_ text: String) {
        if text.hasPrefix("$") { self = .capture(String(text.dropFirst())) }
        else if text.hasPrefix("context.") { self = .context(String(text.dropFirst("context.".count))) }
        else { self = .attribute(text) }
    }

    public var description: String {
        switch self {
        case .attribute(let a): return a
        case .capture(let c): return "$" + c
        case .context(let k): return "context." + k
        }
    }
}

/// The context facts a condition may name (`context.KEY`), and what sets each.
public enum ContextKeys {
    public static let all: [String: String] = [
        "last_city": "the latest `device.location` event's `city`",
        "last_province": "the latest `device.location` event's `province`",
        "last_location": "the latest `device.location` event's `lat` and `lon`",
        "usual_cities": "the cities of `device.location` events seen on at least two days",
        "home_city": "`profile.set{home_city}`",
        "age_group": "`profile.set{age_group}` (elder, adult, minor)",
    ]
}

/// A condition on one attribute of an event (`where:` in an event rule or a flow step).
public enum AttributePredicate: Sendable, Equatable, Codable {
    /// A PCRE2 pattern that the attribute's string value must match (compiled by the engine).
    case matches(Located<String>)
    /// The value (as a string) is one of these.
    case oneOf([String])
    /// The value (as a string) is none of these.
    case noneOf([String])
    /// Numeric bounds; nil bounds are open.
    case range(gt: Double?, gte: Double?, lt: Double?, lte: Double?)
    /// The boolean value is this.
    case equals(Bool)
    /// The attribute is present (true) or absent (false).
    case exists(Bool)
    /// The value equals another value (an attribute, a capture, a context fact).
    case sameAs(ValueRef)
    /// The value differs from another value (`city` vs `home_city`, `$pay_city`, `context.last_city`).
    case differsFrom(ValueRef)
    /// The value, as a number, compared with another value: `gt`, `gte`, `lt`, `lte` against a
    /// reference (`amount: {gt: $limit}`).
    case compare(String, ValueRef)
    /// The value is (not) one of a list another value holds (`city: {not_in: context.usual_cities}`).
    case inRef(ValueRef)
    case notInRef(ValueRef)
    /// The place (`location`: `lat,lon`) is within, or beyond, this many km of another place.
    case withinKm(Double, ValueRef)
    case beyondKm(Double, ValueRef)

    /// The references the predicate compares with.
    public var references: [ValueRef] {
        switch self {
        case .sameAs(let r), .differsFrom(let r), .compare(_, let r), .inRef(let r), .notInRef(let r), .withinKm(_, let r), .beyondKm(_, let r): return [r]
        default: return []
        }
    }
}

/// `attribute: predicate` pairs of an event rule or a flow step; all must hold.
public struct WhereClause: Sendable, Equatable, Codable {
    public var attribute: String
    public var predicates: [AttributePredicate]
    /// How old a context fact this clause compares with may be (`max_age: 30m`); older facts
    /// count as unknown.
    public var maxAge: Int64?
    public var location: SourceLocation

    public init(attribute: String, predicates: [AttributePredicate], maxAge: Int64? = nil, location: SourceLocation) {
        self.attribute = attribute
        self.predicates = predicates
        self.maxAge = maxAge
        self.location = location
    }
}

/// An event rule: turns a device event (`app.installed` with a remote-control package, ...) into
/// a signal that flows consume.
public struct EventRuleSpec: Sendable, Codable {
    public var id: String
    public var title: String
    public var signal: String
    /// Event names the rule applies to (lowercase `domain.action`).
    public var events: [String]
    public var conditions: [WhereClause]
    public var tags: [String]
    public var location: SourceLocation
}

/// A step of a flow: any of several signals, or a count of one signal within a window.
public struct FlowStepSpec: Sendable, Codable {
    public struct Count: Sendable, Codable {
        public var signal: String
        public var atLeast: Int
        /// Window in milliseconds.
        public var within: Int64
        /// The step also holds when the signals' `totalOf` attribute adds up to `totalAtLeast`
        /// within the window (`total: {of: amount, at_least: 500}`): a few large charges drain as
        /// surely as many small ones.
        public var totalOf: String?
        public var totalAtLeast: Double?

        public init(signal: String, atLeast: Int, within: Int64, totalOf: String? = nil, totalAtLeast: Double? = nil) {
            self.signal = signal
            self.atLeast = atLeast
            self.within = within
            self.totalOf = totalOf
            self.totalAtLeast = totalAtLeast
        }
    }

    public var name: String
    /// Signals that satisfy the step (empty for a count step).
    public var any: [String]
    public var count: Count?
    /// Most time allowed since the previous step, in milliseconds.
    public var within: Int64?
    /// Conditions the signal's record must meet (all of them), on its attributes, the values
    /// earlier steps captured and the subject's context.
    public var conditions: [WhereClause] = []
    /// Alternatives: at least one group must hold in full (`where_any`).
    public var anyOf: [[WhereClause]] = []
    /// Values the step keeps for later steps: capture name → attribute of its record.
    public var captures: [(name: String, attribute: String)] = []
    public var location: SourceLocation

    /// Every signal this step listens to.
    public var signals: [String] { count.map { [$0.signal] } ?? any }
}

extension FlowStepSpec {
    // Written out because `captures` holds tuples: each is encoded as `[name, attribute]`.
    private enum CodingKeys: String, CodingKey { case name, any, count, within, conditions, anyOf, captures, location }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        any = try c.decode([String].self, forKey: .any)
        count = try c.decodeIfPresent(Count.self, forKey: .count)
        within = try c.decodeIfPresent(Int64.self, forKey: .within)
        conditions = try c.decode([WhereClause].self, forKey: .conditions)
        anyOf = try c.decode([[WhereClause]].self, forKey: .anyOf)
        captures = try c.decode([[String]].self, forKey: .captures).map { pair in
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(forKey: .captures, in: c, debugDescription: "a capture is [name, attribute]")
            }
            return (pair[0], pair[1])
        }
        location = try c.decode(SourceLocation.self, forKey: .location)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(any, forKey: .any)
        try c.encodeIfPresent(count, forKey: .count)
        try c.encodeIfPresent(within, forKey: .within)
        try c.encode(conditions, forKey: .conditions)
        try c.encode(anyOf, forKey: .anyOf)
        try c.encode(captures.map { [$0.name, $0.attribute] }, forKey: .captures)
        try c.encode(location, forKey: .location)
    }
}

/// A flow: an ordered sequence of steps per subject, alerting from `alertFrom` steps on with
/// escalating severity.
public struct FlowSpec: Sendable, Codable {
    public var id: String
    /// The title by language (`title: {zh: ..., en: ...}`; a plain string is `zh`'s): an alert
    /// takes the one of the language its attempt speaks. Never empty (the loader requires one).
    public var titles: [String: String]
    /// The Chinese title, else the first by language code: for listings and pictures.
    public var title: String { FlowSpec.title(titles) }

    public static func title(_ titles: [String: String]) -> String {
        titles["zh"] ?? titles.sorted { $0.key < $1.key }.first?.value ?? ""
    }
    /// The key attempts are tracked by (`subject`).
    public var by: String
    /// Most time from the first step to the last, in milliseconds.
    public var maxspan: Int64
    public var steps: [FlowStepSpec]
    /// Signals that cancel every attempt of this flow for the subject.
    public var until: [String]
    /// Record fields every step's signal must share with the attempt's earlier ones (`peer`,
    /// `conversation`, or `party`: the peer, else the conversation); a signal without the field
    /// (a device event) is not held to it.
    public var same: [String] = []
    /// Conditions on the subject's context that raise every alert of the flow one severity
    /// (`escalate_when: {context.age_group: [elder, minor]}`).
    public var escalateWhen: [WhereClause] = []
    /// Number of steps that must hold before the first alert (1-based).
    public var alertFrom: Int
    /// Severity per step from `alertFrom` on (`low`, `medium`, `high`, `critical`); the last one
    /// holds for any further step.
    public var severity: [String]
    public var advice: [String: String]
    public var tags: [String]
    public var location: SourceLocation
}

/// A sequence fixture: records in order, and the flow alerts they must and must not raise.
public struct SequenceSpec: Sendable, Codable {
    public struct Expectation: Sendable, Codable {
        public var flow: String
        /// The number of steps reached (1-based); nil: any step.
        public var step: Int?
        public var severity: String?
        public var location: SourceLocation
    }

    public var name: String
    /// Records as written (the design's Record fields).
    public var records: [[String: FixtureValue]]
    public var expect: [Expectation]
    public var expectNot: [Expectation]
    public var location: SourceLocation
}

/// A scalar or map value in a fixture record.
public indirect enum FixtureValue: Sendable, Equatable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case map([String: FixtureValue])
}

/// Durations written as `90s`, `30m`, `2h`, `1d`, `500ms`.
public enum DurationText {
    /// Milliseconds, or nil when the text is not a duration.
    public static func parse(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if let n = Int64(number), n >= 0, n < Int64.max / factor { return n * factor }
            return nil
        }
        return nil
    }

    /// `2h`, `30m`, `45s` or `500ms`: the shortest exact form.
    public static func format(_ ms: Int64) -> String {
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms >= factor && ms % factor == 0 {
            return "\(ms / factor)\(suffix)"
        }
        return "\(ms)ms"
    }
}
