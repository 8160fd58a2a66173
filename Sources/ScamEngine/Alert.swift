/// How urgent an alert is. Ordered: `info < low < medium < high < critical`.
///
/// `info` is a finding that is not an alert: a rule alert the learned scorer set aside (a
/// retelling, a warning). It is shown only when asked for (`--show-info`) and never counts as
/// flagging a record.
public enum Severity: String, Sendable, Comparable, CaseIterable, Codable {
    case info, low, medium, high, critical

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One piece of proof behind an alert: a rule that matched, where, and the matched text.
public struct Evidence: Sendable, Hashable, Codable {
    public var source: SourcePosition
    public var time: Int64?
    /// The UTC offset the record's time was written with (`Record.utcOffset`).
    public var utcOffset: Int?
    public var signal: String
    public var rule: String
    /// The matched text, taken from the original (not the normalized) text.
    public var excerpt: String
    /// Byte range of `excerpt` in the original text of the record (UTF-8 offsets).
    public var span: Range<Int>
    public var speaker: String?
    public var recordID: String?
    /// For the learned scorer's evidence: how much the excerpt's n-grams added to the margin.
    public var weight: Double?
    /// The other rules and signals behind the same excerpt, when pieces were merged
    /// (`EvidenceMerger`): `rules` is `rule` followed by these. Not kept in flow snapshots
    /// (they hold one piece per signal, before any merge).
    public var moreRules: [String] = []
    public var moreSignals: [String] = []
    /// The highest score of the rules behind the piece (rule evidence only): what the text
    /// format ranks pieces by when it shows only the strongest.
    public var score: Int?

    /// Every rule that matched this excerpt, `rule` first.
    public var rules: [String] { [rule] + moreRules }
    /// Every signal raised on this excerpt, `signal` first.
    public var signals: [String] { [signal] + moreSignals }

    /// `text` cut to `maxScalars` scalars with "…" (an excerpt that already ends so, from an
    /// earlier cut, is left as it is). The one place excerpts are cut: the scanner, the model's
    /// explainer and the evidence merger all call it.
    public static func cut(_ text: String, maxScalars: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > maxScalars, !(scalars.count == maxScalars + 1 && scalars.last == "…") else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(maxScalars))) + "…"
    }

    private enum CodingKeys: String, CodingKey {
        // `utcOffset` is absent from snapshots written before it existed: it decodes as nil.
        case source, time, utcOffset, signal, rule, excerpt, span, speaker, recordID, weight
    }

    public init(source: SourcePosition, time: Int64?, utcOffset: Int? = nil, signal: String, rule: String, excerpt: String,
                span: Range<Int>, speaker: String?, recordID: String?, weight: Double? = nil) {
        self.source = source
        self.time = time
        self.utcOffset = utcOffset
        self.signal = signal
        self.rule = rule
        self.excerpt = excerpt
        self.span = span
        self.speaker = speaker
        self.recordID = recordID
        self.weight = weight
    }
}

/// A finding: a record (or conversation) whose score reached a pack's threshold, or (later) a
/// flow that advanced far enough. The wire format is documented in README.md ("Alert format").
public struct Alert: Sendable {
    /// `rule`: the rules of a pack reached its threshold; `flow`: a flow reached a step at or
    /// beyond `alert_from`; `model`: the learned scorer was sure where the rules were not.
    public enum Kind: String, Sendable { case rule, flow, model }

    /// Time of the latest evidence, when known (ms since the Unix epoch).
    public var time: Int64?
    /// The UTC offset the input wrote that latest evidence's time in, when it gave one: the
    /// alert's local time is `time` at this offset (`local_time`).
    public var utcOffset: Int? = nil
    /// Stable identifier of the finding: the same input scanned again gives the same id.
    public var alertID: String
    public var subject: String?
    /// Who sent what the alert is about: the record's peer (a phone number, a chat contact);
    /// for a flow, the peer of its latest step that had one.
    public var peer: String?
    public var kind: Kind
    /// The rule (or flow) that names the finding: the highest-scoring rule.
    public var id: String
    public var title: String
    public var severity: Severity
    public var score: Int
    public var threshold: Int
    public var advice: String?
    public var evidence: [Evidence]
    /// `name@version` of the pack.
    public var pack: String
    /// Where the finding is: the record or first segment of the conversation.
    public var source: SourcePosition
    public var recordID: String?
    public var channel: String?
    public var lang: String
    public var tags: [String]
    /// For flow alerts: the number of steps reached, the name of the last, and all their names.
    public var step: Int?
    public var stepName: String?
    public var steps: [String] = []
    /// For flow alerts: the attempt this alert belongs to (one alert per attempt per step).
    public var attemptID: String?
    /// Other packs whose threshold the same record reached (the alert is named by the one
    /// with the highest severity, then score).
    public var otherPacks: [PackScore] = []
    /// What the learned scorer said, when a model ran on the unit.
    public var model: ModelOpinion?
    /// Other alerts raised on the same record and folded into this one (`AlertMerger`): one
    /// scam, one alert, with every reason.
    public var related: [Related] = []

    /// An alert folded into another: what it was, so its reason and id stay visible.
    public struct Related: Sendable, Equatable {
        public var kind: Kind
        public var id: String
        public var title: String
        public var severity: Severity
        public var alertID: String
        public var step: Int?
        public var stepName: String?
    }

    public struct PackScore: Sendable, Equatable {
        public var pack: String
        public var score: Int
        public var threshold: Int
    }

    /// The time of the latest piece of `evidence` and the UTC offset its input gave: what an
    /// alert reports as `time` and `local_time` (for a flow, its latest step). Among pieces of
    /// that same time, the first that has an offset gives it.
    static func latestTime(of evidence: [Evidence]) -> (time: Int64?, utcOffset: Int?) {
        var time: Int64?, offset: Int?
        for e in evidence {
            guard let t = e.time else { continue }
            if time == nil || t > time! {
                time = t
                offset = e.utcOffset
            } else if t == time!, offset == nil {
                offset = e.utcOffset
            }
        }
        return (time, offset)
    }
}
