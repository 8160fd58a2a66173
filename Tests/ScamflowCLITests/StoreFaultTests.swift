import Foundation
import ScamPacks
import ScamStore
import Testing

/// The pack store under real faults: a full disk at every point of an install, rollback and
/// remove, a write that fails once the links are ready, a store that cannot be written. Each
/// change must happen whole (the new version active, `.generation` bumped) or not at all (every
/// file and link as before, and the command saying so).
@Suite(.serialized) struct StoreFaultTests {
    /// demo-otp 1.0.0 installed (signed by a trusted key) in `ws.store`, and 1.1.0's bundle.
    func seeded() throws -> (ws: PackWorkspace, v2: String) {
        let ws = try PackWorkspace()
        let key = try ws.trustedKey()
        let v1 = try ws.write(try ws.craft(version: "1.0.0", rules: PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp"), key: key), to: "v1.sfpack")
        let v2 = try ws.write(try ws.craft(version: "1.1.0", rules: PackWorkspace.rules(["蓝鲸暗号", "白鲸暗号"], idPrefix: "demo-otp"), key: key), to: "v2.sfpack")
        let r = try ws.run(["pack", "install", v1])
        #expect(r.status == 0, "\(r.stderr)")
        return (ws, v2)
    }

    /// What a change may leave: `before` (a snapshot of `ws.store`) exactly, with the command
    /// saying why, or the change done whole and `.generation` moved on from `ws.store`'s.
    func expectWholeOrUnchanged(_ ws: PackWorkspace, _ store: String, before: [String: String], status: Int32, stderr: String,
                                done: ([String: String]) -> Bool, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let after = ws.snapshot(store)
        if status == 0 {
            #expect(done(after), "\(what): exit 0 but the change is not whole: \(after)", sourceLocation: sourceLocation)
            #expect(PackStore(root: store).generation() != PackStore(root: ws.store).generation(),
                    "\(what): .generation was not bumped", sourceLocation: sourceLocation)
        } else {
            #expect(status == 2, "\(what): exit \(status): \(stderr)", sourceLocation: sourceLocation)
            #expect(after == before, "\(what): refused but the store changed: \(after.filter { before[$0.key] != $0.value })", sourceLocation: sourceLocation)
            #expect(stderr.contains("No space left on device") || stderr.contains("File too large"), "\(what): \(stderr)", sourceLocation: sourceLocation)
        }
    }

    /// The store after installing 1.1.0 over 1.0.0, done whole.
    func installed(_ s: [String: String]) -> Bool {
        s["demo-otp/active"] == "-> 1.1.0" && s["demo-otp/previous"] == "-> 1.0.0" && s["demo-otp/1.1.0/rules/r.yaml"] != nil
            && s["demo-otp/1.1.0.sfpack"] != nil && !s.keys.contains { $0.hasPrefix(".staging/") || $0.contains("/.active-") }
    }

    /// A tmpfs filled to leave 0, 4, 8, ... 36 KiB: an install needs a page for each of its
    /// files, its kept bundle and the next generation, so every point where it can run out of
    /// space is met once. Then rollback and remove with no space at all.
    @Test(FaultInjection.mounting)
    func aFullDiskAtAnyPointOfAnInstallLeavesTheStoreWholeOrUnchanged() throws {
        let (ws, v2) = try seeded()
        defer { ws.remove() }
        try FileManager.default.createDirectory(atPath: ws.path("out"), withIntermediateDirectories: true)
        let frees = Array(stride(from: 0, through: 36, by: 4))
        let script = """
            mnt="$WS/mnt"; mkdir -p "$mnt"
            mount -t tmpfs -o size=1m tmpfs "$mnt"
            for free in \(frees.map(String.init).joined(separator: " ")); do
                rm -rf "$mnt/store" "$mnt/filler"
                cp -a "$WS/store" "$mnt/store"
                \(FaultInjection.fill)
                "$SCAMFLOW" pack install "$WS/v2.sfpack" --store "$mnt/store" >"$WS/out/$free.out" 2>"$WS/out/$free.err" && echo 0 >"$WS/out/$free.status" || echo $? >"$WS/out/$free.status"
                rm -f "$mnt/filler"
                cp -a "$mnt/store" "$WS/out/$free.store"
            done
            # A rollback and a remove with no space left at all, from the store with 1.1.0 installed.
            for op in rollback remove; do
                rm -rf "$mnt/store" "$mnt/filler"
                cp -a "$WS/out/\(frees.last!).store" "$mnt/store"
                free=0
                \(FaultInjection.fill)
                "$SCAMFLOW" pack $op demo-otp --store "$mnt/store" >"$WS/out/$op.out" 2>"$WS/out/$op.err" && echo 0 >"$WS/out/$op.status" || echo $? >"$WS/out/$op.status"
                rm -f "$mnt/filler"
                cp -a "$mnt/store" "$WS/out/$op.store"
            done
            """
        let run = try FaultInjection.shell(script, environment: ws.environment.merging(["WS": ws.dir.path]) { $1 }, privateMounts: true)
        #expect(run.status == 0, "\(run.stderr)")
        let before = ws.snapshot()
        func result(_ name: String) throws -> (status: Int32, stderr: String, store: String) {
            (Int32(try String(contentsOfFile: ws.path("out/\(name).status"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
             try String(contentsOfFile: ws.path("out/\(name).err"), encoding: .utf8), ws.path("out/\(name).store"))
        }
        var outcomes: [String] = []
        for free in frees {
            let r = try result("\(free)")
            outcomes.append("\(free) KiB: exit \(r.status)")
            expectWholeOrUnchanged(ws, r.store, before: before, status: r.status, stderr: r.stderr, done: installed, "install with \(free) KiB free")
            if r.status != 0 { #expect(r.stderr.contains("the pack store is unchanged"), "\(r.stderr)") }
        }
        #expect(outcomes.first == "0 KiB: exit 2" && outcomes.last == "36 KiB: exit 0", "\(outcomes)")
        #expect(outcomes.filter { $0.hasSuffix("exit 2") }.count >= 4, "several points of failure met: \(outcomes)")

        let full = ws.snapshot(ws.path("out/\(frees.last!).store"))
        for op in ["rollback", "remove"] {
            let r = try result(op)
            #expect(r.status == 2, "\(op) with no space at all: \(r.stderr)")
            #expect(ws.snapshot(r.store) == full, "\(op): refused but the store changed")
        }
    }

    /// Without a mount: `ulimit -f 0` makes every write of a byte fail (EFBIG) while links and
    /// renames still work, which is where the old install failed: it switched `active` to a
    /// version kept as `previous`, then could not bump `.generation`, and said "unchanged".
    @Test func aWriteThatFailsOnceTheLinksAreReadyLeavesTheStoreUnchanged() throws {
        let (ws, v2) = try seeded()
        defer { ws.remove() }
        #expect(try ws.run(["pack", "install", v2]).status == 0)
        let before = ws.snapshot()
        for arguments in [["pack", "install", ws.path("v1.sfpack")], ["pack", "rollback", "demo-otp"], ["pack", "remove", "demo-otp"],
                          ["pack", "install", try ws.write(try ws.craft(version: "1.2.0", rules: PackWorkspace.rules(["灰鲸暗号"], idPrefix: "demo-otp"), key: try ws.trustedKey("b")), to: "v3.sfpack")]] {
            // The limit would stop the messages too if they went to a file: a pipe carries them.
            let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
            let r = try FaultInjection.shell("{ (trap '' XFSZ; ulimit -f 0; exec \"$SCAMFLOW\" \(quoted)) 2>&1 && echo 'exit 0' || echo \"exit $?\"; } | cat", environment: ws.environment)
            let status = Int32(r.stdout.split(separator: "\n").last?.split(separator: " ").last ?? "") ?? -1
            expectWholeOrUnchanged(ws, ws.store, before: before, status: status, stderr: r.stdout, done: { _ in false }, arguments.joined(separator: " "))
        }
        let r = try ws.run(["pack", "install", ws.path("v1.sfpack")])
        #expect(r.status == 0 && r.stdout.contains("installed demo-otp 1.0.0"), "the same command succeeds once writes do: \(r.stderr)")
    }
}
