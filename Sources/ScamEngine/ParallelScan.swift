import Foundation
import PCRE2

/// What scanning one record found: computed on any thread, added to a `MessageScan` in input
/// order.
public struct ScannedRecord: Sendable {
    /// The record's hits, in rule order.
    public var hits: [Hit]
    /// Rules that did not finish on the record.
    public var failures: [RuleFailure]
    /// The record's language (given, or detected).
    public var lang: String
    /// Rules whose pattern matched but whose `unless` dropped them.
    public var guarded: [Int32]
    /// What the model needs of the record's text (nil without a model or text).
    public var model: ModelInput?
    /// The record's own unit already assessed (`MessageScan.preassess`), when it is one.
    public var assessment: Assessor.Assessment?

    public init(hits: [Hit] = [], failures: [RuleFailure] = [], lang: String, guarded: [Int32] = [], model: ModelInput? = nil) {
        self.hits = hits
        self.failures = failures
        self.lang = lang
        self.guarded = guarded
        self.model = model
    }
}

extension Scanner {
    /// Scans one record.
    public func scan(_ record: Record) -> ScannedRecord {
        var result = ScannedRecord(lang: "")
        result.lang = scan(record, hits: &result.hits, failures: &result.failures, guarded: &result.guarded, model: &result.model)
        return result
    }
}

/// Scans an ordered stream of items on several threads and hands every item back, with its
/// result, in the order it was submitted.
///
/// Items are gathered into batches (a few hundred records, or a few hundred KB of text); worker
/// threads, each with its own `Scanner` (PCRE2 match data, JIT stack, normalizer), scan whole
/// batches; the submitting thread delivers finished batches in order, and scans a batch itself
/// whenever it would otherwise wait. So `deliver` is only ever called on the submitting thread,
/// in submission order, exactly as a single-threaded loop would call it: the alerts (which
/// depend on neighbouring records, such as the segments of one call) come out the same
/// whatever the number of threads. With `threads == 1` no thread is started.
///
/// Invariant: at most `maxBatchesInFlight` batches are held at once, so memory is bounded by
/// the batch size, not by the input.
public final class ParallelScanner<Item: Sendable, Result: Sendable>: @unchecked Sendable {
    public typealias Deliver = (Item, Result) -> Void
    public typealias Process = @Sendable (Scanner, Item) -> Result

    /// Threads scanning, the submitting one included.
    public let threads: Int
    public let batchItems: Int
    public let batchBytes: Int
    public let maxBatchesInFlight: Int

    private let weight: @Sendable (Item) -> Int
    private let process: Process
    private let deliver: Deliver
    private let configuration: Configuration
    /// The submitting thread's scanner.
    private let scanner: Scanner

    private final class Batch: @unchecked Sendable {
        var items: [Item] = []
        var results: [Result] = []
        var bytes = 0
        var done = false
    }

    private struct Configuration: Sendable {
        let ruleSet: RuleSet
        let limits: Matcher.Limits
        let usesPrefilter: Bool
        let maxExcerptScalars: Int

        func makeScanner() -> Scanner {
            let scanner = Scanner(ruleSet: ruleSet, limits: limits)
            scanner.usesPrefilter = usesPrefilter
            scanner.maxExcerptScalars = maxExcerptScalars
            return scanner
        }
    }

    private let condition = NSCondition()
    /// Batches handed over and not yet delivered, oldest first (guarded by `condition`).
    private var inFlight: [Batch] = []
    /// Batches no thread has taken yet, oldest first (guarded by `condition`).
    private var waiting: [Batch] = []
    private var stopping = false
    private var running = 0
    private var current = Batch()

