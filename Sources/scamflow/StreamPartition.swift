import ScamEngine

/// `--partition K/N`: this process keeps the records whose subject hashes to K of N and leaves
/// the rest to its N-1 siblings.
///
/// Flows are per subject, so N processes that each own a disjoint share of the subjects raise,
/// together, exactly the alerts of one process reading everything (`StreamPartitionTests`
/// checks it). This is the fan-out form of scaling out: every process reads the whole input
/// (`tee`, a broadcast topic) and drops what it does not own. When the transport partitions by
/// subject already (Kafka keyed by device id), run plain `scamflow stream` per partition instead.
///
/// Invariant: `owns` depends only on the subject and on (index, count), never on the process
/// or the run (FNV-1a of the subject's UTF-8, modulo count), so a restart with `--state`
/// keeps the same share. A record without a subject hashes as the empty string.
struct StreamPartition: CustomStringConvertible, Sendable {
    let index: Int
    let count: Int

    /// Parses "K/N" with 0 <= K < N.
    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n > 0, k >= 0, k < n else { return nil }
        index = k
        count = n
    }

    static func shard(of subject: String?, count: Int) -> Int {
        var hash = StableHash()
        hash.add(subject ?? "")
        return Int(hash.value % UInt64(count))
    }

    func owns(_ subject: String?) -> Bool { StreamPartition.shard(of: subject, count: count) == index }

    var description: String { "\(index)/\(count)" }
}
