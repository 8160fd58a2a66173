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
    var flows: FlowSnapshot
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
    private let writer: String
    private(set) var revision: UInt64 = 0
    /// Bytes of the last checkpoint written, for metrics.
    private(set) var lastSize = 0

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
            return try JSONDecoder().decode(NATSCheckpoint.self, from: Data(entry.value))
        } catch {
            throw StateError("the checkpoint in key \(key) of bucket \(bucket.name) is not one scamflow wrote (\(StateError.where(error))); "
                             + "delete the key (or the bucket) to start this partition afresh")
        }
    }

    /// Writes `checkpoint` over the revision last seen. Retries what a node restart or an
    /// election makes fail; a write whose first try did land (its answer lost) is recognised
    /// by its writer and sequence.
    func save(_ checkpoint: NATSCheckpoint) throws {
        var checkpoint = checkpoint
        checkpoint.writer = writer
        var bytes: [UInt8] = []
        try StreamingJSONEncoder(sink: { bytes += $0 }).encode(checkpoint)
        lastSize = bytes.count
        let limit = bucket.jetStream.connection.maxPayload
        if limit > 0, bytes.count > limit {
            throw StateError("the checkpoint is \(bytes.count) bytes, more than the server's max_payload (\(limit)); raise max_payload "
                             + "in nats-server's configuration (up to 64 MB) or spread the subjects over more partitions")
        }
        let what = "write checkpoint \(key) of bucket \(bucket.name)"
        let expected = revision
        do {
            revision = try NATSRetry.run(what) { try bucket.update(key, bytes, expecting: expected) }
        } catch let error as NATSError where error.kind == .wrongRevision {
            // Ours after all (a retry of a write that had landed), or another writer's.
            if let entry = try NATSRetry.run(what, { try bucket.get(key) }),
               let stored = try? JSONDecoder().decode(NATSCheckpoint.self, from: Data(entry.value)),
               stored.writer == writer, stored.sequence == checkpoint.sequence {
                revision = entry.revision
                return
            }
            throw StateError("another consumer wrote checkpoint \(key) of bucket \(bucket.name) since this one read it: "
                             + "it has taken this partition over; stopping (run one consumer per partition and durable)")
        }
    }
}

/// Retrying what a cluster answers with transient errors while a node restarts or a leader is
/// elected: the client reconnects by itself, the call is made again.
enum NATSRetry {
    /// How long a call keeps being retried before its error is final.
    nonisolated(unsafe) static var patience: Double = 120

    /// Runs `body` until it succeeds, fails for good, or `seconds` (default `patience`) pass.
    static func run<T>(_ what: String, for seconds: Double? = nil, _ body: () throws -> T) throws -> T {
        let seconds = seconds ?? patience
        let deadline = Date().addingTimeInterval(seconds)
        var said = false
        while true {
            do {
                let value = try body()
                if said { Console.shared.err("scamflow: \(what): succeeded again\n") }
                return value
            } catch let error as NATSError where error.isTransient && Date() < deadline {
                if !said { Console.shared.err("scamflow: \(error); retrying for up to \(Int(seconds)) s\n") }
                said = true
                usleep(250_000)
            }
        }
    }
}
