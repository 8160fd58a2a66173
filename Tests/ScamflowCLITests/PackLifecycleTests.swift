import Foundation
import ScamPacks
import Testing

/// `scamflow pack build/keygen/sign/verify/index/trust/source/install/update/list/rollback/remove`
/// end to end, as the README tells an operator to use them, over a loopback HTTP server.
@Suite(.serialized) struct PackLifecycleTests {
    func alerts(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The `pack` field of the alerts a scan of `text` raises.
    func packsAlerting(_ ws: PackWorkspace, _ text: String) throws -> [String] {
        let r = try ws.run(["scan", "-q", "--format", "ndjson", "-"], stdin: Data((text + "\n").utf8))
        #expect(r.status == 0 || r.status == 1, "scan failed: \(r.stderr)")
        return try alerts(r.stdout).compactMap { $0["pack"] as? String }
    }

    @Test func fromAFolderToASignedFileServedOverHTTPInstalledUpdatedRolledBackAndRemoved() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }

        // The author: write, lint, test, make a key, build and sign.
        try ws.writePack(version: "1.0.0", phrases: ["蓝鲸暗号"])
        #expect(try ws.run(["pack", "lint", "demo-otp"]).status == 0)
        #expect(try ws.run(["pack", "test", "demo-otp"]).status == 0)
        let keygen = try ws.run(["pack", "keygen", "keys/ops", "--signer", "Ops team"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: ws.path("keys/ops.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private key is readable by its owner only")
        #expect(try ws.run(["pack", "build", "demo-otp", "-o", "dist/demo-otp-1.0.0.sfpack"]).status == 0)
        let sign = try ws.run(["pack", "sign", "dist/demo-otp-1.0.0.sfpack", "--key", "keys/ops.key"])
        #expect(sign.status == 0 && sign.stdout.contains("by Ops team"), "\(sign.stderr)")
        let verify = try ws.run(["pack", "verify", "--trusted-key", "keys/ops.pub", "dist/demo-otp-1.0.0.sfpack"])
        #expect(verify.status == 0 && verify.stdout.contains("a trusted key"), "\(verify.stdout)\(verify.stderr)")
        #expect(try ws.run(["pack", "verify", "dist/demo-otp-1.0.0.sfpack"]).status == 2, "not trusted until its key is")

        // A second version, built and signed in one step, then an index for the folder.
        try ws.writePack(version: "1.1.0", phrases: ["蓝鲸暗号", "白鲸暗号"])
        #expect(try ws.run(["pack", "build", "demo-otp", "-o", "dist/demo-otp-1.1.0.sfpack", "--key", "keys/ops.key"]).status == 0)
        #expect(try ws.run(["pack", "index", "dist"]).status == 0)

        // Publish: serve dist/ over HTTP.
        for file in ["index.json", "demo-otp-1.0.0.sfpack", "demo-otp-1.1.0.sfpack"] {
            server.set("/packs/" + file, body: try ws.read("dist/" + file))
        }

        // The operator: trust the key, add the source, install, scan.
        #expect(try ws.run(["pack", "trust", "add", "keys/ops.pub"]).status == 0)
        #expect(try ws.run(["pack", "source", "add", server.base + "/packs/"]).status == 0)
        let install = try ws.run(["pack", "install", server.base + "/packs/demo-otp-1.0.0.sfpack"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("installed demo-otp 1.0.0") && install.stdout.contains("signed by Ops team"))
        var row = try #require(try ws.inForce("demo-otp"))
        #expect(row["version"] as? String == "1.0.0")
        #expect(row["kind"] as? String == "installed")
        #expect((row["signer"] as? String)?.hasPrefix("Ops team (") == true)
        #expect(row["origin"] as? String == server.base + "/packs/demo-otp-1.0.0.sfpack")
        #expect(try packsAlerting(ws, "蓝鲸暗号") == ["demo-otp@1.0.0"])
        #expect(try packsAlerting(ws, "白鲸暗号").isEmpty)

        // Update from the source: 1.1.0 goes in, 1.0.0 is kept.
        let update = try ws.run(["pack", "update"])
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stdout.contains("installed demo-otp 1.1.0") && update.stdout.contains("1.0.0 kept"))
        #expect(try ws.run(["pack", "update"]).stdout.contains("demo-otp 1.1.0 is up to date"))
        #expect(try packsAlerting(ws, "白鲸暗号") == ["demo-otp@1.1.0"])
        let rows = try ws.list().filter { $0["name"] as? String == "demo-otp" }
        #expect(rows.map { "\($0["version"]!) \($0["status"]!)" } == ["1.1.0 in force", "1.0.0 previous"])

        // Roll back, and forward again.
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0)
        #expect(try packsAlerting(ws, "白鲸暗号").isEmpty)
        row = try #require(try ws.inForce("demo-otp"))
        #expect(row["version"] as? String == "1.0.0")
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).stdout.contains("from 1.0.0 to 1.1.0"))

        // Install by name from the sources on a second, empty store.
        let other = ws.path("store2")
        let byName = try ws.run(["pack", "install", "demo-otp", "--store", other])
        #expect(byName.status == 0 && byName.stdout.contains("installed demo-otp 1.1.0"), "\(byName.stderr)")

        // Remove: nothing of it is left in force.
        #expect(try ws.run(["pack", "remove", "demo-otp"]).status == 0)
        #expect(try ws.inForce("demo-otp") == nil)
        #expect(try packsAlerting(ws, "蓝鲸暗号").isEmpty)
        #expect(server.requested.contains("/packs/index.json"))
    }

    @Test func anInstalledPackOverridesTheBuiltInOneAndListSaysWhichIsInForce() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        try ws.writePack("en-scams", version: "9.0.0", phrases: ["蓝鲸暗号"], idPrefix: "mine")
        #expect(try ws.run(["pack", "build", "en-scams", "-o", "en.sfpack"]).status == 0)
        let refused = try ws.run(["pack", "install", "en.sfpack"])
        #expect(refused.status == 2 && refused.stderr.contains("is not signed") && refused.stderr.contains("--allow-unsigned"))
        let install = try ws.run(["pack", "install", "--allow-unsigned", "en.sfpack"])
        #expect(install.status == 0 && install.stdout.contains("NOT SIGNED") && install.stdout.contains("overrides the built-in en-scams 1.0.0"), "\(install.stderr)")
        let rows = try ws.list().filter { $0["name"] as? String == "en-scams" }
        #expect(rows.map { "\($0["kind"]!) \($0["version"]!) \($0["status"]!) \($0["signer"]!)" }
                == ["built-in 1.0.0 overridden -", "installed 9.0.0 in force unsigned"])
        // The installed pack replaces the built-in one quietly (no SF109 warning on every scan).
        let scan = try ws.run(["scan", "-q", "--format", "ndjson", "-"], stdin: Data("蓝鲸暗号\n".utf8))
        #expect(!scan.stderr.contains("SF109"))
        #expect(try alerts(scan.stdout).compactMap { $0["pack"] as? String } == ["en-scams@9.0.0"])
        // `--packs` still wins over both.
        try ws.writePack("en-scams", version: "9.9.0", phrases: ["白鲸暗号"], idPrefix: "dir", at: "folder/en-scams")
        let withFolder = try ws.run(["pack", "list", "--json", "--packs", "folder"]).stdout
        #expect(withFolder.contains(#""kind":"folder","name":"en-scams","origin":"folder/en-scams","rules":1,"signer":"-","status":"in force""#))
        #expect(try ws.run(["pack", "remove", "en-scams"]).stdout.contains("the built-in en-scams 1.0.0 is in force again"))
        #expect(try ws.inForce("en-scams")?["kind"] as? String == "built-in")
    }

    /// A download goes through FoundationNetworking, whose shared URL cache and cookie store
    /// made `~/.cache/org.swift.foundation.URLCache/scamflow` and `~/.local/share/debug` (or
    /// `release/`) on every HTTP install. Only the documented folders may appear.
    @Test func anHTTPInstallLeavesNothingOutsideTheDocumentedFolders() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.set("/demo-otp-1.0.0.sfpack", body: try ws.craft(version: "1.0.0", rules: PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp"), key: nil))
        let home = ws.path("home"), cwd = ws.dir.appendingPathComponent("cwd")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        var env = ["HOME": home, "XDG_DATA_HOME": home + "/.local/share", "XDG_CONFIG_HOME": home + "/.config", "XDG_CACHE_HOME": home + "/.cache"]
        env["SCAMFLOW_STORE"] = home + "/.local/share/scamflow/packs"
        env["SCAMFLOW_CONFIG_DIR"] = home + "/.config/scamflow"
        let r = try CLIRunner.run(["pack", "install", "--allow-unsigned", server.base + "/demo-otp-1.0.0.sfpack"], in: cwd, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let documented = [".local/share/scamflow/packs", ".config/scamflow"]
        let made = (FileManager.default.subpaths(atPath: home) ?? []).filter { path in
            !documented.contains { path.hasPrefix($0) || $0.hasPrefix(path + "/") }
        }
        #expect(made.isEmpty, "folders outside the documented places: \(made)")
        #expect(FileManager.default.subpaths(atPath: cwd.path)?.isEmpty == true, "nothing in the current folder")
    }

    @Test func lintStillFindsEveryProblemAndBuildRefusesAPackWithErrors() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let folder = try ws.writePack(version: "1.0.0", phrases: ["蓝鲸暗号"])
        try PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp", pattern: { "(" + $0 })
            .write(toFile: folder + "/rules/r.yaml", atomically: true, encoding: .utf8)
        let build = try ws.run(["pack", "build", "demo-otp"])
        #expect(build.status == 2)
        #expect(build.stderr.contains("error[SF106]") && build.stderr.contains("no bundle was written"))
        #expect(!FileManager.default.fileExists(atPath: ws.path("demo-otp-1.0.0.sfpack")))
    }
}
