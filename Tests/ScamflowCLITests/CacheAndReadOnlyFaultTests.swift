import Foundation
import ScamPacks
import Testing

/// The literal cache on a full disk, and a pack store that cannot be written. The cache only
/// makes loading faster: a write that fails must change no alert, leave no temporary file, and
/// keep the cache that was there. A read-only store must refuse every change up front, with
/// the reason, change nothing, and still serve `scan` and `pack verify --installed`.
@Suite(.serialized) struct CacheAndReadOnlyFaultTests {
    static let input = "我是银行客服，请把验证码念给我\n今天天气不错\n"

    /// A workspace with the input, a small pack folder, and the alerts of a run without cache.
    func prepared() throws -> (ws: PackWorkspace, reference: CLIRunner.Result) {
        let ws = try PackWorkspace()
        _ = try ws.write(Array(CacheAndReadOnlyFaultTests.input.utf8), to: "in.txt")
        _ = try ws.writePack(version: "1.0.0", phrases: ["蓝鲸暗号"])
        try FileManager.default.createDirectory(atPath: ws.path("out"), withIntermediateDirectories: true)
        let reference = try CLIRunner.run(["scan", "-q", "--format", "ndjson", ws.path("in.txt")], in: ws.dir,
                                          environment: ws.environment.merging(["SCAMFLOW_CACHE_DIR": "off"]) { $1 })
        #expect(reference.status == 1 && !reference.stdout.isEmpty, "\(reference.stderr)")
        return (ws, reference)
    }

    /// One scan with the cache in `$cache` (shell variable), its results in `out/NAME.*`, after
    /// `old` (a small cache of another pack set) was put there when `old` is non-empty.
    static func scanScript(_ name: String, prepare: String) -> String {
        """
            rm -rf "$cache"; mkdir -p "$cache"
            [ -s "$WS/old.bin" ] && cp "$WS/old.bin" "$cache/literals.bin"
            \(prepare)
            ( trap '' XFSZ; SCAMFLOW_CACHE_DIR="$cache" "$SCAMFLOW" scan -q --format ndjson "$WS/in.txt" ) >"$WS/out/\(name).out" 2>"$WS/out/\(name).err" \\
                && echo 0 >"$WS/out/\(name).status" || echo $? >"$WS/out/\(name).status"
            ls -A "$cache" >"$WS/out/\(name).ls"
            if [ -f "$cache/literals.bin" ]; then cp "$cache/literals.bin" "$WS/out/\(name).bin"; fi
            """
    }

    /// What every failed cache write must leave: the same alerts and status as without cache,
    /// nothing in the folder but the cache, and that cache as it was.
    func expectHarmless(_ ws: PackWorkspace, _ name: String, reference: CLIRunner.Result, old: [UInt8]?,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let status = try String(contentsOfFile: ws.path("out/\(name).status"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let stdout = try String(contentsOfFile: ws.path("out/\(name).out"), encoding: .utf8)
        let stderr = try String(contentsOfFile: ws.path("out/\(name).err"), encoding: .utf8)
        #expect(status == "\(reference.status)" && stdout == reference.stdout, "\(name): the cache changed the scan: \(status) \(stderr)", sourceLocation: sourceLocation)
        #expect(stderr.isEmpty, "\(name): a cache that cannot be written is skipped silently: \(stderr)", sourceLocation: sourceLocation)
        let listing = try String(contentsOfFile: ws.path("out/\(name).ls"), encoding: .utf8).split(separator: "\n")
        #expect(listing == (old == nil ? [] : ["literals.bin"]), "\(name): left behind: \(listing)", sourceLocation: sourceLocation)
        if let old { #expect(try ws.read("out/\(name).bin") == old, "\(name): the old cache was damaged", sourceLocation: sourceLocation) }
    }

    /// A small cache of another pack set (so the scan has patterns to add and writes).
    func oldCache(_ ws: PackWorkspace) throws -> [UInt8] {
        let folder = ws.path("oldcache")
        let r = try CLIRunner.run(["scan", "-q", "--no-builtin", "--packs", ws.path("demo-otp"), ws.path("in.txt")], in: ws.dir,
                                  environment: ws.environment.merging(["SCAMFLOW_CACHE_DIR": folder]) { $1 })
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/literals.bin")))
        _ = try ws.write(bytes, to: "old.bin")
        return bytes
    }

    /// Without a mount: `ulimit -f` stops the cache write part way (EFBIG), with and without
    /// an older cache in place.
    @Test func aCacheWriteCutShortChangesNothing() throws {
        let (ws, reference) = try prepared()
        defer { ws.remove() }
        var script = "cache=\"$WS/cache\"\n" + CacheAndReadOnlyFaultTests.scanScript("fresh", prepare: "ulimit -f 64")
        let env = ws.environment.merging(["WS": ws.dir.path]) { $1 }
        var run = try FaultInjection.shell(script, environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        try expectHarmless(ws, "fresh", reference: reference, old: nil)

        let old = try oldCache(ws)
        script = "cache=\"$WS/cache\"\n" + CacheAndReadOnlyFaultTests.scanScript("over-old", prepare: "ulimit -f 64")
        run = try FaultInjection.shell(script, environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        try expectHarmless(ws, "over-old", reference: reference, old: old)
    }

    /// A real full disk: a tmpfs with 0, 64 and 400 KiB left (the built-in packs' cache is
    /// about 780 KiB), with and without an older cache in place.
    @Test(FaultInjection.mounting)
    func aFullDiskUnderTheLiteralCacheChangesNothing() throws {
        let (ws, reference) = try prepared()
        defer { ws.remove() }
        let old = try oldCache(ws)
        var script = """
            mnt="$WS/mnt"; mkdir -p "$mnt"
            mount -t tmpfs -o size=1m tmpfs "$mnt"
            cache="$mnt/cache"

            """
        for free in [0, 64, 400] {
            for (tag, keepOld) in [("fresh", false), ("over-old", true)] {
                let fill = "rm -f \"$mnt/filler\"; free=\(free)\n" + FaultInjection.fill
                script += (keepOld ? "" : "mv \"$WS/old.bin\" \"$WS/old.aside\" 2>/dev/null || true\n")
                script += CacheAndReadOnlyFaultTests.scanScript("\(tag)-\(free)", prepare: fill)
                script += "\nrm -f \"$mnt/filler\"\n" + (keepOld ? "" : "mv \"$WS/old.aside\" \"$WS/old.bin\"\n")
            }
        }
        let run = try FaultInjection.shell(script, environment: ws.environment.merging(["WS": ws.dir.path]) { $1 }, privateMounts: true)
        #expect(run.status == 0, "\(run.stderr)")
        for free in [0, 64, 400] {
            try expectHarmless(ws, "fresh-\(free)", reference: reference, old: nil)
            try expectHarmless(ws, "over-old-\(free)", reference: reference, old: old)
        }
    }

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
