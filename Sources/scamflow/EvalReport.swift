import Foundation
import ScamEngine
import ScamIO

/// What `scamflow eval` prints: per file (and for all files together when there are several)
/// the counts, metrics, confusion table and categories, then the thresholds checked.
///
/// The text form has no timings, so it is stable for golden files; the JSON form is one object
/// (documented in EVAL.md) with metrics as numbers, `null` when undefined.
struct EvalReport {
    var files: [FileEvaluation]
    var checks: [ThresholdCheck]
    var scorer: Scorer = .both
    /// The model in force, when there is one.
    var model: ModelNote?

    struct ModelNote {
        var label: String
        var file: ModelFile
        var includeTrained: Bool

        /// `model scam-model@1.0.0: trained on 37,155 records (holdout 20% by id hash) ...`
        var line: String {
            let records = file.sources.reduce(0) { $0 + $1.records }
            var s = "model \(label): trained on \(records) records of \(file.sources.map(\.name).joined(separator: ", "))"
            if let split = file.split { s += " (\(split.replacingOccurrences(of: "\t", with: " ")))" }
            s += includeTrained ? "; records it was trained on are counted (--include-trained): those numbers measure memory"
                                : "; records it was trained on are left out of every count below"
            return s
        }
    }

    /// Every file pooled, categories merged by name.
    var total: (tally: EvalTally, categories: [String: EvalTally]) {
        var tally = EvalTally()
        var categories: [String: EvalTally] = [:]
        for file in files {
            tally.add(file.total)
            for (name, t) in file.categories { categories[name, default: EvalTally()].add(t) }
        }
        return (tally, categories)
    }

    // MARK: text

    func text() -> String {
        var out = ""
        if let model { out += model.line + "\n" }
        if scorer != .both { out += "scorer: \(scorer.rawValue) alone\n" }
        if model != nil || scorer != .both { out += "\n" }
        for file in files {
            out += section(file.file, file.total, file.categories)
            if file.seenInTraining > 0 { out += "  left out (the model was trained on them): \(file.seenInTraining)\n" }
            if !file.ruleFailures.isEmpty { out += "  rule failures (match limit): \(file.ruleFailures.count)\n" }
            out += "\n"
        }
        if files.count > 1 {
            let t = total
            out += section("all files", t.tally, t.categories) + "\n"
        }
        if !checks.isEmpty {
            out += "thresholds\n"
            let width = checks.map { Self.width(place($0)) }.max() ?? 0
            for check in checks {
                let status = check.value == nil ? "n/a " : (check.passed ? "ok  " : "FAIL")
                let metric = check.threshold.metric
                let measured = check.value.map { Self.format($0, metric) } ?? "-"
                let bound = "\(metric.isFloor ? "min" : "max") \(Self.format(check.threshold.limit, metric))"
                out += "  \(status)  \(Self.pad(place(check), width))  \(metric.rawValue) \(measured) (\(bound)\(check.value == nil ? ", nothing to measure" : ""))\n"
            }
            let failed = checks.filter { !$0.passed }.count
            out += failed == 0 ? "all \(checks.count) thresholds met\n" : "\(failed) of \(checks.count) thresholds not met\n"
        }
        return out
    }

    private func place(_ check: ThresholdCheck) -> String {
        check.file + (check.category.map { " [\($0)]" } ?? "")
    }

    private func section(_ title: String, _ t: EvalTally, _ categories: [String: EvalTally]) -> String {
        var out = "\(title): \(t.records) records (\(t.scams) scam, \(t.benign) benign, \(t.spam) spam)\n"
        out += "  recall \(Self.ratio(t.recall, t.caught, t.scams, .recall))"
        out += "   precision \(t.precision.map { Self.format($0, .precision) } ?? "-")"
        out += "   false alarms \(Self.ratio(t.falseAlarmRate, t.falseAlarms, t.benign, .falseAlarm))"
        out += "   spam called a scam \(Self.ratio(t.spamRate, t.spamFlagged, t.spam, .spam))\n"
        out += "  \(Self.pad("", 8))  \(Self.lpad("flagged", 7))  \(Self.lpad("silent", 7))\n"
        for (name, total, flagged) in [("scam", t.scams, t.caught), ("benign", t.benign, t.falseAlarms), ("spam", t.spam, t.spamFlagged)] where total > 0 {
            out += "  \(Self.pad(name, 8))  \(Self.lpad("\(flagged)", 7))  \(Self.lpad("\(total - flagged)", 7))\n"
        }
        let names = categories.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        if !names.isEmpty {
            let width = max(8, names.map(Self.width).max() ?? 0)
            out += "  \(Self.pad("category", width))  \(Self.lpad("scams", 6))  \(Self.lpad("flagged", 7))  \(Self.lpad("recall", 6))"
            let others = names.contains { categories[$0]!.benign + categories[$0]!.spam > 0 }
            out += others ? "  \(Self.lpad("benign", 6))  \(Self.lpad("f.a.", 5))  \(Self.lpad("spam", 5))  \(Self.lpad("flagged", 7))\n" : "\n"
            for name in names {
                let c = categories[name]!
                out += "  \(Self.pad(name, width))  \(Self.lpad("\(c.scams)", 6))  \(Self.lpad("\(c.caught)", 7))  \(Self.lpad(c.recall.map { Self.format($0, .recall) } ?? "-", 6))"
                out += others ? "  \(Self.lpad("\(c.benign)", 6))  \(Self.lpad("\(c.falseAlarms)", 5))  \(Self.lpad("\(c.spam)", 5))  \(Self.lpad("\(c.spamFlagged)", 7))\n" : "\n"
            }
        }
        return out
    }

