import ArgumentParser
import Foundation
import ScamBuiltins
import ScamEngine
import ScamPacks
import ScamStore

/// `scamflow pack list`: every pack scamflow knows of, and which one of each name is in force.
struct PackList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the packs: built-in, installed (active and previous) and --packs folders, and which is in force.",
        discussion: """
        Precedence, lowest first: built-in, installed, --packs. STATUS is `in force`, `overridden` (another pack of that name is in force), \
        `previous` (kept for `pack rollback`) or `broken` (set aside at load: the previous installed version, else the built-in pack, \
        stands in; the problem is listed under the table). `pinned`: `pack rollback` put it back and `pack update` leaves it.
        """
    )

    @OptionGroup var packs: PackOptions

    @Flag(help: "List the rules of the packs in force too.")
    var rules = false

    @Flag(help: "One JSON object per pack, one a line.")
    var json = false

    @OptionGroup var location: StoreOptions

    struct Row {
        var name: String
        var version: String
        var kind: String
        var status = "overridden"
        var rules: Int?
        var threshold: Int?
        var signer = "-"
        var keyID: String?
        var trust: String?
        var origin: String
        var path: String?
        var problem: String?
        var pinned = false
        var spec: PackSpec?
    }

    func run() throws {
        let console = Console.shared
        let store = location.packStore
        let trusted = Set(TrustStore(directory: (location.configDirectory as NSString).appendingPathComponent("trusted-keys")).keys().keys.map(\.keyID))
        var rows: [Row] = []
        func row(_ result: PackLoader.Result, name: String, version: String, kind: String, origin: String) -> Row {
            var r = Row(name: name, version: version, kind: kind, origin: origin)
            if let pack = result.pack {
                r.rules = pack.rules.count + pack.eventRules.count
                r.threshold = pack.manifest.threshold
                r.spec = pack
            } else {
                r.problem = result.diagnostics.first { $0.severity == .error }.map(\.message) ?? "does not load"
            }
            return r
        }
        // --no-builtin: the --packs folders alone, as every command then loads them.
        if !packs.noBuiltin {
            for result in BuiltinPacks.load() {
                guard let m = result.pack?.manifest else { continue }
                rows.append(row(result, name: m.name, version: m.version.description, kind: "built-in", origin: "built-in"))
            }
            for entry in store.entries() {
                for (version, status) in [(entry.active, "active"), (entry.previous, "previous")] {
                    guard let version, !(status == "previous" && version.version == entry.active?.version) else { continue }
                    var r = row(store.load(version), name: entry.name, version: version.version, kind: "installed", origin: version.record?.origin ?? "?")
                    r.path = version.path
                    r.pinned = entry.pinned == version.version
                    if status == "previous" { r.status = "previous" }
                    if let record = version.record {
                        r.trust = record.trust
                        r.keyID = record.signerKeyID
                        switch record.trust {
                        case "trusted":
                            let id = record.signerKeyID ?? "?"
                            r.signer = (record.signerName.map { $0.isEmpty ? id : "\($0) (\(id))" } ?? id) + (trusted.contains(id) ? "" : ", key no longer trusted")
                        case "untrusted": r.signer = "untrusted key \(record.signerKeyID ?? "?")"
                        default: r.signer = "unsigned"
                        }
                    }
                    rows.append(r)
                }
            }
        }
        for directory in packs.directories {
            for folder in PackDirectory.packFolders(at: directory) {
                let result: PackLoader.Result
                do {
                    result = PackLoader.load(files: try PackDirectory.read(folder), root: folder, origin: .directory(folder))
                } catch {
                    result = .failed(error)
                }
                let name = result.pack?.manifest.name ?? (folder as NSString).lastPathComponent
                rows.append(row(result, name: name, version: result.pack?.manifest.version.description ?? "?", kind: "folder", origin: folder))
            }
        }
        // In force: the last row of each name in precedence order that loads, previous versions
        // aside unless the active one is broken (then it stands in, as at load).
        var winner: [String: Int] = [:]
        for (i, r) in rows.enumerated() where r.problem == nil && r.status != "previous" { winner[r.name] = i }
        for (i, r) in rows.enumerated() where r.status == "previous" && r.problem == nil {
            let active = rows.firstIndex { $0.name == r.name && $0.kind == "installed" && $0.status != "previous" }
            if let active, rows[active].problem != nil, winner[r.name].map({ $0 < active }) ?? true { winner[r.name] = i }
        }
        for (i, r) in rows.enumerated() where r.problem != nil { rows[i].status = "broken" }
        for i in winner.values { rows[i].status = "in force" }
        let order = Dictionary(uniqueKeysWithValues: rows.map(\.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.sorted().enumerated().map { ($1, $0) })
        rows = rows.enumerated().sorted { (order[$0.element.name]!, $0.offset) < (order[$1.element.name]!, $1.offset) }.map(\.element)

        if json {
            for r in rows { console.out(jsonLine(r)) }
        } else {
            // Problems go under the table, numbered: a message in a column would push every
            // column after it off the screen.
            var table = [["NAME", "VERSION", "KIND", "STATUS", "RULES", "SIGNER", "ORIGIN"]]
            var notes: [String] = []
            for r in rows {
                var status = r.status + (r.pinned ? ", pinned" : "")
                if let problem = r.problem {
                    notes.append("[\(notes.count + 1)] \(r.name) \(r.version): \(problem)")
                    status += " [\(notes.count)]"
                }
                table.append([r.name, r.version, r.kind, status, r.rules.map(String.init) ?? "-", r.signer, r.origin])
            }
            let widths = (0..<6).map { c in table.map { $0[c].count }.max() ?? 0 }
            for line in table {
                console.out(zip(line.dropLast(), widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                            + "  " + line.last! + "\n")
            }
            if !notes.isEmpty {
                console.out("\n" + notes.joined(separator: "\n") + "\n")
                console.out("`scamflow pack verify --installed` lists every damaged file; `scamflow pack repair` restores them.\n")
            }
            if rules {
                for r in rows where r.status == "in force" {
                    guard let spec = r.spec else { continue }
                    console.out("\n\(r.name) \(r.version) (threshold \(spec.manifest.threshold)):\n")
                    for rule in spec.rules { console.out("  \(rule.id)\t\(rule.signal)\t\(rule.score)\t\(rule.title)\n") }
                    for rule in spec.eventRules { console.out("  \(rule.id)\t\(rule.signal)\tevent\t\(rule.title)\n") }
                }
            }
        }
        console.flush()
    }

    func jsonLine(_ r: Row) -> String {
        var object: [String: Any] = ["name": r.name, "version": r.version, "kind": r.kind, "status": r.status, "origin": r.origin, "signer": r.signer]
        if let v = r.rules { object["rules"] = v }
        if let v = r.threshold { object["threshold"] = v }
        if let v = r.keyID { object["key_id"] = v }
        if let v = r.trust { object["trust"] = v }
        if let v = r.path { object["path"] = v }
        if let v = r.problem { object["problem"] = v }
        if r.pinned { object["pinned"] = true }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
