import Foundation
import ScamEngine

/// Output formats for alerts.
public enum AlertFormat: String, Sendable, CaseIterable {
    /// One JSON object a line (documented in README.md, "Alert format").
    case ndjson
    /// A readable block per alert, for people.
    case text
    /// One OCSF Detection Finding (class 2004) a line, for SIEMs that take OCSF (`OCSFFinding`).
    case ocsf
    /// One Elastic Common Schema alert document a line (`ECSDocument`).
    case ecs
}

/// Serializes alerts. Pure: returns strings, the CLI writes them.
public struct AlertEncoder: Sendable {
    public var format: AlertFormat
    /// ANSI colours in text output.
    public var color: Bool
    /// Mask numbers and names in every format (`Redactor.mask`, applied once in `encode`).
    public var redact: Bool
    /// Text format: every piece of evidence and every rule behind it, not only the strongest
    /// `strongest` pieces (ndjson always has them all).
    public var verbose: Bool
    /// Text format: how many pieces of evidence an alert shows when not verbose.
    public static let strongest = 4
    /// Who wrote the alerts (OCSF `metadata.product`, ECS `observer`).
    public var producer: AlertProducer = .scamflow
    /// Now, in ms since the epoch: the time OCSF and ECS give an alert that has none of its own
    /// (both formats require one). Injected so tests can fix it.
    public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    public init(format: AlertFormat, color: Bool = false, redact: Bool = false, verbose: Bool = false) {
        self.format = format
        self.color = color
        self.redact = redact
        self.verbose = verbose
    }

    /// The alert as one line (ndjson) or one block (text), ending with a newline.
    public func encode(_ alert: Alert) -> String {
        let alert = redact ? Redactor.mask(alert) : alert
        switch format {
        case .ndjson: return writer(alert).line()
        case .text: return text(alert)
        case .ocsf: return ocsf.writer(alert).line()
        case .ecs: return ecs.writer(alert).line()
        }
    }

    /// `encode(_:)` as UTF-8 bytes (the stream writes these: no String round trip per alert).
    public func encodeBytes(_ alert: Alert) -> [UInt8] {
        let alert = redact ? Redactor.mask(alert) : alert
        switch format {
        case .ndjson: return writer(alert).lineBytes()
        case .text: return Array(text(alert).utf8)
        case .ocsf: return ocsf.writer(alert).lineBytes()
        case .ecs: return ecs.writer(alert).lineBytes()
        }
    }

    var ocsf: OCSFFinding { OCSFFinding(producer: producer, foundAt: clock()) }
    var ecs: ECSDocument { ECSDocument(producer: producer, foundAt: clock()) }

    public func json(_ alert: Alert) -> String { writer(redact ? Redactor.mask(alert) : alert).finished() }

    func writer(_ alert: Alert) -> JSONWriter {
        var w = JSONWriter()
        w.timestamp("time", alert.time)
        w.localTimestamp("local_time", alert.time, utcOffset: alert.utcOffset)
        w.string("alert_id", alert.alertID)
        w.string("subject", alert.subject)
        w.string("peer", alert.peer)
        w.string("kind", alert.kind.rawValue)
        w.string("id", alert.id)
        w.string("title", alert.title)
        w.int("step", alert.step)
        w.string("step_name", alert.stepName)
        if !alert.steps.isEmpty { w.strings("steps", alert.steps) }
        w.string("attempt_id", alert.attemptID)
        w.string("severity", alert.severity.rawValue)
        w.int("score", alert.score)
        w.int("threshold", alert.threshold)
        w.string("advice", alert.advice)
        w.string("pack", alert.pack)
        w.position("source", file: alert.source.file, line: alert.source.line)
        w.string("record_id", alert.recordID)
        w.string("channel", alert.channel)
        w.string("lang", alert.lang)
        w.strings("tags", alert.tags)
        w.objects("evidence", alert.evidence) { $0.evidence($1) }
        if !alert.otherPacks.isEmpty {
            w.objects("also", alert.otherPacks) { pw, p in
                pw.string("pack", p.pack)
                pw.int("score", p.score)
                pw.int("threshold", p.threshold)
            }
        }
        if !alert.related.isEmpty {
            w.objects("related", alert.related) { rw, r in
                rw.string("kind", r.kind.rawValue)
                rw.string("id", r.id)
                rw.string("title", r.title)
                rw.string("severity", r.severity.rawValue)
                rw.string("alert_id", r.alertID)
                rw.int("step", r.step)
                rw.string("step_name", r.stepName)
            }
        }
        if let model = alert.model {
            w.object("model") { mw in
                mw.string("pack", model.pack)
                mw.double("p", model.probability)
                mw.string("effect", model.effect.rawValue)
                mw.string("reason", model.reason)
                if !model.features.isEmpty {
                    mw.objects("features", model.features) { fw, f in
                        fw.string("feature", f.key)
                        fw.double("weight", f.weight)
                    }
                }
            }
        }
        return w
    }

