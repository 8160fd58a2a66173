import ScamEngine
import ScamPacks

/// Writes an alert as an Elastic Common Schema alert document (ECS `ECSDocument.ecsVersion`),
/// one JSON object, for Elastic and the tools that read ECS.
///
/// The mapping: `@timestamp` the alert's time; `event.kind` alert, `event.category`
/// intrusion_detection (type info), `event.severity` 1-5 as OCSF's severity ids,
/// `event.id` the alert id; `rule.*` the rule, flow or model that named it and its pack
/// (`rule.ruleset`, `rule.version`); `threat.*` the alert's tags (`tactic:` tags as
/// `threat.tactic.name`, `scenario:` tags as `threat.technique.name`, framework "scamflow");
/// `device.id` the subject. What ECS has no field for (the excerpts, score, advice, flow
/// steps) is under `scamflow.*`, the custom namespace ECS leaves to the producer.
/// Invariant: every ECS field written is in the committed table of the ECS field reference
/// (Tests/ScamflowCLITests/Fixtures/ecs-fields.tsv), with its type (ECSFieldTests).
public struct ECSDocument: Sendable {
    /// The ECS version the documents follow (`ecs.version`).
    public static let ecsVersion = "8.11.0"

    public var producer: AlertProducer
    /// `@timestamp` of an alert that has no time: when it was found.
    public var foundAt: Int64

    public init(producer: AlertProducer, foundAt: Int64) {
        self.producer = producer
        self.foundAt = foundAt
    }

    /// The tags after `prefix:` (`scenario:romance` → `romance`), in order. `scenario:any`
    /// (a rule any scam may use: a request for a code, a transfer) names no scenario and is
    /// left out of the scenarios.
    static func tagged(_ tags: [String], _ prefix: String) -> [String] {
        tags.compactMap {
            guard $0.hasPrefix(prefix + ":") else { return nil }
            let value = String($0.dropFirst(prefix.count + 1))
            return prefix == "scenario" && value == "any" ? nil : value
        }
    }

    func writer(_ alert: Alert) -> JSONWriter {
        var w = JSONWriter()
        let (packName, packVersion) = AlertProducer.splitPack(alert.pack)
        w.timestamp("@timestamp", alert.time ?? foundAt)
        w.string("message", alert.subject.map { "\(alert.title) (\($0))" } ?? alert.title)
        if !alert.tags.isEmpty { w.strings("tags", alert.tags) }
        w.object("ecs") { $0.string("version", Self.ecsVersion) }
        w.object("event") { e in
            e.string("kind", "alert")
            e.strings("category", ["intrusion_detection"])
            e.strings("type", ["info"])
            e.int("severity", OCSFFinding.severity(alert.severity).id)
            e.string("id", alert.alertID)
            e.string("module", producer.name)
            e.string("dataset", "\(producer.name).alert")
            e.string("reason", alert.title)
            let times = alert.evidence.compactMap(\.time)
            e.timestamp("start", times.min())
            e.timestamp("end", times.max())
        }
        w.object("rule") { r in
            r.string("id", alert.id)
            r.string("name", alert.title)
            r.string("category", alert.kind.rawValue)
            r.string("ruleset", packName)
            r.string("version", packVersion)
        }
        let tactics = Self.tagged(alert.tags, "tactic"), scenarios = Self.tagged(alert.tags, "scenario")
        if !tactics.isEmpty || !scenarios.isEmpty {
            w.object("threat") { t in
                t.string("framework", producer.name)
                if !tactics.isEmpty { t.object("tactic") { $0.strings("name", tactics) } }
                if !scenarios.isEmpty { t.object("technique") { $0.strings("name", scenarios) } }
            }
        }
        if let subject = alert.subject { w.object("device") { $0.string("id", subject) } }
        w.object("observer") { o in
            o.string("vendor", producer.vendor)
            o.string("product", producer.name)
            o.string("version", producer.version)
        }
        w.object(ECSDocument.customNamespace) { s in
            s.alertFacts(alert)
            s.string("severity", alert.severity.rawValue)
            s.string("advice", alert.advice)
            s.string("attempt_id", alert.attemptID)
            s.objects("evidence", alert.evidence) { $0.evidence($1) }
        }
        return w
    }

    /// The custom field set for what ECS has no field for.
    public static let customNamespace: StaticString = "scamflow"
}

extension ECSDocument {
    /// The `pack.broken` finding as an ECS alert document (`event.category` configuration:
    /// the protection's own set-up changed), `@timestamp` when it was found.
    func writer(_ pack: QuarantinedPack) -> JSONWriter {
        var w = JSONWriter()
        w.timestamp("@timestamp", foundAt)
        w.string("message", "\(AlertEncoder.packFindingTitle): \(pack.label)")
        w.object("ecs") { $0.string("version", Self.ecsVersion) }
        w.object("event") { e in
            e.string("kind", "alert")
            e.strings("category", ["configuration"])
            e.strings("type", ["change"])
            e.int("severity", OCSFFinding.severity(.high).id)
            e.string("id", AlertEncoder.findingID(pack))
            e.string("module", producer.name)
            e.string("dataset", "\(producer.name).alert")
            e.string("reason", "\(pack.reason.code.rawValue) \(pack.reason.message)")
        }
        w.object("rule") { r in
            r.string("id", "pack.broken")
            r.string("name", AlertEncoder.packFindingTitle)
            r.string("category", "pack")
            r.string("ruleset", pack.name)
            r.string("version", pack.version)
        }
        w.object("observer") { o in
            o.string("vendor", producer.vendor)
            o.string("product", producer.name)
            o.string("version", producer.version)
        }
        w.object(Self.customNamespace) { s in
            s.string("kind", "pack")
            s.string("severity", Severity.high.rawValue)
            s.string("advice", pack.advice)
            s.string("pack", pack.label)
            s.string("source", pack.reason.location.description)
            s.string("code", pack.reason.code.rawValue)
            s.string("reason", pack.reason.message)
        }
        return w
    }
}
