import ScamEngine
import ScamPacks

/// Writes an alert as an OCSF Detection Finding (class 2004, category Findings, activity
/// Create; schema `OCSFFinding.schemaVersion`), one JSON object, for SIEMs that take OCSF
/// (Security Lake, Sentinel, Splunk).
///
/// The mapping, field by field (README, "OCSF"): `finding_info.uid` is the alert id (stable
/// across rescans), `finding_info.types` its scenario and tactic tags, `finding_info.analytic`
/// the rule, flow or model that named it (type Rule, Behavioral or Statistical) with its pack's
/// version; `evidences[].data` the excerpts with their byte spans; `device` the subject (whose
/// phone); `remediation.desc` the advice. Everything scamflow knows that OCSF has no field for
/// (score, threshold, channel, peer, flow steps) is under `unmapped`, as the schema intends.
/// Invariant: every object written validates as a Detection Finding (scripts/validate-ocsf,
/// run by OCSFValidationTests on the Corpus).
public struct OCSFFinding: Sendable {
    /// The OCSF schema version the findings follow (`metadata.version`).
    public static let schemaVersion = "1.2.0"
    public static let classUID = 2004
    public static let categoryUID = 2
    public static let activityCreate = 1

    public var producer: AlertProducer
    /// The `time` of a finding whose alert has none (plain text without times): when it was
    /// found. OCSF requires a time; the alert's own time wins whenever there is one.
    public var foundAt: Int64

    public init(producer: AlertProducer, foundAt: Int64) {
        self.producer = producer
        self.foundAt = foundAt
    }

    /// OCSF `severity_id` and its caption: info 1, low 2, medium 3, high 4, critical 5.
    public static func severity(_ s: Severity) -> (id: Int, name: String) {
        switch s {
        case .info: return (1, "Informational")
        case .low: return (2, "Low")
        case .medium: return (3, "Medium")
        case .high: return (4, "High")
        case .critical: return (5, "Critical")
        }
    }

    /// OCSF analytic `type_id` and caption of what named the alert.
    static func analyticType(_ kind: Alert.Kind) -> (id: Int, name: String) {
        switch kind {
        case .rule: return (1, "Rule")
        case .flow: return (2, "Behavioral")
        case .model: return (3, "Statistical")
        }
    }

    func writer(_ alert: Alert) -> JSONWriter {
        var w = JSONWriter()
        let (packName, packVersion) = AlertProducer.splitPack(alert.pack)
        classFields(&w, severity: alert.severity, time: alert.time ?? foundAt)
        w.int("timezone_offset", alert.utcOffset)
        let times = alert.evidence.compactMap(\.time)
        w.int("start_time", times.min().map(Int.init))
        w.int("end_time", times.max().map(Int.init))
        w.string("message", message(alert))
        metadata(&w, uid: alert.alertID, correlation: alert.attemptID)
        w.object("finding_info") { f in
            f.string("uid", alert.alertID)
            f.string("title", alert.title)
            f.strings("types", alert.tags)
            f.string("desc", description(alert))
            f.strings("data_sources", [alert.source.file])
            f.object("analytic") { a in
                let type = Self.analyticType(alert.kind)
                a.string("uid", alert.id)
                a.string("name", alert.id)
                a.int("type_id", type.id)
                a.string("type", type.name)
                a.string("category", packName)
                a.string("version", packVersion)
            }
            if !alert.related.isEmpty {
                f.objects("related_analytics", alert.related) { a, r in
                    let type = Self.analyticType(r.kind)
                    a.string("uid", r.id)
                    a.string("name", r.id)
                    a.int("type_id", type.id)
                    a.string("type", type.name)
                    a.string("desc", r.title)
                }
            }
        }
        if let subject = alert.subject {
            // The subject is whose phone (or account, or conversation) the alert is about:
            // scamflow protects phones, so the device is a mobile one (OCSF device type 5).
            w.object("device") { d in
                d.int("type_id", 5)
                d.string("type", "Mobile")
                d.string("uid", subject)
                d.string("name", subject)
            }
        }
        if !alert.evidence.isEmpty {
            w.objects("evidences", alert.evidence) { ew, e in
                ew.object("data") { $0.evidence(e) }
            }
        }
        if let advice = alert.advice {
            w.object("remediation") { r in r.string("desc", advice) }
        }
        w.object("unmapped") { $0.alertFacts(alert) }
        return w
    }

