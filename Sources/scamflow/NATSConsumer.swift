import Foundation
import NATS
import ScamEngine
import ScamIO
import ScamPacks

/// `scamflow stream --nats`: a durable pull consumer on a JetStream stream, one partition of
/// its subjects, alerts published to JetStream, flow state checkpointed in a key-value bucket.
///
/// Exactly-once in the alerts stream, by this order for every batch of messages:
/// 1. each message is processed in stream order (skipped when its sequence is at or below the
///    last one processed: a redelivery);
/// 2. each alert is published with `Nats-Msg-Id` = `alert_id`; the stream's acknowledgements
///    of all of them are awaited (an alert not acknowledged is published again, with the
///    same id, until it is: never dropped);
/// 3. the checkpoint (flow state + last sequence) is written to the bucket;
/// 4. only then are the messages acknowledged.
///
/// A kill at any point leaves a checkpoint at or before the last acknowledged message. At
/// start the consumer is made anew at the checkpoint's sequence + 1 (JetStream would
/// otherwise deliver the unacknowledged messages again only after their ack wait, behind
/// newer ones, and flows need stream order), the messages after it run again from its state,
/// and the alerts they raise again carry the same ids (the engine is deterministic), which the
/// alerts stream drops as duplicates within its duplicate window. The same holds when another
/// process takes the partition over: it reads the same checkpoint.
///
/// A gap in the consumer's delivery sequence (a batch lost with a node) is met the same way:
/// checkpoint, make the consumer anew after the last sequence processed.
final class NATSConsumer: StreamRun, @unchecked Sendable {
    struct Settings {
        var options: NATSOptions
        var partition: StreamPartition?
        var flowsOnly: Bool
        var quiet: Bool
        var checkpointEvery: Double
    }

    private let lock = NSLock()
    private let settings: Settings
    private let names: NATSNames
    private let processor: StreamProcessor
    private let encoder: AlertEncoder
    private let step: StreamRecordStep
    private let reloadPacks: @Sendable () -> PackLoading.Loaded
    private let console = Console.shared
    let health: NATSHealth

    private let connection: NATSConnection
    private let js: JetStream
    private let checkpoints: NATSCheckpointStore
    /// Bound in `start()`, once the checkpoint says where to begin.
    private var subscription: PullSubscription!
    private let reloads: NATSSubscription

    /// The last stream sequence processed, and the one the stored checkpoint covers.
    private var lastSequence: UInt64 = 0
    private var checkpointed: UInt64 = 0
    private var lastConsumerSequence: UInt64 = 0
    /// Delivered, processed, waiting for the checkpoint that covers them to be acknowledged.
    private var unacked: [NATSMessage] = []
    private var lastCheckpointAt = Date()
    /// Alerts published since the last checkpoint, their acknowledgements not yet confirmed.
    private var inFlight: [PendingAlert] = []
    private var misroutedSaid = false
    private var lag = NATSLag()

    init(settings: Settings, processor: StreamProcessor, encoder: AlertEncoder,
         reloadPacks: @escaping @Sendable () -> PackLoading.Loaded) throws {
        self.settings = settings
        let options = settings.options
        let names = NATSNames(stream: options.stream!, durable: options.durable!, prefix: options.subjectPrefix, partition: settings.partition)
        self.names = names
        self.processor = processor
        self.encoder = encoder
        self.reloadPacks = reloadPacks
        // The transport partitions: every record that arrives is processed (one published on
        // the wrong partition is counted and said, not dropped).
        step = StreamRecordStep(processor: processor, partition: nil, flowsOnly: settings.flowsOnly)
        health = NATSHealth(stream: names.stream, consumer: names.consumer, metricsPath: options.metrics)

        let servers = NATSNames.masked(options.servers.joined(separator: ","))
        do {
            connection = try NATSConnection(urls: options.servers, name: "scamflow \(names.consumer)")
        } catch let error as NATSError {
            throw StateError("cannot connect to \(servers): \(NATSNames.masked(error.message)); is nats-server running there with JetStream (-js)?")
        }
        let js = try connection.jetStream()
        self.js = js
        let stream: JetStream.StreamState
        do {
            stream = try NATSRetry.run("look up stream \(names.stream)", noResponders: false) { try js.streamInfo(names.stream) }
        } catch let error as NATSError where error.kind == .notFound {
            throw StateError("no stream \(names.stream) on \(servers); create it first: "
                             + "scamflow nats init --nats \(servers) --stream \(names.stream) (stores \(names.prefix).>)")
        } catch let error as NATSError where error.kind == .noResponders {
            throw StateError("JetStream does not answer on \(servers): start nats-server with -js (JetStream enabled)")
        }
        let probe = "\(options.alertsSubject).high"
        if try NATSRetry.run("list streams storing \(probe)", { try js.streamNames(storing: probe) }).isEmpty {
            throw StateError("no stream stores the alerts (\(options.alertsSubject).SEVERITY) on \(servers); create one first: "
                             + "scamflow nats init --nats \(servers) --alerts-stream ALERTS --alerts-subject \(options.alertsSubject)")
        }
        let bucket = try NATSRetry.run("open bucket \(names.bucket)") { try js.keyValue(.init(name: names.bucket, replicas: stream.replicas)) }
        checkpoints = NATSCheckpointStore(bucket: bucket, key: names.key)
        reloads = try connection.subscribe(options.reloadSubject)
    }

