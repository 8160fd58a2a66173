import ScamPacks

/// A flow ready to run. Invariant: `steps` is not empty and `1 <= alertFrom <= steps.count`.
///
/// A class, not a struct: the engine reads a flow for every signal it handles, and copying a
/// struct of a dozen reference-counted fields cost a retain and a release of each (measured:
/// 2% of a stream's time). Immutable, so sharing it is safe.
public final class CompiledFlow: Sendable {
    public struct Step: Sendable {
        public let name: String
        public let signals: Set<String>
        public let within: Int64?
        public let count: FlowStepSpec.Count?
        /// Conditions the signal's record must meet, and alternative groups (one must hold).
        public let clauses: [CompiledClause]
        public let anyOf: [[CompiledClause]]
        /// Values kept for later steps: name → attribute.
        public let captures: [(name: String, attribute: String)]
        /// Whether the step tests anything beyond its signal.
        var hasConditions: Bool { !clauses.isEmpty || !anyOf.isEmpty }
    }

    public let id: String
    /// Titles by language (`FlowSpec.titles`).
    public let titles: [String: String]
    public var title: String { FlowSpec.title(titles) }
    public let maxspan: Int64
    public let steps: [Step]
    public let until: Set<String>
    public let alertFrom: Int
    public let severity: [Severity]
    public let advice: [String: String]
    public let tags: [String]
    public let packIndex: Int
    /// `name@version` of its pack: what its alerts name, set here so a flow alert leaves the
    /// engine complete.
    public let pack: String
    /// The first language of its pack: what an attempt speaks (title and advice) until a
    /// message of known language takes a step; device events have none.
    public let language: String
    public let spec: FlowSpec
    /// Record fields every signal of an attempt must share (`same:`).
    public let same: [String]
    public let escalateWhen: [CompiledClause]

    /// Compiles a flow; nil (with diagnostics) when a pattern in a condition does not compile.
    static func compile(_ spec: FlowSpec, packIndex: Int, pack: String, language: String, into diagnostics: inout [Diagnostic]) -> CompiledFlow? {
        var ok = true
        func clauses(_ list: [WhereClause]) -> [CompiledClause] {
            list.compactMap { clause in
                let c = CompiledClause.compile(clause, rule: spec.id, into: &diagnostics)
                if c == nil { ok = false }
                return c
            }
        }
        let steps = spec.steps.map { s in
            Step(name: s.name, signals: Set(s.signals), within: s.within, count: s.count, clauses: clauses(s.conditions),
                 anyOf: s.anyOf.map(clauses), captures: s.captures)
        }
        let escalate = clauses(spec.escalateWhen)
        guard ok else { return nil }
        return CompiledFlow(spec: spec, packIndex: packIndex, pack: pack, language: language, steps: steps, escalateWhen: escalate)
    }

    private init(spec: FlowSpec, packIndex: Int, pack: String, language: String, steps: [Step], escalateWhen: [CompiledClause]) {
        self.pack = pack
        self.language = language
        id = spec.id
        titles = spec.titles
        maxspan = spec.maxspan
        self.steps = steps
        same = spec.same
        self.escalateWhen = escalateWhen
        until = Set(spec.until)
        alertFrom = max(1, min(spec.alertFrom, spec.steps.count))
        severity = spec.severity.compactMap(Severity.init(rawValue:))
        advice = spec.advice
        tags = spec.tags
        self.packIndex = packIndex
        self.spec = spec
    }

    /// Severity when `reached` steps hold (from `alertFrom` on; the last entry repeats).
    func severity(reached: Int) -> Severity {
        guard !severity.isEmpty else { return .medium }
        return severity[min(max(0, reached - alertFrom), severity.count - 1)]
    }
}

/// The event names of the design's vocabulary: flows may name them as signals directly, since
/// every event record emits its own name as a signal.
public enum EventVocabulary {
    public static let names: Set<String> = [
        "call.incoming", "call.answered", "call.ended", "call.outgoing", "call.missed", "sms.received", "sms.otp_received",
        "app.installed", "app.removed", "app.foreground", "screen_share.started", "screen_share.stopped", "overlay.shown",
        "accessibility.enabled", "remote_control.started", "auth.face_prompted", "auth.face_passed", "payment.app_opened",
        "payment.password_entered", "payment.passwordless.enabled", "payment.passwordless.disabled",
        "payment.passwordless.charged", "payment.face_pay.enabled", "payment.succeeded", "payment.transfer",
        "account.password_reset.requested", "account.security_contact.requested", "device.unlocked", "device.location", "profile.set",
    ]
}