    /// The fields every Detection Finding starts with: class, category, activity, type,
    /// severity, status New, and `time`.
    func classFields(_ w: inout JSONWriter, severity: Severity, time: Int64) {
        let severity = Self.severity(severity)
        w.int("activity_id", Self.activityCreate)
        w.string("activity_name", "Create")
        w.int("category_uid", Self.categoryUID)
        w.string("category_name", "Findings")
        w.int("class_uid", Self.classUID)
        w.string("class_name", "Detection Finding")
        w.int("type_uid", Self.classUID * 100 + Self.activityCreate)
        w.string("type_name", "Detection Finding: Create")
        w.int("severity_id", severity.id)
        w.string("severity", severity.name)
        w.int("status_id", 1)
        w.string("status", "New")
        w.int("time", Int(time))
    }

    /// `metadata`: the schema version, the finding's id, what correlates it (a flow attempt)
    /// and the product.
    func metadata(_ w: inout JSONWriter, uid: String, correlation: String?) {
        w.object("metadata") { m in
            m.string("version", Self.schemaVersion)
            m.string("uid", uid)
            m.string("correlation_uid", correlation)
            m.object("product") { p in
                p.string("name", producer.name)
                p.string("vendor_name", producer.vendor)
                p.string("version", producer.version)
            }
        }
    }

    /// One line a person reads in a SIEM's list: the title, then what and whose.
    func message(_ alert: Alert) -> String {
        var s = alert.title
        if let subject = alert.subject { s += " (\(subject))" }
        return s
    }

    /// What named the finding, in words: the score against the threshold, or the flow's steps.
    func description(_ alert: Alert) -> String {
        switch alert.kind {
        case .flow:
            return "flow \(alert.id) reached step \(alert.step ?? 0) \(alert.stepName ?? ""): \(alert.steps.joined(separator: " → "))"
        case .rule:
            return "rules of \(alert.pack) scored \(alert.score) (threshold \(alert.threshold))"
        case .model:
            return "the learned scorer of \(alert.pack) gave p \(alert.model.map { String($0.probability) } ?? "?")"
        }
    }
}

extension OCSFFinding {
    /// The `pack.broken` finding as a Detection Finding: an installed pack set aside at load
    /// (`AlertEncoder.writer(_: QuarantinedPack)` has the fields); analytic type Other, since
    /// no detection named it, and `time` when it was found.
    func writer(_ pack: QuarantinedPack) -> JSONWriter {
        var w = JSONWriter()
        let id = AlertEncoder.findingID(pack)
        classFields(&w, severity: .high, time: foundAt)
        w.string("message", "\(AlertEncoder.packFindingTitle): \(pack.label)")
        metadata(&w, uid: id, correlation: nil)
        w.object("finding_info") { f in
            f.string("uid", id)
            f.string("title", AlertEncoder.packFindingTitle)
            f.strings("types", ["pack.broken"])
            f.string("desc", "\(pack.reason.code.rawValue) \(pack.reason.message); \(pack.inPlace)")
            f.object("analytic") { a in
                a.string("uid", "pack.broken")
                a.string("name", "pack.broken")
                a.int("type_id", 99)
                a.string("type", "Other")
                a.string("category", pack.name)
                a.string("version", pack.version)
            }
        }
        w.object("remediation") { r in r.string("desc", pack.advice) }
        w.object("unmapped") { u in
            u.string("kind", "pack")
            u.string("pack", pack.label)
            u.string("source", pack.reason.location.description)
            u.string("code", pack.reason.code.rawValue)
            u.string("reason", pack.reason.message)
        }
        return w
    }
}