    /// Restores the checkpoint (if any) and makes the consumer start right after it.
    func start() throws {
        if let checkpoint = try checkpoints.load() {
            guard checkpoint.stream == names.stream, checkpoint.partition == settings.partition?.description else {
                throw StateError("the checkpoint in key \(names.key) of bucket \(names.bucket) is of stream \(checkpoint.stream)"
                                 + (checkpoint.partition.map { " partition \($0)" } ?? "") + "; delete it or use another --durable")
            }
            guard let flows = checkpoint.flows else {
                throw StateError("the checkpoint in key \(names.key) of bucket \(names.bucket) holds no flow state; delete it to start afresh")
            }
            let said = try FlowStateRestore.restore(flows, writtenWith: checkpoint.packs, into: processor,
                                                    from: "bucket \(names.bucket) key \(names.key) (stream sequence \(checkpoint.sequence)"
                                                        + (checkpoints.parts > 0 ? ", flow state in \(checkpoints.parts) parts)" : ")"),
                                                    called: "the checkpoint", remedy: "delete key \(names.key) of bucket \(names.bucket) to start afresh")
            for line in said { console.err("scamflow: \(line)\n") }
            lastSequence = checkpoint.sequence
            checkpointed = checkpoint.sequence
        }
        subscription = try NATSConsumer.bind(js: js, names: names, after: lastSequence)
        lookUpLag()
        if !settings.quiet {
            console.err("scamflow: consuming \(names.stream)" + (names.filterSubject.map { " \($0)" } ?? "") + " as \(names.consumer) from sequence \(lastSequence + 1); "
                        + "alerts to \(settings.options.alertsSubject).SEVERITY\n")
        }
    }

    /// The durable consumer, made anew to deliver from `after + 1`. Its acknowledgement floor
    /// starts there too: everything before is in the checkpoint.
    private static func bind(js: JetStream, names: NATSNames, after: UInt64) throws -> PullSubscription {
        try NATSRetry.run("reset consumer \(names.consumer)") {
            try js.deleteConsumer(stream: names.stream, durable: names.consumer)
            try js.addConsumer(stream: names.stream, .init(durable: names.consumer, filterSubject: names.filterSubject, startSequence: after + 1))
        }
        return try NATSRetry.run("bind to consumer \(names.consumer)") {
            try js.pullSubscribe(stream: names.stream, durable: names.consumer, filterSubject: names.filterSubject)
        }
    }

    /// The reading loop; returns when caught up with `--exit-when-caught-up`.
    func run() throws {
        let options = settings.options
        var nextHealth = Date().addingTimeInterval(options.healthEvery)
        while true {
            let messages: [NATSMessage]
            do {
                messages = try subscription.fetch(batch: options.batch, timeout: 1)
            } catch let error as NATSError where error.isTransient {
                console.err("scamflow: \(error); retrying\n")
                usleep(250_000)
                continue
            } catch let error as NATSError where error.description.localizedCaseInsensitiveContains("consumer deleted") {
                // Every start makes its consumer anew: another process started as this one.
                throw StateError("consumer \(names.consumer) was deleted on the server: another consumer took "
                                 + (settings.partition.map { "partition \($0)" } ?? "the stream")
                                 + " (started with the same --durable\(settings.partition == nil ? "" : " and --partition")); this one stops. "
                                 + "The messages since checkpoint \(checkpointed) are processed by it (their alerts are deduplicated)")
            }
            lock.lock()
            let caughtUp: Bool
            do {
                caughtUp = try handle(messages)
            } catch {
                lock.unlock()
                throw error
            }
            lock.unlock()
            if let announcement = try? reloads.next(timeout: 0.001) {
                console.err("scamflow: pack reload announced on \(announcement.subject)\n")
                reload()
            }
            if options.healthEvery > 0, Date() >= nextHealth {
                nextHealth = Date().addingTimeInterval(options.healthEvery)
                // The server's count, asked again only every few seconds (`NATSLag`).
                if lag.due() { lookUpLag() }
                lock.lock()
                health.lag = lag.value
                health.tick(checkpointed: checkpointed, subjects: processor.engine.trackedSubjects, console: console)
                lock.unlock()
            }
            if caughtUp && options.exitWhenCaughtUp { return }
        }
    }

