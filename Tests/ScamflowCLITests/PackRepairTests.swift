import Foundation
import ScamPacks
import ScamStore
import Testing

/// Repairing a damaged store: `pack verify --installed` finds the damage, `pack repair` restores
/// each damaged version from its kept bundle, else from where it was installed, else puts the
/// previous version back; `pack install` of the same bundle repairs too. After each, scans run
/// with no `pack.broken` finding.
@Suite(.serialized) struct PackRepairTests {
    /// demo-otp 1.0.0 (蓝鲸暗号) then 1.1.0 (蓝鲸暗号, 白鲸暗号) installed from files in the
    /// workspace (`v1.sfpack`, `v2.sfpack`), 1.1.0 in force; `key` signs them (nil: unsigned,
    /// installed with --allow-unsigned).
    func twoVersions(signed: Bool = true) throws -> PackWorkspace {
        let ws = try PackWorkspace()
        let key = signed ? try ws.trustedKey() : nil
        for (file, version, phrases) in [("v1.sfpack", "1.0.0", ["蓝鲸暗号"]), ("v2.sfpack", "1.1.0", ["蓝鲸暗号", "白鲸暗号"])] {
            let path = try ws.write(try ws.craft(version: version, rules: PackWorkspace.rules(phrases, idPrefix: "demo-otp"), key: key), to: file)
            let r = try ws.run(["pack", "install", path] + (signed ? [] : ["--allow-unsigned"]))
            #expect(r.status == 0, "\(r.stderr)")
        }
        return ws
    }

    /// Edits a rule of 1.1.0 and adds a file its manifest does not list.
    func damage(_ ws: PackWorkspace, _ version: String = "1.1.0") throws {
        try Data("- {id: demo-otp.r0, title: x, signal: request.sms_code, match: '.', score: 100}\n".utf8)
            .write(to: URL(fileURLWithPath: ws.store + "/demo-otp/\(version)/rules/r.yaml"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: ws.store + "/demo-otp/\(version)/rules/extra.yaml"))
    }

    /// The packs of the alerts a scan of `text` raises, and whether a `pack.broken` finding came.
    func scan(_ ws: PackWorkspace, _ text: String) throws -> (status: Int32, packs: [String], broken: Bool) {
        let r = try ws.run(["scan", "--format", "ndjson", "-"], stdin: Data((text + "\n").utf8))
        let alerts = try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        return (r.status, alerts.compactMap { $0["pack"] as? String }, alerts.contains { $0["id"] as? String == "pack.broken" })
    }

    @Test func verifyFindsTheDamageAndRepairRestoresItFromTheKeptBundle() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try damage(ws)
        let generation = PackStore(root: ws.store).generation()

        let verify = try ws.run(["pack", "verify", "--installed"])
        #expect(verify.status == 2, "\(verify.stderr)")
        #expect(verify.stdout.contains("FAIL  demo-otp 1.1.0 (active)") && verify.stdout.contains("ok    demo-otp 1.0.0 (previous)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("rules/r.yaml does not match its manifest") && verify.stdout.contains("rules/extra.yaml is not in the manifest"))
        #expect(verify.stderr.contains("`scamflow pack repair` restores them"))
        #expect(try ws.run(["pack", "verify", "--installed", "nothing-such"]).status == 2)
        #expect(try ws.run(["pack", "verify"]).status != 0, "neither bundles nor --installed is a usage error")

