import Foundation
import Testing

/// Real faults for the tests: a filesystem that is full, a folder that cannot be written, a
/// write that fails. Nothing is mocked: scamflow runs as a user runs it and meets the fault in
/// the kernel.
enum FaultInjection {
    /// Tests that mount a small tmpfs run only when `SCAMFLOW_FAULT_MOUNT=1` (`.ci/run` sets it):
    /// mounting needs root or an unprivileged user namespace, which a developer's machine or a
    /// container may not allow. The mount happens in a private mount namespace (`unshare`), so
    /// it never shows in the machine's mount table and goes away with the script, even if the
    /// test is killed. Without it the tests fall back on `ulimit -f` (see `shell`).
    static var mountEnabled: Bool { ProcessInfo.processInfo.environment["SCAMFLOW_FAULT_MOUNT"] == "1" }

    /// Runs `script` with `sh -eu`, the hermetic environment plus `environment`, and `SCAMFLOW`
    /// set to the binary. With `privateMounts`, in a mount namespace of its own (where it may
    /// `mount -t tmpfs`), as root or, for another user, as root of a new user namespace.
    static func shell(_ script: String, environment: [String: String] = [:], privateMounts: Bool = false) throws -> CLIRunner.Result {
        var arguments = ["sh", "-eu", "-c", script]
        if privateMounts {
            arguments = ["unshare", "--mount", "--propagation", "private"] + (geteuid() == 0 ? [] : ["--map-root-user"]) + arguments
        }
        var env = environment
        env["SCAMFLOW"] = CLIRunner.binary.path
        return try CLIRunner.run(arguments, in: CLIRunner.packageRoot, environment: env, executable: URL(fileURLWithPath: "/usr/bin/env"))
    }

    /// Why the tests that mount do not run here, or nil when they do: not asked for, or the
    /// machine does not let `shell(privateMounts: true)` mount a tmpfs (the reason is recorded
    /// as the skipped test's comment, so a run that skips them says why).
    static let mountUnavailable: String? = {
        guard mountEnabled else { return "SCAMFLOW_FAULT_MOUNT=1 (scripts/test sets it) runs the tests that mount a small tmpfs" }
        let probe = "d=$(mktemp -d); mount -t tmpfs -o size=64k tmpfs \"$d\"; umount \"$d\"; rmdir \"$d\""
        guard let r = try? shell(probe, privateMounts: true) else { return "cannot run unshare to try a mount" }
        guard r.status == 0 else {
            return "SCAMFLOW_FAULT_MOUNT=1, but mounting a tmpfs is not allowed here (\(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))"
        }
        return nil
    }()

    /// Whether the tests that mount run here.
    static var canMount: Bool { mountUnavailable == nil }

    /// The trait of a test that mounts: enabled when it can, else skipped with the reason.
    static var mounting: ConditionTrait {
        .enabled(if: canMount, Comment(rawValue: mountUnavailable ?? "mounts a small tmpfs"))
    }

    /// A shell fragment that fills the tmpfs at `$mnt` until `free` KiB are left (tmpfs counts
    /// whole 4 KiB pages, so `free` is a multiple of 4).
    static let fill = """
        avail=$(df -k --output=avail "$mnt" | tail -1)
        if [ "$avail" -gt "$free" ]; then fallocate -l $(( (avail - free) * 1024 )) "$mnt/filler"; fi
        """
}
