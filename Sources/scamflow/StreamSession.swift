import Foundation
import ScamEngine
import ScamIO
import ScamPacks

/// The state of one `scamflow stream` run, shared by the reading loop and the signal and timer
/// handlers. Every access goes through `lock`, so a signal never interrupts a line half done:
/// "finish the line in hand" is the lock.
final class StreamSession: @unchecked Sendable {
    private let lock = NSLock()
    private let processor: StreamProcessor
    private let encoder: AlertEncoder
    private let statePath: String?
    private let flowsOnly: Bool
    private let quiet: Bool
    private let partition: StreamPartition?
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

    // Input position, for recognising a replay of the same input after a restart.
    private var linesConsumed = 0
    private var firstLineHash: String?
    private var lastLineHash: String?
    private var resumeFrom: StreamCheckpoint.Input?
    private var replaying = false
    /// Alerts written since the last checkpoint (the console may have flushed some already).
    private var alertsSinceCheckpoint = false

    init(processor: StreamProcessor, encoder: AlertEncoder, statePath: String?, flowsOnly: Bool, quiet: Bool,
         partition: StreamPartition? = nil,
         latencyReport: Bool = false, reloadPacks: @escaping @Sendable () -> PackLoading.Loaded) {
        self.partition = partition
        latencies = latencyReport ? Array(repeating: 0, count: 100_001) : nil
        self.processor = processor
        self.encoder = encoder
        self.statePath = statePath
        self.flowsOnly = flowsOnly
        self.quiet = quiet
        self.reloadPacks = reloadPacks
    }

