import ScamEngine
import ScamPacks

/// The `pack.broken` finding: an installed pack set aside at load, written into the alert
/// stream beside the alerts (README.md, "Alert format"), so whoever watches the alerts learns
/// that part of the protection is not the one installed.
///
/// It has the alert's fields where they mean the same (`alert_id`, `kind` = `pack`, `id` =
/// `pack.broken`, `title`, `severity` = `high`, `advice`, `pack`, `source`) and three of its
/// own: `code` and `reason` (the first diagnostic) and `instead` (what is in force in its place).
/// The id is stable: the same damage found again gives the same `alert_id`.
extension AlertEncoder {
    public func encode(_ pack: QuarantinedPack) -> String {
        switch format {
        case .ndjson: return writer(pack).line()
        case .text: return text(pack)
        case .ocsf: return ocsf.writer(pack).line()
        case .ecs: return ecs.writer(pack).line()
        }
    }

    public func encodeBytes(_ pack: QuarantinedPack) -> [UInt8] { Array(encode(pack).utf8) }

    /// The finding's id: FNV-1a of what identifies the damage (not when it was seen, nor where
    /// the store is: the file is taken relative to the version folder, the message without it).
    public static func findingID(_ pack: QuarantinedPack) -> String {
        var h = StableHash()
        let file = pack.reason.location.file.hasPrefix(pack.path + "/") ? String(pack.reason.location.file.dropFirst(pack.path.count + 1)) : pack.reason.location.file
        for part in ["pack.broken", pack.name, pack.version, pack.reason.code.rawValue, file, String(pack.reason.location.line),
                     pack.reason.message.replacingOccurrences(of: pack.path, with: "")] {
            h.add(part)
        }
        return h.hex
    }

    static let packFindingTitle = "installed pack set aside: it is broken, the rest runs without it"

    func writer(_ pack: QuarantinedPack) -> JSONWriter {
        var w = JSONWriter()
        w.string("alert_id", AlertEncoder.findingID(pack))
        w.string("kind", "pack")
        w.string("id", "pack.broken")
        w.string("title", AlertEncoder.packFindingTitle)
        w.string("severity", Severity.high.rawValue)
        w.string("advice", pack.advice)
        w.string("pack", pack.label)
        w.string("source", pack.reason.location.description)
        w.string("code", pack.reason.code.rawValue)
        w.string("reason", pack.reason.message)
        if let version = pack.replacement.version {
            w.object("instead") { iw in
                iw.string("pack", "\(pack.name)@\(version)")
                iw.string("kind", pack.replacement.kind)
            }
        }
        return w
    }

    func text(_ pack: QuarantinedPack) -> String {
        let c = Palette(enabled: color)
        var s = "\(c.wrap("pack store", "35"))  \(c.wrap("HIGH", "31")) \(c.wrap("pack.broken", "1"))  \(AlertEncoder.packFindingTitle)\n"
        s += "    " + c.wrap("\(pack.label)  id \(AlertEncoder.findingID(pack))", "2") + "\n"
        s += "    - \(pack.reason.location)  \(pack.reason.code.rawValue) \(pack.reason.message)\n"
        s += "    \(pack.inPlace)\n"
        s += "    " + c.wrap("advice:", "1") + " \(pack.advice)\n"
        return s
    }
}
