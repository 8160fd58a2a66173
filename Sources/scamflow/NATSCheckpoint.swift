import Foundation
import NATS
import ScamEngine
import ScamIO

/// What a NATS consumer keeps in its key-value checkpoint: the flow state after the last
/// stream sequence it covers. Never message text (`FlowSnapshot` holds progress and hashes).
struct NATSCheckpoint: Codable {
    var version = 1
    /// The events stream and the consumer it was read with.
    var stream: String
    var consumer: String
    /// Every message of the consumer's subjects up to this stream sequence is in `flows`.
    var sequence: UInt64
    var partition: String?
    /// The packs in force when it was written (`name@version`, sorted).
    var packs: [String]
    /// The flow state, when it fits in the key's value with the rest; else nil and in
    /// `chunks` values of keys `KEY.chunk.SEQUENCE.I` (written before this one).
    var flows: FlowSnapshot?
    var chunks: Int? = nil
    /// The process that wrote it (host, pid, start), to recognise its own write after a
    /// retry whose first try did reach the server.
    var writer: String
}

/// The checkpoint of one durable consumer and partition in its bucket, written only over the
/// revision this process last saw (`KeyValueBucket.update`): another consumer that took the
/// partition and wrote since makes the next write fail, and this process stops instead of
/// moving the partition back in time.
final class NATSCheckpointStore {
    let bucket: KeyValueBucket
    let key: String
    /// This process (host, pid, start): written in its checkpoints, and in its alerts' header
    /// `Scamflow-Writer` (`NATSConsumer.writerHeader`).
    let writer: String
    private(set) var revision: UInt64 = 0
    /// Bytes of the last checkpoint written (about, when in parts), for metrics.
    private(set) var lastSize = 0
    /// The parts of the last checkpoint read or written, when it was written in parts.
    private var lastChunks: (sequence: UInt64, count: Int)?

    /// How many parts the flow state of the last checkpoint read or written is in (0: inline).
    var parts: Int { lastChunks?.count ?? 0 }

    init(bucket: KeyValueBucket, key: String) {
        self.bucket = bucket
        self.key = key
        writer = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(Int(Date().timeIntervalSince1970 * 1000))"
    }

    /// The stored checkpoint, remembering its revision as the one to write over.
    func load() throws -> NATSCheckpoint? {
        guard let entry = try NATSRetry.run("read checkpoint \(key) of bucket \(bucket.name)", { try bucket.get(key) }) else { return nil }
        revision = entry.revision
        do {
            var checkpoint = try JSONDecoder().decode(NATSCheckpoint.self, from: Data(entry.value))
            if checkpoint.flows == nil, let chunks = checkpoint.chunks {
                var bytes: [UInt8] = []
                for i in 0..<chunks {
                    let name = chunkKey(checkpoint.sequence, i)
                    guard let part = try NATSRetry.run("read \(name) of bucket \(bucket.name)", { try bucket.get(name) }) else {
                        throw StateError("the checkpoint in key \(key) of bucket \(bucket.name) lacks its part \(name); "
                                         + "delete the key (or the bucket) to start this partition afresh")
                    }
                    bytes += part.value
                }
                checkpoint.flows = try JSONDecoder().decode(FlowSnapshot.self, from: Data(bytes))
                lastChunks = (checkpoint.sequence, chunks)
            }
            return checkpoint
        } catch let error as DecodingError {
            throw StateError("the checkpoint in key \(key) of bucket \(bucket.name) is not one scamflow wrote (\(StateError.where(error))); "
                             + "delete the key (or the bucket) to start this partition afresh")
        }
    }