    /// Loads `--state` if the file exists.
    func resume() throws {
        guard let statePath else { return }
        // Fail now, not at the first checkpoint, if the state can never be written.
        let folder = URL(fileURLWithPath: statePath).deletingLastPathComponent().path
        let probe = (folder as NSString).appendingPathComponent(".scamflow-probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw StateError("cannot write in \(folder) (missing folder or no permission)")
        }
        unlink(probe)
        guard FileManager.default.fileExists(atPath: statePath) else { return }
        let data = try Data(contentsOf: URL(fileURLWithPath: statePath))
        let checkpoint: StreamCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(StreamCheckpoint.self, from: data)
        } catch {
            throw StateError("the file is not a scamflow state file (or is damaged); move it away or pass another --state to start afresh")
        }
        // Another partition's state holds other subjects and another input position.
        if checkpoint.partition != partition?.description {
            throw StateError("the state was written by " + (checkpoint.partition.map { "--partition \($0)" } ?? "a run without --partition")
                             + ", this run is " + (partition.map { "--partition \($0)" } ?? "without --partition")
                             + "; give each partition its own --state file")
        }
        let dropped = processor.engine.restore(checkpoint.flows)
        resumeFrom = checkpoint.input
        let attempts = processor.engine.activeAttempts
        console.err("scamflow: resumed \(attempts) flow attempt\(attempts == 1 ? "" : "s") of \(processor.engine.trackedSubjects) subject\(processor.engine.trackedSubjects == 1 ? "" : "s") from \(statePath)"
                    + (dropped > 0 ? " (\(dropped) of flows no longer loaded dropped)" : "") + "\n")
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
            if consume(number: number, hash: "oversized:\(bytes)") { return }
            badLines += 1
            console.err("scamflow: <stdin>:\(number): line too long (\(bytes) bytes); skipped\n")
        case .readError(let number, let code):
            console.err("scamflow: <stdin>:\(number): read error: \(String(cString: strerror(code)))\n")
        case .text(let number, let bytes):
            // Line hashes only matter for checkpoints (and a hex string per line costs).
            var hash = ""
            if statePath != nil {
                var h = StableHash()
                h.add(bytes)
                hash = h.hex
            }
            if consume(number: number, hash: hash) { return }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            let invalidAt = TextDecoding.firstInvalidUTF8(bytes)
            switch StreamRecordParser.parse(bytes, source: SourcePosition(file: "<stdin>", line: number)) {
            case .issue(let issue):
                badLines += 1
                // One message a line: the UTF-8 damage is part of why it could not be read.
                console.err("scamflow: \(issue)" + (invalidAt.map { " (the line also has invalid UTF-8 at byte \($0))" } ?? "") + "\n")
            case .record(let record):
                if let invalidAt {
                    console.err("scamflow: <stdin>:\(number): invalid UTF-8 at byte \(invalidAt); repaired and processed\n")
                }
                if let partition, !partition.owns(record.subject) {
                    otherPartitions += 1
                    return
                }
                // The wall clock only matters for undated records (the fallback time).
                let now = record.time == nil ? Int64(Date().timeIntervalSince1970 * 1000) : 0
                let result = processor.process(record, fallbackTime: now)
                late += result.late
                let out = flowsOnly ? result.alerts.filter { $0.kind == .flow } : result.alerts
                guard !out.isEmpty else { return }
                for alert in out { console.out(bytes: encoder.encodeBytes(alert)) }
                alerts += out.count
                // Flushed, then checkpointed, by `flushAlerts()` when the reader runs out of
                // lines in hand: a crash in between can repeat an alert, never lose one.
                alertsSinceCheckpoint = true
            }
        }
        // A tenth of the subjects every 1,000 records: a pass takes 10,000 records whatever the
        // number of subjects (a fixed budget let passes, and so the subjects kept, grow together).
        if processor.records % 1_000 == 0 {
            processor.engine.expireSome(at: processor.engine.now, budget: max(1_000, processor.engine.trackedSubjects / 10))
        }
    }

    /// Tracks the input position; returns true when the line was already counted by the
    /// checkpoint we resumed from (the same input replayed from its start).
    private func consume(number: Int, hash: String) -> Bool {
        linesConsumed = number
        if number == 1 {
            firstLineHash = hash
            if let resumeFrom, resumeFrom.firstLineHash == hash, resumeFrom.lines > 0 {
                replaying = true
                console.err("scamflow: input matches the checkpoint; skipping its first \(resumeFrom.lines) lines\n")
            }
        }
        lastLineHash = hash
        guard replaying, let resumeFrom else { return false }
        if number < resumeFrom.lines { skippedReplay += 1; return true }
        if number == resumeFrom.lines {
            replaying = false
            if hash != resumeFrom.lastLineHash {
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
        if alertsSinceCheckpoint { flushThenCheckpoint() }
    }

    /// Flushes, then checkpoints what was written. When stdout is closed (the consumer is gone)
    /// the alerts in hand were never delivered: the checkpoint stays where it was, so a restart
    /// with the same `--state` raises them again, and the stream ends quietly, as `scan` does.
    private func flushThenCheckpoint() {
        console.flush()
        alertsSinceCheckpoint = false
        guard !console.broken else { outputClosed() }
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
        guard let ruleSet = loaded.ruleSet else {
            console.err("scamflow: reload failed; the running packs stay in force:\n")
            for d in loaded.diagnostics where d.severity == .error { console.err("  \(d)\n") }
            return
        }
        processor.reload(ruleSet)
        // A pack set aside is news for whoever reads the alerts, even when no line comes.
        PackLoading.warn(loaded)
        for pack in loaded.quarantined { console.out(bytes: encoder.encodeBytes(pack)) }
        if !loaded.quarantined.isEmpty { console.flush() }
        let names = ruleSet.packs.map(\.manifest.label).joined(separator: ", ")
        console.err("scamflow: reloaded packs (\(names)); \(processor.engine.activeAttempts) flow attempts kept\n")
    }

    func checkpoint() {
        lock.lock()
        defer { lock.unlock() }
        processor.engine.expire(at: processor.engine.now)
        flushThenCheckpoint()
    }

    /// Finishes: flush, checkpoint, summary, exit 0. Called at end of input and on SIGINT/SIGTERM.
    func terminate() -> Never {
        lock.lock()
        flushThenCheckpoint()
        if let latencies { console.err(latencyText(latencies)) }
        if !quiet {
            let seconds = Date().timeIntervalSince(started)
            func n(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
            console.err("scamflow: stream: \(n(processor.records, "record")), \(n(alerts, "alert")), \(n(badLines, "bad line")), "
                        + "\(n(late, "late signal")), \(n(processor.engine.evictions, "eviction")), "
                        + "\(n(processor.engine.trackedSubjects, "subject")) tracked, " + String(format: "%.1f s\n", seconds)
                        + (skippedReplay > 0 ? "  \(skippedReplay) lines skipped as already processed before the restart\n" : "")
                        + (partition.map { "  partition \($0): \(n(otherPartitions, "record")) of other partitions left out\n" } ?? ""))
        }
        exit(0)
    }

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
        if replaying, let resumeFrom {
            input = resumeFrom
        } else {
            input = StreamCheckpoint.Input(lines: linesConsumed, firstLineHash: firstLineHash ?? resumeFrom?.firstLineHash ?? "",
                                           lastLineHash: lastLineHash ?? resumeFrom?.lastLineHash ?? "")
        }
        let checkpoint = StreamCheckpoint(input: input, flows: processor.engine.snapshot(), partition: partition?.description)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicFile.write(try encoder.encode(checkpoint), to: statePath)
        } catch {
            console.err("scamflow: cannot write state to \(statePath): \(error)\n")
        }
    }
}

/// A `--state` file that cannot be used.
struct StateError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
}

/// Atomic file replacement.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temp.path, url.path) == 0 else {
            let code = errno
            unlink(temp.path)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }
}
