import Foundation
import ScamPacks
import ScamStore
import Testing

/// A rollback sticks: `pack rollback` pins the version it puts back, `pack update` (and its
/// `--dry-run`) leaves a pinned pack alone, `pack list` shows the pin, and `pack unpin` or
/// `pack update --force` lets the pack move again.
@Suite struct PackPinTests {
    /// demo-otp 1.0.0 then 1.1.0 installed from signed bundles in `dist/` (1.1.0 in force).
    func twoVersions() throws -> PackWorkspace {
        let ws = try PackWorkspace()
        let key = try ws.trustedKey()
        for (version, phrases) in [("1.0.0", ["蓝鲸暗号"]), ("1.1.0", ["蓝鲸暗号", "白鲸暗号"])] {
            let bundle = try ws.craft(version: version, rules: PackWorkspace.rules(phrases, idPrefix: "demo-otp"), key: key)
            _ = try ws.write(bundle, to: "dist/demo-otp-\(version).sfpack")
            #expect(try ws.run(["pack", "install", ws.path("dist/demo-otp-\(version).sfpack")]).status == 0)
        }
        return ws
    }

    /// demo-otp's versions as `pack list --json` has them: `1.0.0 in force pinned`.
    func demo(_ ws: PackWorkspace) throws -> [String] {
        try ws.list().filter { $0["name"] as? String == "demo-otp" }
            .map { "\($0["version"]!) \($0["status"]!)" + (($0["pinned"] as? Bool) == true ? " pinned" : "") }
    }

    @Test func aRollbackSurvivesUpdateUntilUnpinOrForce() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        let source = ["--source", ws.path("dist")]

        let rollback = try ws.run(["pack", "rollback", "demo-otp"])
        #expect(rollback.status == 0 && rollback.stdout.contains("pinned: `scamflow pack update` leaves demo-otp at 1.0.0"), "\(rollback.stdout)")
        #expect(try demo(ws) == ["1.0.0 in force pinned", "1.1.0 previous"])
        #expect(try ws.run(["pack", "list"]).stdout.contains("in force, pinned"))

        let dry = try ws.run(["pack", "update", "--dry-run"] + source)
        #expect(dry.status == 0 && dry.stdout.contains("demo-otp 1.0.0 is pinned") && !dry.stdout.contains("would install demo-otp"), "\(dry.stdout)")
        let update = try ws.run(["pack", "update"] + source)
        #expect(update.status == 0 && update.stdout.contains("is pinned"), "\(update.stdout)\(update.stderr)")
        #expect(try demo(ws) == ["1.0.0 in force pinned", "1.1.0 previous"], "the rollback survives the update")
        let forced = try ws.run(["pack", "update", "--dry-run", "--force"] + source)
        #expect(forced.stdout.contains("would install demo-otp 1.1.0 (now 1.0.0, pinned: --force lifts the pin)"), "\(forced.stdout)")

        // unpin changes nothing in force (no reload), then update moves the pack.
        let generation = PackStore(root: ws.store).generation()
        #expect(try ws.run(["pack", "unpin", "demo-otp"]).stdout.contains("unpinned demo-otp (was pinned at 1.0.0)"))
        #expect(PackStore(root: ws.store).generation() == generation)
        #expect(try ws.run(["pack", "unpin", "demo-otp"]).stdout.contains("demo-otp is not pinned"))
        #expect(try ws.run(["pack", "unpin", "nothing-such"]).status == 2)
        #expect(try ws.run(["pack", "update"] + source).stdout.contains("installed demo-otp 1.1.0"))
        #expect(try demo(ws) == ["1.1.0 in force", "1.0.0 previous"])

        // --force updates a pinned pack and lifts the pin.
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0)
        let force = try ws.run(["pack", "update", "--force"] + source)
        #expect(force.status == 0 && force.stdout.contains("installed demo-otp 1.1.0"), "\(force.stdout)\(force.stderr)")
        #expect(try demo(ws) == ["1.1.0 in force", "1.0.0 previous"])
    }

    /// Installing the pinned version's bundle again (intact, or to repair it) keeps the pin:
    /// the rollback still holds against `pack update`. Installing another version, an explicit
    /// choice, lifts it. Each says which.
    @Test func reinstallingThePinnedVersionKeepsThePinAnotherVersionLiftsIt() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0)

        let again = try ws.run(["pack", "install", ws.path("dist/demo-otp-1.0.0.sfpack")])
        #expect(again.status == 0 && again.stdout.contains("already installed, intact and in force; still pinned"), "\(again.stdout)\(again.stderr)")
        #expect(try demo(ws) == ["1.0.0 in force pinned", "1.1.0 previous"])
        try FileManager.default.removeItem(atPath: ws.store + "/demo-otp/1.0.0/rules/r.yaml")
        let repaired = try ws.run(["pack", "install", ws.path("dist/demo-otp-1.0.0.sfpack")])
        #expect(repaired.status == 0 && repaired.stdout.contains("restored rules/r.yaml (missing); in force again; still pinned"),
                "\(repaired.stdout)\(repaired.stderr)")
        #expect(try demo(ws) == ["1.0.0 in force pinned", "1.1.0 previous"])
        #expect(try ws.run(["pack", "update", "--source", ws.path("dist")]).stdout.contains("is pinned"), "the rollback still holds")

        let other = try ws.run(["pack", "install", ws.path("dist/demo-otp-1.1.0.sfpack")])
        #expect(other.status == 0 && other.stdout.contains("the pin on demo-otp 1.0.0 is lifted"), "\(other.stdout)\(other.stderr)")
        #expect(try demo(ws) == ["1.1.0 in force", "1.0.0 previous"])
    }
}