    public func text(_ alert: Alert) -> String {
        let c = Palette(enabled: color)
        let sev = alert.severity.rawValue.uppercased()
        let sevColored: String
        switch alert.severity {
        case .critical: sevColored = c.wrap(sev, "1;31")
        case .high: sevColored = c.wrap(sev, "31")
        case .medium: sevColored = c.wrap(sev, "33")
        case .low: sevColored = c.wrap(sev, "36")
        case .info: sevColored = c.wrap(sev, "2")
        }
        let measure: String
        switch alert.kind {
        case .flow: measure = "step \(alert.step ?? 0) \(alert.stepName ?? "") (\(alert.steps.joined(separator: " → ")))"
        case .rule: measure = "score \(alert.score)/\(alert.threshold)"
        case .model: measure = "p \(alert.model.map { String($0.probability) } ?? "?")"
        }
        var s = "\(c.wrap(alert.source.description, "35"))  \(sevColored) \(measure)  \(c.wrap(alert.id, "1"))  \(alert.title)\n"
        var meta: [String] = []
        if let subject = alert.subject { meta.append("subject \(subject)") }
        if let peer = alert.peer { meta.append("from \(peer)") }
        // The local time the input gave (its offset shown), else UTC.
        if let time = alert.time { meta.append(alert.utcOffset.map { Timestamp.format(time, utcOffset: $0) } ?? Timestamp.format(time)) }
        meta.append(alert.pack)
        meta.append("id \(alert.alertID)")
        s += "    " + c.wrap(meta.joined(separator: "  "), "2") + "\n"
        // A flow alert's pieces are its steps: all of them, always.
        let shown = verbose || alert.kind == .flow ? alert.evidence : AlertEncoder.strongest(alert.evidence, AlertEncoder.strongest)
        for e in shown {
            let excerpt = e.excerpt.replacingNewlines()
            var where_ = e.source.line != alert.source.line || e.source.file != alert.source.file
                ? (e.source.file == alert.source.file ? "line \(e.source.line) " : "\(e.source) ") : ""
            if let speaker = e.speaker { where_ += "\(speaker) " }
            let span = e.span.isEmpty ? "" : "[\(e.span.lowerBound)..\(e.span.upperBound)] "
            let weight = e.weight.map { " +\($0)" } ?? ""
            let rules = verbose || e.rules.count <= 2 ? e.rules.joined(separator: ", ")
                : e.rules.prefix(2).joined(separator: ", ") + ", +\(e.rules.count - 2)"
            s += "    - \(where_)\(span)\(c.wrap("«" + excerpt + "»", "32"))  \(e.signals.joined(separator: ", ")) (\(rules))\(weight)\n"
        }
        if shown.count < alert.evidence.count {
            let more = alert.evidence.count - shown.count
            s += c.wrap("    (\(more) more piece\(more == 1 ? "" : "s") of evidence: --verbose shows \(more == 1 ? "it" : "them"))", "2") + "\n"
        }
        if let model = alert.model {
            var line = "    model: p \(model.probability), \(model.effect.rawValue)"
            if let reason = model.reason { line += " (\(reason))" }
            if !model.features.isEmpty { line += "; " + model.features.map { "\($0.key) \($0.weight)" }.joined(separator: ", ") }
            s += c.wrap(line, "2") + "\n"
        }
        for r in alert.related {
            let step = r.step.map { " step \($0) \(r.stepName ?? "")" } ?? ""
            s += "    also raised: \(r.kind.rawValue) \(r.id)\(step) (\(r.severity.rawValue)) \(r.title)\n"
        }
        if !alert.otherPacks.isEmpty {
            s += "    also: " + alert.otherPacks.map { "\($0.pack) score \($0.score)/\($0.threshold)" }.joined(separator: ", ") + "\n"
        }
        if let advice = alert.advice { s += "    " + c.wrap("advice:", "1") + " \(advice)\n" }
        return s
    }
}

extension AlertEncoder {
    /// The `count` strongest pieces, in their original (text) order: rule pieces by score,
    /// then the model's by weight, then events and facts; ties keep the earlier piece.
    static func strongest(_ evidence: [Evidence], _ count: Int) -> [Evidence] {
        guard evidence.count > count else { return evidence }
        func strength(_ e: Evidence) -> (Int, Double) {
            if let score = e.score { return (2, Double(score)) }
            if let weight = e.weight { return (1, weight) }
            return (3, 0)  // events and context facts: what a flow step is made of
        }
        let chosen = evidence.indices.sorted { a, b in
            let sa = strength(evidence[a]), sb = strength(evidence[b])
            return sa != sb ? sa > sb : a < b
        }.prefix(count)
        return chosen.sorted().map { evidence[$0] }
    }
}

/// ANSI colours, or nothing when disabled.
struct Palette {
    let enabled: Bool
    func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}

extension String {
    func replacingNewlines() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }
}