    /// Writes `checkpoint` over the revision last seen. Retries what a node restart or an
    /// election makes fail; a write whose first try did land (its answer lost) is recognised
    /// by its writer and sequence.
    ///
    /// A flow state larger than the server's `max_payload` (1 MB by default; a few thousand
    /// subjects with attempts in progress) goes in parts under keys of their own, written
    /// first; the checkpoint key, written last, names them, so a reader never sees a mix of
    /// two checkpoints' parts. The previous checkpoint's parts are purged after.
    func save(_ checkpoint: NATSCheckpoint) throws {
        var checkpoint = checkpoint
        checkpoint.writer = writer
        let limit = max(bucket.jetStream.connection.maxPayload - 16_384, 4_096)
        var bytes = try NATSCheckpointStore.encode(checkpoint)
        var parts: (sequence: UInt64, count: Int)?
        if bytes.count > limit, let flows = checkpoint.flows {
            var flowBytes: [UInt8] = []
            try StreamingJSONEncoder(sink: { flowBytes += $0 }).encode(flows)
            let count = (flowBytes.count + limit - 1) / limit
            for i in 0..<count {
                let name = chunkKey(checkpoint.sequence, i)
                let part = Array(flowBytes[(i * limit)..<min(flowBytes.count, (i + 1) * limit)])
                try NATSRetry.run("write \(name) of bucket \(bucket.name)") { try bucket.put(name, part) }
            }
            checkpoint.flows = nil
            checkpoint.chunks = count
            bytes = try NATSCheckpointStore.encode(checkpoint)
            parts = (checkpoint.sequence, count)
        }
        lastSize = bytes.count
        let what = "write checkpoint \(key) of bucket \(bucket.name)"
        let expected = revision
        do {
            revision = try NATSRetry.run(what) { try bucket.update(key, bytes, expecting: expected) }
        } catch let error as NATSError where error.kind == .wrongRevision {
            // Ours after all (a retry of a write that had landed), or another writer's.
            guard let entry = try NATSRetry.run(what, { try bucket.get(key) }),
                  let stored = try? JSONDecoder().decode(NATSCheckpoint.self, from: Data(entry.value)),
                  stored.writer == writer, stored.sequence == checkpoint.sequence else {
                throw StateError("another consumer wrote checkpoint \(key) of bucket \(bucket.name) since this one read it: "
                                 + "it has taken this partition over; stopping (run one consumer per partition and durable)")
            }
            revision = entry.revision
        }
        // The previous parts are no longer named by the checkpoint (best effort: a leftover
        // only takes space until the next one of its sequence is written over it).
        if let old = lastChunks, old.sequence != parts?.sequence {
            for i in 0..<old.count { try? bucket.purge(chunkKey(old.sequence, i)) }
        }
        lastChunks = parts
        if let parts { lastSize += parts.count * limit }
    }

    private func chunkKey(_ sequence: UInt64, _ index: Int) -> String { "\(key).chunk.\(sequence).\(index)" }

    private static func encode(_ checkpoint: NATSCheckpoint) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try StreamingJSONEncoder(sink: { bytes += $0 }).encode(checkpoint)
        return bytes
    }
}

/// Retrying what a cluster answers with transient errors while a node restarts or a leader is
/// elected: the client reconnects by itself, the call is made again.
enum NATSRetry {
    /// How long a call keeps being retried before its error is final.
    static let patience: Double = 120

    /// Runs `body` until it succeeds, fails for good, or `seconds` (default `patience`) pass.
    /// `noResponders: false` makes "no responders" final (at start-up it means JetStream is not
    /// enabled, not that a node is away).
    static func run<T>(_ what: String, for seconds: Double? = nil, noResponders: Bool = true, _ body: () throws -> T) throws -> T {
        let seconds = seconds ?? patience
        let deadline = Date().addingTimeInterval(seconds)
        var said = false
        while true {
            do {
                let value = try body()
                if said { Console.shared.err("scamflow: \(what): succeeded again\n") }
                return value
            } catch let error as NATSError where error.isTransient && (noResponders || error.kind != .noResponders) && Date() < deadline {
                if !said { Console.shared.err("scamflow: \(error); retrying for up to \(Int(seconds)) s\n") }
                said = true
                usleep(250_000)
            }
        }
    }
}
