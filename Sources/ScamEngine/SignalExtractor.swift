import PCRE2

/// Turns a record and its rule hits into the signals flows consume: one per text hit, in the
/// order the hits occur in the text, and for an event record its own name plus the signal of
/// every event rule it satisfies.
///
/// One per thread (it owns a PCRE2 matcher for event-rule patterns).
public final class SignalExtractor {
    public let ruleSet: RuleSet
    private let matcher = Matcher()

    public init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// The key flows track a record under: its subject, else its conversation, else the record
    /// itself (so unrelated undated lines of a dump never chain into one flow).
    public static func subject(of record: Record) -> String {
        record.subject ?? record.conversation ?? record.source.description
    }

    /// Signals of `record`, at `time` (the record's time, or the caller's fallback for undated
    /// records).
    ///
    /// `wanted` says which signals the caller's flows can use; the others are not built (an
    /// event's summary costs more than the rest of its signals).
    public func signals(for record: Record, hits: [Hit], lang: String, time: Int64,
                        wanted: (String) -> Bool = { _ in true }) -> [SignalOccurrence] {
        let subject = SignalExtractor.subject(of: record)
        var out: [SignalOccurrence] = []
        let ordered = hits.count < 2 ? hits : hits.sorted { ($0.span.lowerBound, $0.rule) < ($1.span.lowerBound, $1.rule) }
        for hit in ordered {
            let rule = ruleSet.rules[hit.rule]
            guard wanted(rule.signal) else { continue }
            let evidence = Evidence(source: hit.source, time: hit.time, utcOffset: hit.utcOffset, signal: rule.signal, rule: rule.id,
                                    excerpt: hit.excerpt, span: hit.span, speaker: hit.speaker, recordID: hit.recordID)
            out.append(SignalOccurrence(subject: subject, signal: rule.signal, time: time, evidence: evidence, lang: lang,
                                        peer: record.peer, conversation: record.conversation))
        }
        if let rawName = record.event {
            let name = EventNames.canonical(rawName)
            var summary: String?
            func evidence(_ signal: String, _ rule: String) -> Evidence {
                if summary == nil { summary = SignalExtractor.describe(name, record.attrs) }
                return Evidence(source: record.source, time: record.time, utcOffset: record.utcOffset, signal: signal, rule: rule,
                                excerpt: summary!, span: 0..<0, speaker: nil, recordID: record.id)
            }
            if wanted(name) {
                out.append(SignalOccurrence(subject: subject, signal: name, time: time, evidence: evidence(name, "event"), lang: lang,
                                            peer: record.peer, conversation: record.conversation, attrs: record.attrs))
            }
            for index in ruleSet.eventRulesByName[name] ?? [] {
                let rule = ruleSet.eventRules[index]
                if wanted(rule.signal), rule.matches(record, matcher: matcher, values: ruleSet.values) {
                    out.append(SignalOccurrence(subject: subject, signal: rule.signal, time: time, evidence: evidence(rule.signal, rule.id), lang: lang,
                                                peer: record.peer, conversation: record.conversation, attrs: record.attrs))
                }
            }
        }
        return out
    }

    /// `app.installed package=com.example.remote` : what an event shows as its excerpt.
    static func describe(_ name: String, _ attrs: [String: AttributeValue]) -> String {
        guard !attrs.isEmpty else { return name }
        // Built as bytes: a `String` append costs hundreds of instructions (measured: the
        // appends were 60% of this function, itself 3.6% of a stream's instructions).
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count + 24 * min(attrs.count, 6))
        out += name.utf8
        func append(_ key: String, _ value: AttributeValue) {
            out.append(0x20)  // " "
            out += key.utf8
            out.append(0x3D)  // "="
            let text = value.text
            // Counting characters walks the string; at most 60 bytes is at most 60 characters.
            if text.utf8.count <= 60 || text.count <= 60 { out += text.utf8 } else { out += text.prefix(60).utf8 }
        }
        // Most events carry one attribute: sorting would allocate an array for it (measured: 1-2%
        // of the stream's time).
        if attrs.count == 1, let (key, value) = attrs.first {
            append(key, value)
        } else {
            for (key, value) in attrs.sorted(by: { $0.key < $1.key }).prefix(6) { append(key, value) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Event names: lowercase `domain.action`, with the raw Android names readers may pass on.
public enum EventNames {
    static let aliases: [String: String] = [
        "android.intent.action.package_added": "app.installed",
        "android.intent.action.package_removed": "app.removed",
        "android.intent.action.phone_state": "call.incoming",
        "android.provider.telephony.sms_received": "sms.received",
        "android.intent.action.user_present": "device.unlocked",
        "android.intent.action.screen_on": "device.screen_on",
    ]

    /// Invariant: every key of `aliases` starts with `android.`, so other names skip the table.
    public static func canonical(_ name: String) -> String {
        // Most names are lowercase ASCII already: `lowercased()` would allocate a copy per event.
        let lower = name.utf8.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } ? name.lowercased() : name
        return lower.hasPrefix("android.") ? aliases[lower] ?? lower : lower
    }
}
