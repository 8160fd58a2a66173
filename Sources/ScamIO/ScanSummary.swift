import Foundation
import ScamEngine

/// What a scan did, printed at its end: records, alerts by severity, skipped input by reason,
/// rule failures, time.
public struct ScanSummary: Sendable {
    public var files = 0
    public var records = 0
    public var units = 0
    public var bytes = 0
    public var alerts: [Severity: Int] = [:]
    public var issues: [InputIssue.Kind: Int] = [:]
    public var skippedRecords = 0
    public var ruleFailures = 0
    /// Rule alerts the learned scorer set aside and that were not shown (no `--show-info`).
    public var setAside = 0
    /// Installed packs set aside at load, each a short line (name, version, code, what stands in).
    public var packsSetAside: [String] = []
    public var seconds = 0.0

    public init() {}

    /// Alerts, info findings (`--show-info`) left out: they are not alerts.
    public var alertCount: Int { alerts.filter { $0.key > .info }.values.reduce(0, +) }
    public var issueCount: Int { issues.values.reduce(0, +) }

    public mutating func count(_ alert: Alert) { alerts[alert.severity, default: 0] += 1 }

    /// Files in scanned folders that are not inputs (README.md, LABELS.tsv, a JSON file of
    /// another kind): listed, not errors.
    public var skippedFiles: [String] = []

    public mutating func count(_ issue: InputIssue) {
        if issue.kind == .unsupportedFile {
            skippedFiles.append(issue.source.file)
            return
        }
        issues[issue.kind, default: 0] += 1
        if issue.skipped { skippedRecords += 1 }
    }

    /// Human-readable lines.
    public func text(color: Bool = false) -> String {
        let c = Palette(enabled: color)
        let mb = Double(bytes) / 1_000_000
        let rate = seconds > 0 ? mb / seconds : 0
        var lines: [String] = []
        let severities = Severity.allCases.reversed().filter { $0 > .info }.compactMap { s in alerts[s].map { "\($0) \(s.rawValue)" } }
        var info = alerts[.info].map { ", \($0) info finding\($0 == 1 ? "" : "s") (set aside by the model)" } ?? ""
        if setAside > 0 { info += ", \(setAside) rule alert\(setAside == 1 ? "" : "s") set aside by the model (--show-info shows \(setAside == 1 ? "it" : "them"))" }
        lines.append(c.wrap("scamflow:", "1") + " \(records) record\(records == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s"), "
                     + "\(units) scanned unit\(units == 1 ? "" : "s"), "
                     + "\(alertCount) alert\(alertCount == 1 ? "" : "s")" + (severities.isEmpty ? "" : " (" + severities.joined(separator: ", ") + ")") + info)
        if issueCount > 0 {
            let reasons = InputIssue.Kind.allCases.compactMap { k in issues[k].map { "\(k.rawValue): \($0)" } }
            lines.append("  input issues: \(issueCount) (\(reasons.joined(separator: "; "))); \(skippedRecords) skipped")
        }
        if !skippedFiles.isEmpty {
            let names = skippedFiles.prefix(5).joined(separator: ", ")  // as given: two README.md stay apart
            lines.append("  not read (no known input format): \(skippedFiles.count) (\(names)\(skippedFiles.count > 5 ? ", ..." : ""))")
        }
        if ruleFailures > 0 { lines.append("  rule failures (match limit or error): \(ruleFailures)") }
        for pack in packsSetAside { lines.append(c.wrap("  installed pack set aside (broken): \(pack)", "1;31")) }
        lines.append(String(format: "  %.2f MB in %.3f s (%.1f MB/s)", mb, seconds, rate))
        return lines.joined(separator: "\n") + "\n"
    }
}