        let repair = try ws.run(["pack", "repair"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(repair.stdout.contains("repaired demo-otp 1.1.0 (active) from its kept bundle: rewrote rules/r.yaml; removed rules/extra.yaml (not in the manifest)"),
                "\(repair.stdout)")
        #expect(repair.stdout.contains("every installed pack is intact"))
        #expect(PackStore(root: ws.store).generation() != generation, "a running stream reloads the repaired version")
        #expect(try ws.run(["pack", "verify", "--installed"]).status == 0)
        let after = try scan(ws, "白鲸暗号")
        #expect(after.status == 1 && after.packs == ["demo-otp@1.1.0"] && !after.broken, "\(after)")
        #expect(try ws.run(["pack", "repair"]).stdout == "every installed pack is intact\n")
    }

    /// A file the manifest does not list is never loaded (loading reads the listed files only),
    /// so it is a warning, not damage: verify exits 0 and says so, the pack is not set aside,
    /// and repair has nothing to do. It used to count as damage, "set aside at load".
    @Test func aFileNotInTheManifestIsAWarningNotDamage() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try Data("- {id: demo-otp.stray, title: x, signal: request.sms_code, match: '灰鲸暗号', score: 100}\n".utf8)
            .write(to: URL(fileURLWithPath: ws.store + "/demo-otp/1.1.0/rules/extra.yaml"))
        let verify = try ws.run(["pack", "verify", "--installed"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("ok    demo-otp 1.1.0 (active)\n        warning: rules/extra.yaml is not in the manifest; ignored at load"),
                "\(verify.stdout)")
        #expect(!verify.stderr.contains("damaged"), "\(verify.stderr)")
        let stray = try scan(ws, "灰鲸暗号")
        #expect(stray.status == 0 && stray.packs.isEmpty && !stray.broken, "the file is not loaded, the pack is not set aside: \(stray)")
        #expect(try scan(ws, "白鲸暗号").packs == ["demo-otp@1.1.0"])
        let repair = try ws.run(["pack", "repair"])
        #expect(repair.status == 0 && repair.stdout == "every installed pack is intact\n", "\(repair.stdout)\(repair.stderr)")
    }

    /// A deleted file is restored, not "rewrote": repair and install of the same bundle say
    /// which files were missing and which were changed.
    @Test func aMissingFileIsSaidRestoredAndAChangedOneRewritten() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        let folder = ws.store + "/demo-otp/1.1.0/"
        func damage() throws {
            try FileManager.default.removeItem(atPath: folder + "rules/r.yaml")
            try Data("name: demo-otp\n".utf8).write(to: URL(fileURLWithPath: folder + "pack.yaml"))
        }
        try damage()
        #expect(try ws.run(["pack", "verify", "--installed"]).stdout.contains("rules/r.yaml is missing"))
        let repair = try ws.run(["pack", "repair"])
        #expect(repair.status == 0 && repair.stdout.contains("from its kept bundle: restored rules/r.yaml (missing); rewrote pack.yaml\n"),
                "\(repair.stdout)\(repair.stderr)")
        try damage()
        let install = try ws.run(["pack", "install", ws.path("v2.sfpack")])
        #expect(install.status == 0 && install.stdout.contains(": restored rules/r.yaml (missing); rewrote pack.yaml; in force again"),
                "\(install.stdout)\(install.stderr)")
    }

    /// The report's case: `pack install` of the good bundle answered "already installed and in
    /// force" and left the pack broken.
    @Test func installingTheSameBundleAgainRepairsIt() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try damage(ws)
        #expect(try scan(ws, "今天天气不错").broken)
        let r = try ws.run(["pack", "install", ws.path("v2.sfpack")])
        #expect(r.status == 0 && r.stdout.contains("repaired demo-otp 1.1.0") && r.stdout.contains("rules/r.yaml"), "\(r.stdout)\(r.stderr)")
        let after = try scan(ws, "今天天气不错")
        #expect(after.status == 0 && !after.broken, "\(after)")
    }

    /// No kept bundle: the file it was installed from, when it is that bundle; neither: the
    /// damaged version is deleted and the previous one is in force again.
    @Test func withoutAKeptBundleRepairUsesTheOriginElseThePreviousVersion() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try damage(ws)
        try FileManager.default.removeItem(atPath: ws.store + "/demo-otp/1.1.0.sfpack")
        #expect(try ws.run(["pack", "verify", "--installed"]).stdout.contains("no kept bundle"))
        let fromOrigin = try ws.run(["pack", "repair", "demo-otp"])
        #expect(fromOrigin.status == 0 && fromOrigin.stdout.contains("repaired demo-otp 1.1.0 (active) from \(ws.path("v2.sfpack"))"), "\(fromOrigin.stdout)\(fromOrigin.stderr)")

        // The origin now holds another build of 1.1.0: not the bundle installed, not used.
        try damage(ws)
        try FileManager.default.removeItem(atPath: ws.store + "/demo-otp/1.1.0.sfpack")
        _ = try ws.write(try ws.craft(version: "1.1.0", rules: PackWorkspace.rules(["灰鲸暗号"], idPrefix: "demo-otp"), key: try ws.trustedKey("b")), to: "v2.sfpack")
        let fallback = try ws.run(["pack", "repair"])
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(fallback.stdout.contains("is not the bundle installed") && fallback.stdout.contains("1.0.0, the previous version, is in force again"), "\(fallback.stdout)")
        let rows = try ws.list().filter { $0["name"] as? String == "demo-otp" }
        #expect(rows.map { "\($0["version"]!) \($0["status"]!)" } == ["1.0.0 in force"], "\(rows)")
        #expect(!FileManager.default.fileExists(atPath: ws.store + "/demo-otp/1.1.0"))
        let after = try scan(ws, "蓝鲸暗号")
        #expect(after.packs == ["demo-otp@1.0.0"] && !after.broken, "\(after)")
    }

    /// A damaged previous version with no bundle anywhere: nothing to do but say so (exit 2);
    /// it is not in force, and `pack rollback` refuses it.
    @Test func aDamagedPreviousVersionWithNoBundleIsReported() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try damage(ws, "1.0.0")
        for gone in [ws.store + "/demo-otp/1.0.0.sfpack", ws.path("v1.sfpack")] { try FileManager.default.removeItem(atPath: gone) }
        let r = try ws.run(["pack", "repair"])
        #expect(r.status == 2 && r.stderr.contains("demo-otp 1.0.0 (previous) is not repaired: no bundle to restore it from"), "\(r.stderr)")
        let rollback = try ws.run(["pack", "rollback", "demo-otp"])
        #expect(rollback.status == 2 && rollback.stderr.contains("damaged on disk"), "\(rollback.stderr)")
        #expect(try scan(ws, "白鲸暗号").packs == ["demo-otp@1.1.0"], "the active version is untouched")
    }

    /// A bundle installed with --allow-unsigned is taken back by repair without the flag, since
    /// it is that very bundle (its SHA-256 is in install.json); another unsigned bundle is not.
    @Test func anUnsignedInstallIsRepairedFromItsOwnBundleOnly() throws {
        let ws = try twoVersions(signed: false)
        defer { ws.remove() }
        try damage(ws)
        let r = try ws.run(["pack", "repair"])
        #expect(r.status == 0 && r.stdout.contains("repaired demo-otp 1.1.0 (active)"), "\(r.stdout)\(r.stderr)")

        // A kept bundle replaced by another unsigned build: refused, and the origin too.
        try damage(ws)
        let other = try ws.craft(version: "1.1.0", rules: PackWorkspace.rules(["灰鲸暗号"], idPrefix: "demo-otp"), key: nil)
        try Data(other).write(to: URL(fileURLWithPath: ws.store + "/demo-otp/1.1.0.sfpack"))
        _ = try ws.write(other, to: "v2.sfpack")
        let refused = try ws.run(["pack", "repair"])
        #expect(refused.stdout.contains("1.0.0, the previous version, is in force again"), "no bundle that is the one installed: \(refused.stdout)\(refused.stderr)")
    }
}
