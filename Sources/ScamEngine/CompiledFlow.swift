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
    }

    public let id: String
    public let title: String
    public let maxspan: Int64
    public let steps: [Step]
    public let until: Set<String>
    public let alertFrom: Int
    public let severity: [Severity]
    public let advice: [String: String]
    public let tags: [String]
    public let packIndex: Int
    public let spec: FlowSpec

    init(spec: FlowSpec, packIndex: Int) {
        id = spec.id
        title = spec.title
        maxspan = spec.maxspan
        steps = spec.steps.map { Step(name: $0.name, signals: Set($0.signals), within: $0.within, count: $0.count) }
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
        "account.password_reset.requested", "account.security_contact.requested", "device.unlocked",
    ]
}
