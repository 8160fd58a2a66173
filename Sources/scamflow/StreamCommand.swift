import ArgumentParser
import Dispatch
import Foundation
import ScamEngine
import ScamIO
import ScamPacks
import ScamStore

/// `scamflow stream`: live device events and messages on stdin, alerts out the moment a flow
/// advances.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Read events and messages as JSON lines on stdin; write each alert the moment it is raised.",
        discussion: """
        Input lines: the Record (README, "What it reads"), CloudEvents (structured JSON) or ECS-style documents \
        (@timestamp, event.action, device.id, message). A bad line is reported on stderr with its number and \
        skipped. SIGHUP reloads the packs, keeping flow state (a pack that fails leaves the running one in place); \
        so does a change to the pack store (`pack install`, `update`, `rollback`, `remove`), checked every --watch-store seconds. \
        SIGINT, SIGTERM and end of input finish the line in hand, flush, checkpoint and exit 0. With --state FILE \
        the flow state is snapshotted (atomically) every --checkpoint-every seconds and at exit, the ids of \
        alerts written in between go to FILE.journal, and both are resumed at start; replaying the same input \
        from the start skips the records already counted and writes no alert twice. \
        With --nats URLS --stream NAME --durable NAME the events come from a NATS JetStream stream instead, alerts \
        go to JetStream (--alerts-subject, Nats-Msg-Id = alert_id) and the flow state to a key-value bucket \
        (README, "Run on NATS"; `scamflow nats` creates the streams and publishes events).
        """
    )

    @OptionGroup var packs: PackOptions

    @Option(help: ArgumentHelp("The pack store whose installed packs are loaded (default: $SCAMFLOW_STORE, else $XDG_DATA_HOME/scamflow/packs).", valueName: "dir"))
    var store: String?

    @Option(name: .customLong("watch-store"), help: ArgumentHelp("Seconds between checks of the pack store for changes (0: never).", valueName: "seconds"))
    var watchStore: Double = 2

    @Option(name: .customLong("min-score"), help: "Message alert threshold for every pack.")
    var minScore: Int?

    @OptionGroup var output: AlertOutputOptions

    @Option(help: ArgumentHelp("Checkpoint flow state to this file and resume from it.", valueName: "file"))
    var state: String?

    @Option(name: .customLong("checkpoint-every"), help: "Seconds between periodic checkpoints (with --state).")
    var checkpointEvery: Double = 5

    @Option(help: "Accept records up to this much older than the newest seen for their subject (e.g. 5m).")
    var tolerance: String = "5m"

    @Option(name: .customLong("idle-ttl"), help: "Forget a subject after this long without signals (event time, e.g. 24h).")
    var idleTTL: String = "24h"

    @Option(name: .customLong("context-ttl"), help: "Forget each fact of a subject's context (where the phone is, its profile) this long after it was said (event time).")
    var contextTTL: String = "30d"

    @Option(name: .customLong("max-subjects"), help: "Most subjects tracked at once; the least recently active are evicted beyond it.")
    var maxSubjects: Int = 1_000_000

    @OptionGroup var lineLimit: LineLimitOption

    @Option(help: ArgumentHelp("Keep only the records whose subject hashes to K of N (FNV-1a of the subject, modulo N); run N processes, K = 0..N-1, on the same input to spread the subjects over them.", valueName: "K/N"))
    var partition: String?

    @Option(name: .customLong("input-name"), help: ArgumentHelp("What evidence calls stdin (source NAME:LINE); alert ids hash it, so runs that name their input alike raise alerts with the same ids (with --nats the stream's name is used).", valueName: "name"))
    var inputName = "<stdin>"

    @OptionGroup(title: "NATS JetStream") var nats: NATSOptions

    @Flag(help: "Only flow alerts (no alert for a single message reaching a pack threshold).")
    var flowsOnly = false

    @Flag(name: .customLong("show-info"), help: "Also write info findings: rule alerts the learned scorer set aside (a retelling, a warning).")
    var showInfo = false

    @Flag(name: .shortAndLong, help: "No summary at exit.")
    var quiet = false

    @OptionGroup var packChecks: PackStrictness

    @Flag(name: .customLong("latency-report"), help: ArgumentHelp("At exit, print per-line processing latency (p50/p99/max), throughput and memory (for benchmarks).", visibility: .hidden))
    var latencyReport = false

    mutating func validate() throws {
        guard DurationText.parse(tolerance) != nil else { throw ValidationError("--tolerance is not a duration (e.g. 5m)") }
        guard DurationText.parse(idleTTL) != nil else { throw ValidationError("--idle-ttl is not a duration (e.g. 24h)") }
        guard DurationText.parse(contextTTL) != nil else { throw ValidationError("--context-ttl is not a duration (e.g. 30d)") }
        if let partition, StreamPartition(partition) == nil {
            throw ValidationError("--partition must be K/N with 0 <= K < N (e.g. 0/4)")
        }
        guard maxSubjects > 0, checkpointEvery > 0, watchStore >= 0 else { throw ValidationError("limits must be positive") }
        if nats.enabled, state != nil {
            throw ValidationError("--state is for stdin; with --nats the flow state is checkpointed in the bucket scamflow_DURABLE")
        }
    }

    func run() throws {
        let console = Console.shared
        // First of all, so that no signal finds the default action (SIGHUP's ends the process
        // silently) while the packs load, which takes a while.
        let slot = SessionSlot()
        let signals = SignalWatcher(holding: [SIGHUP, SIGINT, SIGTERM])
        signals.on(SIGHUP) { slot.hangUp() }
        signals.on(SIGINT) { slot.stop() }
        signals.on(SIGTERM) { slot.stop() }
        let storeWatcher = StoreWatcher(store: PackStore(root: PackPaths.store(store)))
        let output = self.output.resolve(defaultFormat: .ndjson, console: console)
        let loaded = packs.load(store: store, strictPacks: packChecks.strict)
        for d in loaded.diagnostics where d.severity == .error { console.err("scamflow: \(d)\n") }
        guard let ruleSet = loaded.ruleSet else {
            console.err("scamflow: the packs have errors; not starting" + (packChecks.strict ? " (--strict-packs: a broken installed pack is an error)" : "") + "\n")
            throw ExitCode(2)
        }
        PackLoading.warn(loaded)
        let encoder = output.encoder
        for pack in loaded.quarantined { console.out(bytes: encoder.encodeBytes(pack)) }
        console.flush()
        let running = RunningPacks(loaded.specs)
        var config = FlowConfig()
        config.tolerance = DurationText.parse(tolerance)!
        config.idleTTL = DurationText.parse(idleTTL)!
        config.contextTTL = DurationText.parse(contextTTL)!
        config.maxSubjects = maxSubjects
        let processor = StreamProcessor(ruleSet: ruleSet, minScore: minScore, config: config)
        processor.keepsInfo = showInfo
        let reloadPacks: @Sendable () -> PackLoading.Loaded = { [noBuiltin = packs.noBuiltin, directories = packs.directories, store, strict = packChecks.strict] in
            running.reload { PackLoading.load(builtin: !noBuiltin, directories: directories, store: store, strictPacks: strict, running: $0) }
        }
        if nats.enabled {
            return try runOnNATS(processor: processor, encoder: encoder, slot: slot, signals: signals, storeWatcher: storeWatcher, reloadPacks: reloadPacks)
        }
        let session = StreamSession(
            processor: processor,
            encoder: encoder,
            statePath: state, flowsOnly: flowsOnly, quiet: quiet, partition: partition.flatMap(StreamPartition.init),
            inputName: inputName, setAside: loaded.quarantined,
            latencyReport: latencyReport, reloadPacks: reloadPacks)
        do {
            try session.resume()
        } catch {
            console.err("scamflow: cannot resume from \(state ?? ""): \(error)\n")
            throw ExitCode(2)
        }
        slot.set(session)
        if state != nil { signals.every(checkpointEvery) { session.checkpoint() } }
        watch(storeWatcher, signals: signals, reloading: session)

        var lines = LineReader(fd: 0, maxLineBytes: lineLimit.maxLineBytes)
        lines.beforeRead = { session.flushAlerts() }
        while let line = lines.next() {
            session.handle(line)
        }
        session.terminate(endOfInput: true)
    }

    /// Reloads `run` when the pack store changes (checked every --watch-store seconds).
    private func watch(_ storeWatcher: StoreWatcher, signals: SignalWatcher, reloading run: any StreamRun) {
        guard !packs.noBuiltin && watchStore > 0 else { return }
        signals.every(watchStore) {
            guard let generation = storeWatcher.changed() else { return }
            Console.shared.err("scamflow: the pack store changed (generation \(generation)); reloading\n")
            run.reload()
        }
    }

    /// `--nats`: the same processing, events from a JetStream consumer, alerts to JetStream.
    private func runOnNATS(processor: StreamProcessor, encoder: AlertEncoder, slot: SessionSlot, signals: SignalWatcher,
                           storeWatcher: StoreWatcher, reloadPacks: @escaping @Sendable () -> PackLoading.Loaded) throws {
        let console = Console.shared
        let settings = NATSConsumer.Settings(options: nats, partition: partition.flatMap(StreamPartition.init), flowsOnly: flowsOnly,
                                             quiet: quiet, checkpointEvery: checkpointEvery)
        let consumer: NATSConsumer
        do {
            consumer = try NATSConsumer(settings: settings, processor: processor, encoder: encoder, reloadPacks: reloadPacks)
            try consumer.start()
        } catch {
            console.err("scamflow: stream --nats: \(error)\n")
            throw ExitCode(2)
        }
        slot.set(consumer)
        watch(storeWatcher, signals: signals, reloading: consumer)
        do {
            try consumer.run()
        } catch {
            console.err("scamflow: stream --nats: \(error)\n")
            throw ExitCode(2)
        }
        consumer.stop()
    }
}