    /// `0.912 (1822/1998)`, `0.13% (5/3865)`, or `-` when there is nothing to measure.
    static func ratio(_ value: Double?, _ part: Int, _ whole: Int, _ metric: EvalMetric) -> String {
        guard let value else { return "-" }
        return "\(format(value, metric)) (\(part)/\(whole))"
    }

    /// Recall and precision as fractions, rates as percentages.
    static func format(_ value: Double, _ metric: EvalMetric) -> String {
        metric.isFloor ? String(format: "%.3f", value) : String(format: "%.2f%%", value * 100)
    }

    /// Terminal columns of `s` (CJK and full-width characters take two).
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return n + (wide ? 2 : 1)
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - width(s))) }
    static func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - width(s))) + s }

    // MARK: JSON

    func json() -> String {
        var w = JSONWriter()
        w.string("scorer", scorer.rawValue)
        if let model {
            w.object("model") { m in
                m.string("pack", model.label)
                m.string("split", model.file.split)
                m.int("trained_records", model.file.sources.reduce(0) { $0 + $1.records })
                m.bool("trained_records_counted", model.includeTrained)
            }
        }
        w.raw("files", "[" + files.map { file in
            var f = JSONWriter()
            f.string("file", file.file)
            Self.slice(&f, file.total, file.categories)
            f.int("rule_failures", file.ruleFailures.count)
            f.int("left_out_trained", file.seenInTraining)
            return f.finished()
        }.joined(separator: ",") + "]")
        var all = JSONWriter()
        let t = total
        Self.slice(&all, t.tally, t.categories)
        w.raw("total", all.finished())
        w.raw("thresholds", "[" + checks.map { check in
            var c = JSONWriter()
            c.string("file", check.file)
            c.string("category", check.category)
            c.string("metric", check.threshold.metric.rawValue)
            c.string("bound", check.threshold.metric.isFloor ? "min" : "max")
            c.raw("limit", Self.number(check.threshold.limit))
            c.raw("value", Self.number(check.value))
            c.bool("passed", check.passed)
            return c.finished()
        }.joined(separator: ",") + "]")
        w.bool("passed", !checks.contains { !$0.passed })
        return w.finished() + "\n"
    }

    private static func slice(_ w: inout JSONWriter, _ t: EvalTally, _ categories: [String: EvalTally]?) {
        w.int("records", t.records)
        w.raw("counts", counts(t))
        w.raw("recall", number(t.recall))
        w.raw("precision", number(t.precision))
        w.raw("false_alarm_rate", number(t.falseAlarmRate))
        w.raw("spam_rate", number(t.spamRate))
        guard let categories else { return }
        let names = categories.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        w.raw("categories", "[" + names.map { name in
            var c = JSONWriter()
            c.string("category", name)
            slice(&c, categories[name]!, nil)
            return c.finished()
        }.joined(separator: ",") + "]")
    }

    private static func counts(_ t: EvalTally) -> String {
        var c = JSONWriter()
        c.int("scam", t.scams); c.int("scam_flagged", t.caught)
        c.int("benign", t.benign); c.int("benign_flagged", t.falseAlarms)
        c.int("spam", t.spam); c.int("spam_flagged", t.spamFlagged)
        return c.finished()
    }

    /// Six decimals at most, no trailing zeros; `null` for an undefined metric.
    static func number(_ value: Double?) -> String {
        guard let value else { return "null" }
        var s = String(format: "%.6f", value)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