    /// Processes a batch, then checkpoints and acknowledges when due. Returns true when the
    /// consumer had nothing more to deliver. Called with `lock` held.
    private func handle(_ messages: [NATSMessage]) throws -> Bool {
        // An empty fetch is not proof of an empty stream (a node down, a leader being elected,
        // a loaded machine): the consumer's own count of messages not yet delivered decides,
        // and unknown (the lookup failed) is not caught up.
        // (A delivery's own `pending` is not trusted: it reads 0 after a reconnect.)
        let pending: UInt64? = messages.isEmpty ? lookUpLag() : nil
        for message in messages {
            guard let meta = message.metadata else { continue }
            if meta.deliveries == 1 { lag.delivered(1) }
            if meta.streamSequence <= lastSequence {
                // Delivered again (an ack lost or late): already in the state.
                health.redeliveries += 1
                lastConsumerSequence = meta.consumerSequence
                unacked.append(message)
                continue
            }
            if lastConsumerSequence != 0 && meta.consumerSequence != lastConsumerSequence + 1 || meta.deliveries > 1 {
                // Deliveries were lost on the way (a node went down with them): the rest of
                // this batch is out of order. Start again right after the last one processed.
                console.err("scamflow: deliveries of \(names.consumer) were lost (consumer sequence \(lastConsumerSequence) then \(meta.consumerSequence)); "
                            + "resuming from stream sequence \(lastSequence + 1)\n")
                try reposition()
                return false
            }
            lastConsumerSequence = meta.consumerSequence
            try process(message, sequence: meta.streamSequence)
        }
        let idle = messages.count < settings.options.batch
        if !unacked.isEmpty && (idle || unacked.count >= 10_000 || inFlight.count >= 2_000 || Date().timeIntervalSince(lastCheckpointAt) >= settings.checkpointEvery) {
            try commit()
        }
        return messages.isEmpty && pending == 0 && unacked.isEmpty
    }

    /// Asks the server how many messages the consumer has not yet delivered; nil when it
    /// does not answer (the lag estimate goes on from its last answer).
    @discardableResult
    private func lookUpLag() -> UInt64? {
        let pending = (try? js.consumerInfo(stream: names.stream, durable: names.consumer))?.pending
        lag.asked(pending)
        return pending
    }

    private func process(_ message: NATSMessage, sequence: UInt64) throws {
        let source = SourcePosition(file: names.stream, line: Int(sequence))
        switch step.run(message.bytes, source: source) {
        case .bad(let text):
            health.badMessages += 1
            console.err("scamflow: \(text)\n")
        case .otherPartition:
            break
        case .processed(let alerts, let late, let warning, let subject):
            if let warning { console.err("scamflow: \(warning)\n") }
            health.late += late
            if let partition = settings.partition, !partition.owns(subject) {
                health.misrouted += 1
                if !misroutedSaid {
                    misroutedSaid = true
                    console.err("scamflow: \(source): subject \(subject ?? "(none)") belongs to partition \(StreamPartition.shard(of: subject, count: partition.count)) "
                                + "of \(partition.count), not \(partition.index): the producer must publish on \(NATSNames.publishSubject(prefix: names.prefix, subject: subject, count: partition.count)) "
                                + "(processed here anyway; counted as misrouted)\n")
                }
            }
            for alert in alerts { try publish(alert) }
        }
        health.records += 1
        step.sweep()
        lastSequence = sequence
        unacked.append(message)
    }

