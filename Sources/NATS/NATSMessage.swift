import CNATS

/// A message received from NATS. It owns its C message and destroys it when dropped.
///
/// A message delivered by a JetStream consumer also carries `metadata` (its sequence in the
/// stream, how often it was delivered, how many are left) and is acknowledged with `ack()`.
public final class NATSMessage: @unchecked Sendable {
    let handle: OpaquePointer

    init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        natsMsg_Destroy(handle)
    }

    public var subject: String { String(cString: natsMsg_GetSubject(handle)) }

    /// The payload's bytes.
    public var bytes: [UInt8] {
        let count = Int(natsMsg_GetDataLength(handle))
        guard count > 0, let data = natsMsg_GetData(handle) else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// The value of a header, or nil.
    public func header(_ key: String) -> String? {
        var value: UnsafePointer<CChar>?
        guard natsMsgHeader_Get(handle, key, &value) == NATS_OK, let value else { return nil }
        return String(cString: value)
    }

    /// Where a JetStream delivery stands.
    public struct Metadata: Sendable, Equatable {
        /// The message's sequence in its stream: stable, the same at every redelivery.
        public var streamSequence: UInt64
        /// The delivery's sequence in its consumer: one more at every delivery, redeliveries too.
        public var consumerSequence: UInt64
        /// 1 at the first delivery.
        public var deliveries: UInt64
        /// Messages of the consumer still to deliver after this one (its lag).
        public var pending: UInt64
        /// When the stream stored it, nanoseconds since the epoch.
        public var timestamp: Int64
        public var stream: String
    }

    /// The JetStream metadata, or nil for a core NATS message.
    public var metadata: Metadata? {
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        guard natsMsg_GetMetaData(&meta, handle) == NATS_OK, let meta else { return nil }
        defer { jsMsgMetaData_Destroy(meta) }
        let m = meta.pointee
        return Metadata(streamSequence: m.Sequence.Stream, consumerSequence: m.Sequence.Consumer, deliveries: m.NumDelivered,
                        pending: m.NumPending, timestamp: m.Timestamp, stream: m.Stream.map { String(cString: $0) } ?? "")
    }

    /// Acknowledges a JetStream delivery, without waiting for the server to confirm: a lost
    /// acknowledgement only means a redelivery, which the consumer recognises by sequence.
    public func ack() throws {
        try NATSError.check("acknowledge message on \(subject)") { natsMsg_Ack(handle, nil) }
    }

    /// Acknowledges and waits for the server to confirm.
    public func ackSync() throws {
        try NATSError.checkJS("acknowledge message on \(subject)") { natsMsg_AckSync(handle, nil, $0) }
    }
}
