import NATS
import ScamEngine

/// The names scamflow uses on NATS, in one place, so producers, consumers and the docs agree.
///
/// A record of subject S is published on `PREFIX.K.TOKEN`, where K is the partition of S out
/// of N (`StreamPartition.shard`: FNV-1a 64 of the subject's UTF-8, modulo N, the same hash
/// as `--partition K/N` on stdin) and TOKEN is S when S is a valid NATS token of at most 64
/// characters (letters, digits, `-`, `_`), else `h` and the 16 hex digits of the same hash
/// (the token is for people and server-side filters; the consumer reads the subject from the
/// record). A record without a subject goes to the partition of the empty string, token `_`.
/// The consumer of partition K filters on `PREFIX.K.>`.
struct NATSNames {
    let stream: String
    let durable: String
    let prefix: String
    let partition: StreamPartition?

    /// The durable consumer: the name given, with `-KofN` for a partition.
    var consumer: String { partition.map { "\(durable)-\($0.index)of\($0.count)" } ?? durable }

    /// Only this partition's subjects; nil: the whole stream.
    var filterSubject: String? { partition.map { "\(prefix).\($0.index).>" } }

    /// The key-value bucket holding the checkpoints of every partition of this durable.
    var bucket: String { "scamflow_\(durable)" }

    /// This partition's checkpoint key in `bucket`.
    var key: String { partition.map { "partition.\($0.index).\($0.count)" } ?? "all" }

    /// The subject a producer publishes a record of `subject` on, for `count` partitions.
    static func publishSubject(prefix: String, subject: String?, count: Int) -> String {
        let k = StreamPartition.shard(of: subject, count: count)
        return "\(prefix).\(k).\(token(subject))"
    }

    static func token(_ subject: String?) -> String {
        guard let subject, !subject.isEmpty else { return "_" }
        if subject.utf8.count <= 64, subject.utf8.allSatisfy({ isTokenByte($0) }) { return subject }
        var hash = StableHash()
        hash.add(subject)
        return "h" + hash.hex
    }

    /// Letters, digits, `-` and `_`: safe in a subject token and a bucket or consumer name.
    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
    }

    static func isName(_ text: String) -> Bool { !text.isEmpty && text.utf8.allSatisfy(isTokenByte) }

    /// A subject of dot-separated tokens without wildcards.
    static func isSubject(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && !$0.contains("*") && !$0.contains(">") && !$0.contains(" ")
        }
    }
}

extension NATSNames {
    /// Server URLs as said in messages: a password or token in them (`nats://user:pass@host`,
    /// `nats://token@host`) replaced by `***`, the user name kept.
    static func masked(_ urls: String) -> String { NATSConnection.masked(urls) }
}