    /// - Parameters:
    ///   - template: the scanner whose rule set and settings every thread's scanner copies
    ///     (the calling thread uses `template` itself).
    ///   - threads: threads that scan, the calling one included (at least 1).
    ///   - batchItems, batchBytes: a batch is handed over when it holds this many items, or
    ///     items of this total `weight`.
    ///   - weight: an item's size in bytes, roughly (called on the submitting thread).
    ///   - process: the work on one item (called on any thread, with that thread's scanner).
    ///   - deliver: called on the submitting thread with each item and its result, in order.
    public init(template: Scanner, threads: Int, batchItems: Int = 256, batchBytes: Int = 256 << 10,
                weight: @escaping @Sendable (Item) -> Int, process: @escaping Process, deliver: @escaping Deliver) {
        self.threads = max(1, threads)
        self.batchItems = max(1, batchItems)
        self.batchBytes = max(1, batchBytes)
        maxBatchesInFlight = 4 * max(1, threads)
        self.weight = weight
        self.process = process
        self.deliver = deliver
        configuration = Configuration(ruleSet: template.ruleSet, limits: template.limits, usesPrefilter: template.usesPrefilter,
                                      maxExcerptScalars: template.maxExcerptScalars)
        scanner = template
        for _ in 1..<self.threads { startWorker() }
    }

    deinit { stopWorkers() }

    /// Adds the next item. May deliver earlier items (never later ones) before it returns.
    public func submit(_ item: Item) {
        current.items.append(item)
        current.bytes += weight(item)
        if current.items.count >= batchItems || current.bytes >= batchBytes { dispatch() }
    }

    /// Delivers everything submitted so far; the scanner can take more items afterwards.
    public func flush() {
        if !current.items.isEmpty { dispatch() }
        drain(keepingAtMost: 0)
    }

    /// Delivers everything and stops the worker threads.
    public func finish() {
        flush()
        stopWorkers()
    }

    private func dispatch() {
        let batch = current
        current = Batch()
        if threads == 1 {
            scan(batch, with: scanner)
            deliverBatch(batch)
            return
        }
        condition.lock()
        inFlight.append(batch)
        waiting.append(batch)
        condition.signal()
        condition.unlock()
        drain(keepingAtMost: maxBatchesInFlight - 1)
    }

    /// Delivers finished batches in order until at most `limit` are in flight, scanning waiting
    /// batches on this thread rather than sitting idle.
    private func drain(keepingAtMost limit: Int) {
        while true {
            condition.lock()
            var ready: [Batch] = []
            while let first = inFlight.first, first.done { ready.append(inFlight.removeFirst()) }
            let remaining = inFlight.count
            var work: Batch?
            if ready.isEmpty && remaining > limit {
                if waiting.isEmpty {
                    condition.wait()
                    condition.unlock()
                    continue
                }
                work = waiting.removeFirst()
            }
            condition.unlock()
            for batch in ready { deliverBatch(batch) }
            if let work {
                scan(work, with: scanner)
                condition.lock()
                work.done = true
                condition.broadcast()
                condition.unlock()
                continue
            }
            if remaining <= limit { return }
        }
    }

    private func deliverBatch(_ batch: Batch) {
        for (k, item) in batch.items.enumerated() { deliver(item, batch.results[k]) }
    }

    private func scan(_ batch: Batch, with scanner: Scanner) {
        batch.results = batch.items.map { process(scanner, $0) }
    }

    private func startWorker() {
        let configuration = configuration
        condition.lock()
        running += 1
        condition.unlock()
        let thread = Thread { [self] in
            let scanner = configuration.makeScanner()
            condition.lock()
            while true {
                if !waiting.isEmpty {
                    let batch = waiting.removeFirst()
                    condition.unlock()
                    scan(batch, with: scanner)
                    condition.lock()
                    batch.done = true
                    condition.broadcast()
                    continue
                }
                if stopping { break }
                condition.wait()
            }
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "scamflow-scan"
        thread.start()
    }

    private func stopWorkers() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}

extension ParallelScanner where Result == ScannedRecord? {
    /// Scans the records among `Item`s (`recordOf` picks them out), as `MessageScan` would.
    public convenience init(template: Scanner, threads: Int, recordOf: @escaping @Sendable (Item) -> Record?,
                            deliver: @escaping Deliver) {
        self.init(template: template, threads: threads,
                  weight: { recordOf($0)?.text?.utf8.count ?? 0 },
                  process: { scanner, item in recordOf(item).map { scanner.scan($0) } },
                  deliver: deliver)
    }
}
