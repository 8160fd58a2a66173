import Foundation
import ScamEngine
import ScamIO
import ScamPacks

/// The state of one `scamflow stream` run, shared by the reading loop and the signal and timer
/// handlers. Every access goes through `lock`, so a signal never interrupts a line half done:
/// "finish the line in hand" is the lock.
final class StreamSession: StreamRun, @unchecked Sendable {
    private let lock = NSLock()
    private let processor: StreamProcessor
    private let encoder: AlertEncoder
    private let statePath: String?
    private let flowsOnly: Bool
    private let quiet: Bool
    private let partition: StreamPartition?
    /// What evidence calls the input (`<stdin>`, or `--input-name`); alert ids hash it.
    private let inputName: String
    private let step: StreamRecordStep
    /// Per-line latency histogram in microseconds (index = µs, last bucket = overflow), when
    /// `--latency-report` is on.
    private var latencies: [Int]?
    private let reloadPacks: @Sendable () -> PackLoading.Loaded
    private let console = Console.shared

    // Counters for the summary.
    private var alerts = 0
    private var badLines = 0
    private var late = 0
    private var skippedReplay = 0
    private var otherPartitions = 0
    private let started = Date()
    /// Installed packs set aside at load or at a reload, by label, in the order first seen:
    /// their summary line, and whether they still are (a repair, or an install, then a reload).
    private var setAside: [(label: String, summary: String, now: Bool)] = []

    // Input position, for recognising a replay of the same input after a restart.
    private var linesConsumed = 0
    /// Hex of the first line's hash; the last line's as a number (hex only when checkpointed:
    /// a string per line costs).
    private var firstLineHash: String?
    private var lastLineHash: UInt64?
    private var resumeFrom: StreamCheckpoint.Input?
    private var replaying = false
    /// Alerts handed to the console since its last flush.
    private var alertsUnflushed = false

    // Exactly-once across a restart (see `StreamJournal`).
    private let journal: StreamJournal?
    /// Alerts in the console's buffer, not yet in the journal (input line, alert id).
    private var unjournaled: [(line: Int, id: String)] = []
    /// Ids of alerts the run before the restart already wrote (its journal), until the replay
    /// passes the last journaled line; dropped at line 1 when the input is another one.
    private var alreadyWritten: Set<String> = []
    private var alreadyWrittenUntil = 0
    private var repeatsWithheld = 0
    private var journalFailureSaid = false
    private var stateFailureSaid = false
    /// Monotonic time (ns) before which the timer writes no snapshot (see `checkpoint()`).
    private var nextSnapshotNotBefore: UInt64 = 0

