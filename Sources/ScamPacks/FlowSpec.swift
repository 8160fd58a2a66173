/// A condition on one attribute of an event (`where:` in an event rule).
public enum AttributePredicate: Sendable, Equatable {
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
    /// The value equals another attribute of the same event.
    case sameAs(String)
    /// The value differs from another attribute of the same event (e.g. `city` vs `home_city`).
    case differsFrom(String)
}

/// `attribute: predicate` pairs of an event rule; all must hold.
public struct WhereClause: Sendable, Equatable {
    public var attribute: String
    public var predicates: [AttributePredicate]
    public var location: SourceLocation
}

/// An event rule: turns a device event (`app.installed` with a remote-control package, ...) into
/// a signal that flows consume.
public struct EventRuleSpec: Sendable {
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
public struct FlowStepSpec: Sendable {
    public struct Count: Sendable {
        public var signal: String
        public var atLeast: Int
        /// Window in milliseconds.
        public var within: Int64
    }

    public var name: String
    /// Signals that satisfy the step (empty for a count step).
    public var any: [String]
    public var count: Count?
    /// Most time allowed since the previous step, in milliseconds.
    public var within: Int64?
    public var location: SourceLocation

    /// Every signal this step listens to.
    public var signals: [String] { count.map { [$0.signal] } ?? any }
}

/// A flow: an ordered sequence of steps per subject, alerting from `alertFrom` steps on with
/// escalating severity.
public struct FlowSpec: Sendable {
    public var id: String
    public var title: String
    /// The key attempts are tracked by (`subject`).
    public var by: String
    /// Most time from the first step to the last, in milliseconds.
    public var maxspan: Int64
    public var steps: [FlowStepSpec]
    /// Signals that cancel every attempt of this flow for the subject.
    public var until: [String]
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
public struct SequenceSpec: Sendable {
    public struct Expectation: Sendable {
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
public indirect enum FixtureValue: Sendable, Equatable {
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