/// Runs handlers for POSIX signals and timers on a private queue (never inside a signal
/// handler), so they may take locks and do I/O.
///
/// The signals are held from the moment it is made: blocked on the calling thread (threads
/// started later inherit that; dispatch's own threads block every signal), so none finds its
/// default action, and one that arrives before its dispatch source is armed (later, on another
/// thread) stays pending until the source reads it. They are deliberately not set to SIG_IGN:
/// an ignored signal that arrives then is discarded, and setting SIG_IGN drops a pending one.
final class SignalWatcher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "scamflow.signals")
    private var sources: [DispatchSourceProtocol] = []

    /// Call on the main thread before starting any thread of one's own.
    init(holding signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signo in signals { sigaddset(&set, signo) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Runs `handler` on the queue for each `signo` (one of those held; several arriving at
    /// once may run it once).
    func on(_ signo: Int32, _ handler: @escaping @Sendable () -> Void) {
        let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
        sources.append(source)
    }

    func every(_ seconds: Double, _ handler: @escaping @Sendable () -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler(handler: handler)
        timer.resume()
        sources.append(timer)
    }
}

/// What the signal handlers act on: a stream on stdin (`StreamSession`) or on NATS
/// (`NATSConsumer`).
protocol StreamRun: AnyObject, Sendable {
    /// Reloads the packs, keeping flow state (SIGHUP).
    func reload()
    /// Finishes the record in hand, flushes, checkpoints, says the summary; exit 0.
    func stop() -> Never
}

/// The stream session, for signal handlers installed before it exists. A SIGHUP that arrives
/// while the packs load is kept and acted on once the session runs (the packs just loaded may
/// predate the change it announces); SIGINT or SIGTERM before then ends the process at once,
/// exit 0: no line was read, so there is nothing to flush or checkpoint.
final class SessionSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var session: (any StreamRun)?
    private var reloadPending = false

    /// Called once, when the session has resumed and is about to read the first line.
    func set(_ session: any StreamRun) {
        lock.lock()
        self.session = session
        let pending = reloadPending
        lock.unlock()
        if pending { session.reload() }
    }

    func hangUp() {
        lock.lock()
        guard let session else {
            reloadPending = true
            lock.unlock()
            return
        }
        lock.unlock()
        session.reload()
    }

    func stop() -> Never {
        lock.lock()
        let session = self.session
        lock.unlock()
        session?.stop()
        exit(0)
    }
}

/// The packs a running stream has in force, handed to each reload: an installed pack broken on
/// disk since is then replaced by the version already running (it was checked when loaded)
/// rather than by the store's previous version or the built-in one.
final class RunningPacks: @unchecked Sendable {
    private let lock = NSLock()
    private var specs: [PackSpec]

    init(_ specs: [PackSpec]) { self.specs = specs }

    func reload(_ load: ([PackSpec]) -> PackLoading.Loaded) -> PackLoading.Loaded {
        lock.lock()
        defer { lock.unlock() }
        let loaded = load(specs)
        if loaded.ruleSet != nil { specs = loaded.specs }
        return loaded
    }
}

/// Notices changes to the pack store by its generation counter, which every install, update,
/// rollback and remove bumps as its last step. Only the signal queue calls `changed`.
final class StoreWatcher: @unchecked Sendable {
    private let store: PackStore
    private var seen: String

    /// Remembers the generation now, before the packs are loaded: a change made while they
    /// load is picked up by the first check.
    init(store: PackStore) {
        self.store = store
        seen = store.generation()
    }

    /// The new generation if it changed since the last call, else nil.
    func changed() -> String? {
        let now = store.generation()
        guard now != seen else { return nil }
        seen = now
        return now
    }
}