    init(processor: StreamProcessor, encoder: AlertEncoder, statePath: String?, flowsOnly: Bool, quiet: Bool,
         partition: StreamPartition? = nil, inputName: String = "<stdin>", setAside: [QuarantinedPack] = [],
         latencyReport: Bool = false, reloadPacks: @escaping @Sendable () -> PackLoading.Loaded) {
        self.partition = partition
        self.inputName = inputName
        step = StreamRecordStep(processor: processor, partition: partition, flowsOnly: flowsOnly)
        self.setAside = setAside.map { ($0.label, $0.summary, true) }
        latencies = latencyReport ? Array(repeating: 0, count: 100_001) : nil
        self.processor = processor
        self.encoder = encoder
        self.statePath = statePath
        self.flowsOnly = flowsOnly
        self.quiet = quiet
        self.reloadPacks = reloadPacks
        journal = statePath.map(StreamJournal.init)
        if journal != nil {
            // Only ever called with `lock` held: every console write of a stream happens in
            // `process`, `flushAlerts`, `checkpoint` or `terminate`.
            console.afterWrite = { [unowned self] in
                self.journal?.append(self.unjournaled)
                self.unjournaled.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Loads `--state` if the file exists, after checking that it can be trusted: a file this
    /// version wrote, numbers a run can produce, the same `--partition`. What cannot be trusted
    /// is refused with the reason (exit 2), never applied.
    func resume() throws {
        guard let statePath else { return }
        // Fail now, not at the first checkpoint, if the state can never be written.
        do throws(AtomicFile.Unwritable) {
            try AtomicFile.checkWritable(statePath)
        } catch .folder {
            throw StateError("it is a folder; --state takes a file path (the file is created if missing)")
        } catch .folderNotWritable(let folder) {
            throw StateError("cannot write in \(folder) (missing folder or no permission)")
        }
        let removed = AtomicFile.removeStaleTemporaries(of: statePath)
        if removed > 0 { console.err("scamflow: removed \(removed) temporary state file\(removed == 1 ? "" : "s") left by an interrupted run\n") }
        guard FileManager.default.fileExists(atPath: statePath) else {
            // Killed before its first snapshot: the journal is relative to the empty state at
            // line 0, and still says which alerts went out.
            let written = StreamJournal.read(journal!.path)
            if !written.ids.isEmpty {
                (alreadyWritten, alreadyWrittenUntil) = (written.ids, written.lastLine)
                resumeFrom = StreamCheckpoint.Input(lines: 0, firstLineHash: "", lastLineHash: "")
                console.err("scamflow: no state in \(statePath) yet, but \(written.ids.count) alert\(written.ids.count == 1 ? "" : "s") of an earlier run in its journal; those are not written again\n")
            }
            return
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: statePath))
        let checkpoint: StreamCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(StreamCheckpoint.self, from: data)
        } catch {
            throw StateError("the file is not a scamflow state file (or is damaged: \(StateError.where(error))); "
                             + "move it away or pass another --state to start afresh")
        }
        guard checkpoint.version == 1 else {
            throw StateError("state version \(checkpoint.version) was written by another scamflow (this one reads version 1); move it away or pass another --state")
        }
        guard checkpoint.input.lines >= 0 else {
            throw StateError("the file is damaged: it says \(checkpoint.input.lines) input lines were read; move it away or pass another --state")
        }
        // Another partition's state holds other subjects and another input position.
        if checkpoint.partition != partition?.description {
            throw StateError("the state was written by " + (checkpoint.partition.map { "--partition \($0)" } ?? "a run without --partition")
                             + ", this run is " + (partition.map { "--partition \($0)" } ?? "without --partition")
                             + "; give each partition its own --state file")
        }
        let said = try FlowStateRestore.restore(checkpoint.flows, writtenWith: checkpoint.packs, into: processor, from: statePath, called: "the file",
                                                remedy: "move it away or pass another --state to start afresh")
        resumeFrom = checkpoint.input
        (alreadyWritten, alreadyWrittenUntil) = StreamJournal.read(journal!.path)
        for line in said { console.err("scamflow: \(line)\n") }
    }

    func handle(_ line: LineReader.Line) {
        lock.lock()
        defer { lock.unlock() }
        guard latencies != nil else { return process(line) }
        let start = DispatchTime.now().uptimeNanoseconds
        process(line)
        let micros = Int((DispatchTime.now().uptimeNanoseconds - start) / 1000)
        latencies![min(micros, 100_000)] += 1
    }

    private func process(_ line: LineReader.Line) {
        switch line {
        case .oversized(let number, let bytes):
            var h = StableHash()
            h.add("oversized:\(bytes)")
            if consume(number: number, hash: h.value) { return }
            badLines += 1
            console.err("scamflow: \(inputName):\(number): line too long (\(bytes) bytes); skipped\n")
        case .readError(let number, let code):
            console.err("scamflow: \(inputName):\(number): read error: \(String(cString: strerror(code)))\n")
        case .text(let number, let bytes):
            // Line hashes only matter for checkpoints.
            var hash: UInt64 = 0
            if statePath != nil {
                var h = StableHash()
                h.add(bytes)
                hash = h.value
            }
            if consume(number: number, hash: hash) { return }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            switch step.run(bytes, source: SourcePosition(file: inputName, line: number)) {
            case .bad(let message):
                badLines += 1
                console.err("scamflow: \(message)\n")
            case .otherPartition(let warning):
                if let warning { console.err("scamflow: \(warning)\n") }
                otherPartitions += 1
                return
            case .processed(let out, let lateSignals, let warning, _):
                if let warning { console.err("scamflow: \(warning)\n") }
                late += lateSignals
                if !out.isEmpty { write(out, line: number) }
            }
        }
        step.sweep()
    }

    /// Writes alerts (flushed by `flushAlerts()` when the reader runs out of lines in hand, and
    /// journaled once written), except those the run before a restart already wrote.
    private func write(_ out: [Alert], line: Int) {
        if line > alreadyWrittenUntil, !alreadyWritten.isEmpty { alreadyWritten = [] }
        for alert in out {
            if !alreadyWritten.isEmpty, alreadyWritten.contains(alert.alertID) {
                repeatsWithheld += 1
                continue
            }
            // Before the bytes: a full buffer is written inside `out(bytes:)`, and its journal
            // entries must include this alert.
            if journal != nil { unjournaled.append((line, alert.alertID)) }
            console.out(bytes: encoder.encodeBytes(alert))
            alerts += 1
            alertsUnflushed = true
        }
    }

    /// Tracks the input position; returns true when the line was already counted by the
    /// checkpoint we resumed from (the same input replayed from its start).
    private func consume(number: Int, hash: UInt64) -> Bool {
        linesConsumed = number
        if number == 1 {
            firstLineHash = StableHash.hex(hash)
            if let resumeFrom {
                let same = resumeFrom.lines == 0 || resumeFrom.firstLineHash == firstLineHash
                if !same {
                    (alreadyWritten, alreadyWrittenUntil) = ([], 0)
                    console.err("scamflow: the input does not start with the checkpoint's first line: read as new input, the flows continuing from the state\n")
                } else if resumeFrom.lines > 0 {
                    replaying = true
                    console.err("scamflow: input matches the checkpoint; skipping its first \(resumeFrom.lines) lines\n")
                }
            }
        }
        lastLineHash = hash
        guard replaying, let resumeFrom else { return false }
        if number < resumeFrom.lines { skippedReplay += 1; return true }
        if number == resumeFrom.lines {
            replaying = false
            if StableHash.hex(hash) != resumeFrom.lastLineHash {
                console.err("scamflow: warning: line \(number) differs from the checkpoint's; the input may have changed\n")
            }
            skippedReplay += 1
            return true
        }
        return false
    }

    /// Writes out the alerts of the lines handled so far, then (with `--state`) the checkpoint
    /// that covers them. Called before the reader may block, and before any checkpoint.
    func flushAlerts() {
        lock.lock()
        defer { lock.unlock() }
        guard alertsUnflushed else { return }
        flush()
    }

    /// Writes the alerts in hand (journaling them). When stdout is closed (the consumer is
    /// gone) they were never delivered: neither the journal nor the state records them, so a
    /// restart with the same `--state` raises them again, and the stream ends quietly, as
    /// `scan` does.
    private func flush() {
        console.flush()
        alertsUnflushed = false
        guard !console.broken else { outputClosed() }
        if let failed = journal?.failed, !journalFailureSaid {
            journalFailureSaid = true
            console.err("scamflow: cannot append to \(journal!.path): \(failed); alerts since the last checkpoint may be written again after a restart\n")
        }
    }

    /// Flushes, then writes the snapshot that covers what was written.
    private func flushThenCheckpoint() {
        flush()
        writeCheckpoint()
    }

    private func outputClosed() -> Never {
        if !quiet {
            console.err("scamflow: stream: stdout is closed; stopping at line \(linesConsumed)"
                        + (statePath != nil ? " (the state stays at the last alerts written; a restart raises the rest again)\n" : "\n"))
        }
        exit(0)
    }

    func reload() {
        let loaded = reloadPacks()
        lock.lock()
        defer { lock.unlock() }
        guard let ruleSet = PackLoading.swap(loaded, into: processor) else { return }
        noteSetAside(loaded.quarantined)
        // A pack set aside is news for whoever reads the alerts, even when no line comes.
        for pack in loaded.quarantined { console.out(bytes: encoder.encodeBytes(pack)) }
        if !loaded.quarantined.isEmpty { console.flush() }
        PackLoading.sayReloaded(ruleSet, processor: processor)
    }

    /// Records the packs set aside by the latest load, for the summary; those set aside before
    /// and not now are kept, marked as back in force.
    private func noteSetAside(_ packs: [QuarantinedPack]) {
        for i in setAside.indices { setAside[i].now = false }
        for pack in packs {
            if let i = setAside.firstIndex(where: { $0.label == pack.label }) {
                setAside[i] = (pack.label, pack.summary, true)
            } else {
                setAside.append((pack.label, pack.summary, true))
            }
        }
    }

    /// The timer's checkpoint. A snapshot is skipped while the last one is recent compared with
    /// what it cost: at most one twentieth of the stream's time goes to snapshots, however many
    /// subjects are tracked (the journal keeps a restart exact meanwhile; only the replay after
    /// a crash gets longer).
    func checkpoint() {
        lock.lock()
        defer { lock.unlock() }
        // No expiry here: the timer fires at wall-clock moments, and state changed at those
        // would make a run's alerts depend on timing (a replay from the snapshot must be the
        // same function of the input as the run it replays).
        guard DispatchTime.now().uptimeNanoseconds >= nextSnapshotNotBefore else { return flush() }
        flushThenCheckpoint()
    }

    func stop() -> Never { terminate() }

    /// Finishes: flush, checkpoint, summary, exit 0. Called at end of input (`endOfInput`) and
    /// on SIGINT/SIGTERM.
    func terminate(endOfInput: Bool = false) -> Never {
        lock.lock()
        flushThenCheckpoint()
        // Input that matched the checkpoint's first line but ended before the line it had
        // reached: every line was skipped as already processed, most likely wrongly.
        if endOfInput, replaying, let resumeFrom {
            console.err("scamflow: warning: the input ended at line \(linesConsumed) but the state had consumed \(n(resumeFrom.lines, "line")): "
                        + "it is probably not the same input, and its lines were skipped as already processed; "
                        + "to read it as new input, start without --state or with a fresh state file\n")
        }
        if let latencies { console.err(latencyText(latencies)) }
        if !quiet {
            let seconds = Date().timeIntervalSince(started)
            console.err("scamflow: stream: \(n(processor.records, "record")), \(n(alerts, "alert")), \(n(badLines, "bad line")), "
                        + "\(n(late, "late signal")), \(n(processor.engine.evictions, "eviction")), "
                        + "\(n(processor.engine.trackedSubjects, "subject")) tracked, " + String(format: "%.1f s\n", seconds)
                        + (skippedReplay > 0 ? "  \(skippedReplay) lines skipped as already processed before the restart\n" : "")
                        + (repeatsWithheld > 0 ? "  \(n(repeatsWithheld, "alert")) not repeated: written before the restart\n" : "")
                        + (processor.setAside > 0 ? "  \(n(processor.setAside, "rule alert")) set aside by the model (--show-info writes them)\n" : "")
                        + setAside.map { "  installed pack set aside (broken): \($0.summary)" + ($0.now ? "" : " (no longer after a reload)") + "\n" }.joined()
                        + (partition.map { "  partition \($0): \(n(otherPartitions, "record")) of other partitions left out\n" } ?? ""))
        }
        exit(0)
    }

    /// `1 alert`, `2 alerts`: a count and its word, for messages and the summary.
    private func n(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }

    /// Percentiles of the per-line latency, throughput, and resident memory per tracked subject.
    private func latencyText(_ histogram: [Int]) -> String {
        let total = histogram.reduce(0, +)
        func percentile(_ p: Double) -> Int {
            let target = Int((Double(total) * p).rounded(.up))
            var seen = 0
            for (micros, n) in histogram.enumerated() {
                seen += n
                if seen >= target { return micros }
            }
            return histogram.count - 1
        }
        let seconds = Date().timeIntervalSince(started)
        let rss = StreamSession.residentKiB()
        let subjects = processor.engine.trackedSubjects
        return String(format: "latency: %d lines, p50 %d µs, p99 %d µs, p99.9 %d µs, max %@ µs; %.0f lines/s over %.2f s; RSS %d KiB, %d subjects tracked (peak %d), %d attempts\n",
                      total, percentile(0.5), percentile(0.99), percentile(0.999),
                      histogram.last! > 0 ? ">=100000" : "\(histogram.lastIndex { $0 > 0 } ?? 0)",
                      Double(total) / max(seconds, 1e-9), seconds, rss, subjects, processor.engine.peakSubjects, processor.engine.activeAttempts)
    }

    /// Resident set size of this process in KiB (Linux /proc; 0 elsewhere).
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Writes the state file atomically: a temporary file in the same folder, fsync, rename.
    private func writeCheckpoint() {
        guard let statePath else { return }
        let input: StreamCheckpoint.Input
        // Before the first line, the position is still the one resumed from.
        if let resumeFrom, replaying || linesConsumed == 0 {
            input = resumeFrom
        } else {
            input = StreamCheckpoint.Input(lines: linesConsumed, firstLineHash: firstLineHash ?? resumeFrom?.firstLineHash ?? "",
                                           lastLineHash: lastLineHash.map(StableHash.hex) ?? resumeFrom?.lastLineHash ?? "")
        }
        let began = DispatchTime.now().uptimeNanoseconds
        defer {
            let now = DispatchTime.now().uptimeNanoseconds
            nextSnapshotNotBefore = now + 19 * (now - began)
        }
        let checkpoint = StreamCheckpoint(input: input, flows: processor.engine.snapshot(), partition: partition?.description,
                                          packs: processor.ruleSet.packs.map(\.manifest.label).sorted())
        do {
            try AtomicFile.write(to: statePath) { write in
                try withoutActuallyEscaping(write) { try StreamingJSONEncoder(sink: $0).encode(checkpoint) }
            }
            // The previous run's entries still matter until the replay has passed them (a
            // second restart must not write those alerts again either).
            if linesConsumed >= alreadyWrittenUntil { journal?.truncate() }
            stateFailureSaid = false
        } catch {
            // The previous snapshot and the journal since stay valid: nothing is lost, a
            // restart replays more. Said once per run of failures, not at every timer tick.
            if !stateFailureSaid {
                console.err("scamflow: cannot write state to \(statePath): \(error); the previous checkpoint stays in force\n")
            }
            stateFailureSaid = true
        }
    }
}

/// A `--state` file that cannot be used.
struct StateError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// Where and what a decoding failure is, in a few words: the field's path in the file
    /// (`subjects[2].attempts[0].reached`) and what was wrong there, or that it is not JSON.
    static func `where`(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? "." + key.stringValue }.joined()
            return keys.isEmpty ? "at the top" : "at " + (keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "\(path(context)): no `\(key.stringValue)`"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "\(path(context)): \(context.debugDescription.prefix(80))"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription.prefix(80))"
        default: return "unreadable"
        }
    }
}

/// What `--state` holds: the input position and the flows' state.
struct StreamCheckpoint: Codable {
    struct Input: Codable {
        /// Lines of the input consumed so far.
        var lines: Int
        /// Hash of the first line: recognises the same input replayed from its start.
        var firstLineHash: String
        /// Hash of the last line consumed.
        var lastLineHash: String
    }

    var version = 1
    var input: Input
    var flows: FlowSnapshot
    /// The `--partition` the state belongs to (nil: the whole input). Optional, so state files
    /// written before it existed still load.
    var partition: String?
    /// The packs in force when it was written (`name@version`, sorted); a resume with others
    /// says so. Optional for the same reason.
    var packs: [String]?
}
