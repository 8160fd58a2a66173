import Foundation
import ScamPacks
import Testing

/// A pack store that cannot be written: every change is refused up front, with the reason,
/// changes nothing, and `scan` and `pack verify --installed` still work.
@Suite(.serialized) struct ReadOnlyStoreFaultTests {
    /// The store read-only (a read-only bind mount as root, which ignores file modes; else the
    /// modes): every change is refused with the reason and leaves it as it was; scan and
    /// verify, which only read, work.
    @Test(.enabled(if: geteuid() != 0 || FaultInjection.canMount,
                   Comment(rawValue: "as root only a read-only mount makes a folder read-only: " + (FaultInjection.mountUnavailable ?? ""))))
    func aReadOnlyStoreRefusesEveryChangeAndStillServesScans() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let key = try ws.trustedKey()
        for (file, version, phrases) in [("v1.sfpack", "1.0.0", ["蓝鲸暗号"]), ("v2.sfpack", "1.1.0", ["蓝鲸暗号", "白鲸暗号"]), ("v3.sfpack", "1.2.0", ["灰鲸暗号"])] {
            _ = try ws.write(try ws.craft(version: version, rules: PackWorkspace.rules(phrases, idPrefix: "demo-otp"), key: key), to: file)
        }
        for file in ["v1.sfpack", "v2.sfpack"] { #expect(try ws.run(["pack", "install", ws.path(file)]).status == 0) }
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0)
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0, "1.1.0 in force again, pinned")
        try Data("x".utf8).write(to: URL(fileURLWithPath: ws.store + "/demo-otp/1.0.0/rules/r.yaml"))  // for repair
        try FileManager.default.createDirectory(atPath: ws.path("out"), withIntermediateDirectories: true)
        let before = ws.snapshot()

        let commands: [(String, String)] = [
            ("install", "pack install \"$WS/v3.sfpack\""), ("reinstall", "pack install \"$WS/v1.sfpack\""),
            ("rollback", "pack rollback demo-otp"), ("unpin", "pack unpin demo-otp"), ("repair", "pack repair"),
            ("remove", "pack remove demo-otp"), ("scan", "scan -q --format ndjson -"), ("verify", "pack verify --installed"),
        ]
        let readOnly = geteuid() == 0
            ? "mount --bind \"$WS/store\" \"$WS/store\"; mount -o remount,ro,bind \"$WS/store\"\n"
            : "chmod -R a-w \"$WS/store\"\n"
        var script = readOnly
        for (name, arguments) in commands {
            script += "echo 白鲸暗号 | \"$SCAMFLOW\" \(arguments) >\"$WS/out/\(name).out\" 2>\"$WS/out/\(name).err\" && echo 0 >\"$WS/out/\(name).status\" || echo $? >\"$WS/out/\(name).status\"\n"
        }
        if geteuid() != 0 { script += "chmod -R u+w \"$WS/store\"\n" }
        let run = try FaultInjection.shell(script, environment: ws.environment.merging(["WS": ws.dir.path]) { $1 }, privateMounts: geteuid() == 0)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(ws.snapshot() == before, "the read-only store changed: \(ws.snapshot().filter { before[$0.key] != $0.value })")

        func result(_ name: String) throws -> (status: String, stdout: String, stderr: String) {
            (try String(contentsOfFile: ws.path("out/\(name).status"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
             try String(contentsOfFile: ws.path("out/\(name).out"), encoding: .utf8),
             try String(contentsOfFile: ws.path("out/\(name).err"), encoding: .utf8))
        }
        let reason = geteuid() == 0 ? "Read-only file system" : "Permission denied"
        for name in ["install", "reinstall", "rollback", "unpin", "remove"] {
            let r = try result(name)
            #expect(r.status == "2" && r.stderr.contains("cannot write to the pack store") && r.stderr.contains(reason), "\(name): \(r.status) \(r.stderr)")
        }
        let repair = try result("repair")
        #expect(repair.status == "2" && repair.stderr.contains(reason), "repair: \(repair.status) \(repair.stderr)")
        let scan = try result("scan")
        #expect(scan.status == "1" && scan.stdout.contains("\"pack\":\"demo-otp@1.1.0\"") && !scan.stdout.contains("pack.broken"), "scan: \(scan.status) \(scan.stderr)")
        let verify = try result("verify")
        #expect(verify.status == "2" && verify.stdout.contains("FAIL  demo-otp 1.0.0 (previous)") && verify.stdout.contains("ok    demo-otp 1.1.0 (active)"), "verify: \(verify.stdout)")
    }
}