    /// Publishes without waiting (the acknowledgements are awaited before the checkpoint, in
    /// `confirmAlerts`): one round trip per batch, not per alert.
    private func publish(_ alert: Alert) throws {
        var bytes = encoder.encodeBytes(alert)
        if settings.options.tee { console.out(bytes: bytes) }
        if bytes.last == 0x0A { bytes.removeLast() }
        let publication = JetStream.Publication(subject: "\(settings.options.alertsSubject).\(alert.severity.rawValue)", bytes: bytes,
                                                id: alert.alertID, headers: [(NATSConsumer.writerHeader, checkpoints.writer)])
        // A refusal here (too many in flight, a reconnect) is met in `confirmAlerts`, which
        // sends again whatever the stream has not acknowledged.
        _ = try? js.publishAsync(publication.subject, bytes, messageID: publication.id, headers: publication.headers)
        inFlight.append(PendingAlert(publication: publication, severity: alert.severity.rawValue))
    }

    /// The header naming the process that published an alert (`NATSCheckpointStore.writer`):
    /// tells a duplicate of its own publish (sent again after no answer came) from a replay.
    static let writerHeader = "Scamflow-Writer"

    private struct PendingAlert {
        var publication: JetStream.Publication
        var severity: String
    }

    /// Waits until the alerts stream has stored every alert published since the last call.
    /// Those whose publish failed or went unanswered (a server restarted mid-flight, or an
    /// answer slower than the publish timeout on a loaded cluster) are published again with
    /// the same `Nats-Msg-Id`, round after round, for up to `NATSRetry.patience` seconds;
    /// then this throws and nothing is checkpointed or acknowledged. The count follows the
    /// stream's answers: a duplicate is an alert the stream held from an earlier process (a
    /// replay), not one this process stored with a publish whose answer it missed.
    private func confirmAlerts() throws {
        guard !inFlight.isEmpty else { return }
        let count = inFlight.count
        let duplicates = try js.confirm(inFlight.map(\.publication), writer: (NATSConsumer.writerHeader, checkpoints.writer),
                                        until: Date().addingTimeInterval(NATSRetry.patience)) { left, failure in
            console.err("scamflow: \(left) of \(count) alert publishes failed or went unanswered (\(failure)); publishing them again\n")
        }
        for (alert, duplicate) in zip(inFlight, duplicates) { health.alerted(severity: alert.severity, duplicate: duplicate) }
        inFlight.removeAll(keepingCapacity: true)
    }

    /// Writes the checkpoint covering every message processed, then acknowledges them.
    private func commit() throws {
        if settings.options.tee { console.flush() }
        try confirmAlerts()
        if lastSequence > checkpointed {
            let checkpoint = NATSCheckpoint(stream: names.stream, consumer: names.consumer, sequence: lastSequence,
                                            partition: settings.partition?.description,
                                            packs: processor.ruleSet.packs.map(\.manifest.label).sorted(),
                                            flows: processor.engine.snapshot(), writer: "")
            try checkpoints.save(checkpoint)
            checkpointed = lastSequence
            health.checkpoints += 1
            health.checkpointBytes = checkpoints.lastSize
        }
        for message in unacked { try? message.ack() }
        unacked.removeAll(keepingCapacity: true)
        lastCheckpointAt = Date()
    }

    private func reposition() throws {
        try commit()
        health.repositions += 1
        subscription = try NATSConsumer.bind(js: js, names: names, after: lastSequence)
        lastConsumerSequence = 0
        lookUpLag()
    }

    func reload() {
        let loaded = reloadPacks()
        lock.lock()
        defer { lock.unlock() }
        guard let ruleSet = PackLoading.swap(loaded, into: processor) else { return }
        health.reloads += 1
        PackLoading.sayReloaded(ruleSet, processor: processor)
    }

    /// Finishes what is in hand: checkpoint, acknowledge, metrics, summary; exit 0.
    func stop() -> Never {
        lock.lock()
        do {
            try commit()
        } catch {
            console.err("scamflow: final checkpoint failed: \(error); the messages since the last one will be processed again (their alerts are deduplicated)\n")
        }
        console.flush()
        health.tick(checkpointed: checkpointed, subjects: processor.engine.trackedSubjects, console: nil)
        if !settings.quiet {
            console.err("scamflow: stream --nats \(names.stream) as \(names.consumer): " + health.summary(checkpointed: checkpointed) + "\n")
        }
        exit(0)
    }
}
