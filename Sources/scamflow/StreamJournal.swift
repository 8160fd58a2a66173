import Foundation

/// The alerts written since the last `--state` snapshot: `STATE.journal` beside the state file,
/// one `LINE ALERT_ID` line per alert, appended right after the alerts reach stdout.
///
/// Why: a full snapshot after every flush of alerts made `--state` forty times slower, and a
/// snapshot only every few seconds would let a restart raise again every alert written since.
/// The journal is the cheap middle: a snapshot every `--checkpoint-every` seconds, and between
/// two snapshots one small append per flush. A restart that replays the same input skips the
/// lines the snapshot covers, runs the rest again from the snapshot's flow state (which is
/// deterministic, so the same alerts with the same ids come out) and writes only the alerts
/// whose ids the journal does not hold.
///
/// Invariants:
/// - An id is appended only after the write of its alert to stdout succeeded, so the journal
///   never claims an alert that was not delivered (no alert is ever lost to it).
/// - A snapshot is written only after every alert of the lines it covers was flushed and
///   journaled; the journal is emptied only after the snapshot was renamed into place.
/// - Appends are not fsynced: a `kill -9` keeps them (the kernel has them), a power cut may
///   not, and then the alerts since the snapshot are written again (at-least-once; consumers
///   deduplicate by `alert_id`). A kill between the write to stdout and the append, a window of
///   one system call, repeats the alerts of that one flush.
final class StreamJournal {
    let path: String
    private var fd: Int32 = -1
    /// The first append error, reported once.
    private(set) var failed: String?

    init(statePath: String) {
        path = statePath + ".journal"
    }

    /// The ids in the journal and the last input line they came from. A torn last line (a
    /// kill in the middle of an append) is ignored: its alerts are written again.
    static func read(_ path: String) -> (ids: Set<String>, lastLine: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
        var ids = Set<String>()
        var last = 0
        let complete = data.lastIndex(of: 0x0A).map { data[..<$0] } ?? Data()
        for line in complete.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20, maxSplits: 1)
            guard fields.count == 2, let number = Int(String(decoding: fields[0], as: UTF8.self)) else { continue }
            ids.insert(String(decoding: fields[1], as: UTF8.self))
            last = max(last, number)
        }
        return (ids, last)
    }

    /// Appends the ids of alerts just written to stdout. An error is kept (the caller says it
    /// once); the stream goes on, since a missing entry only repeats an alert after a restart.
    func append(_ entries: [(line: Int, id: String)]) {
        guard !entries.isEmpty else { return }
        if fd < 0 {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            if fd < 0 { fail(errno); return }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 48)
        for entry in entries {
            bytes += Array(String(entry.line).utf8)
            bytes.append(0x20)
            bytes += Array(entry.id.utf8)
            bytes.append(0x0A)
        }
        if !Console.writeAll(fd, bytes) { fail(errno) }
    }

    /// Empties the journal: the snapshot just written covers every alert in it.
    func truncate() {
        if fd >= 0 {
            if ftruncate(fd, 0) != 0 { fail(errno) }
        } else {
            unlink(path)
        }
    }

    private func fail(_ code: Int32) {
        if failed == nil { failed = String(cString: strerror(code)) }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }
}
