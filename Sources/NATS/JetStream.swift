import CNATS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The JetStream API of one connection: streams, consumers, publishing with acknowledgement,
/// pull subscriptions and key-value buckets. It owns its C context.
public final class JetStream: @unchecked Sendable {
    let handle: OpaquePointer
    public let connection: NATSConnection
    /// Milliseconds each request may take.
    let waitMillis: Int64
    /// Outcomes of asynchronous publishes, filled by the C client's callback.
    private let asyncOutcomes = AsyncOutcomes()

    init(connection: NATSConnection, wait: Double) throws {
        self.connection = connection
        waitMillis = Int64(wait * 1000)
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Wait = waitMillis
        options.PublishAsync.MaxPending = 4096
        // One callback per asynchronous publish, success or failure, with the message: its
        // `Nats-Msg-Id` says which alert the stream stored (or already held) and which failed.
        options.PublishAsync.AckHandler = { _, msg, ack, failure, closure in
            defer { natsMsg_Destroy(msg) }
            guard let closure else { return }
            let outcomes = Unmanaged<AsyncOutcomes>.fromOpaque(closure).takeUnretainedValue()
            var value: UnsafePointer<CChar>?
            let id = msg.flatMap { natsMsgHeader_Get($0, "Nats-Msg-Id", &value) == NATS_OK ? value.map { String(cString: $0) } : nil }
            if let ack {
                let a = ack.pointee
                outcomes.stored(id: id, PublishAck(stream: a.Stream.map { String(cString: $0) } ?? "", sequence: a.Sequence, duplicate: a.Duplicate))
            } else {
                let text = failure.map { f in f.pointee.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(f.pointee.Err)) } ?? "no acknowledgement"
                outcomes.failed(id: id, text)
            }
        }
        // Unretained: the box lives as long as this object, which destroys the context first.
        options.PublishAsync.AckHandlerClosure = Unmanaged.passUnretained(asyncOutcomes).toOpaque()
        var js: OpaquePointer?
        try NATSError.check("open JetStream") { natsConnection_JetStream(&js, connection.handle, &options) }
        handle = js!
    }

    deinit {
        jsCtx_Destroy(handle)
    }

    // MARK: Streams

    /// What a stream keeps; the subset of JetStream's configuration scamflow sets.
    public struct StreamConfig: Sendable {
        public var name: String
        public var subjects: [String]
        /// Copies kept in a cluster (1, 3 or 5).
        public var replicas: Int = 1
        /// How long a message id is remembered for deduplication, seconds (server default 120).
        public var duplicateWindow: Double = 120
        /// Oldest message kept, seconds (0: no limit).
        public var maxAge: Double = 0
        public var memory = false

        public init(name: String, subjects: [String], replicas: Int = 1, duplicateWindow: Double = 120, maxAge: Double = 0, memory: Bool = false) {
            self.name = name
            self.subjects = subjects
            self.replicas = replicas
            self.duplicateWindow = duplicateWindow
            self.maxAge = maxAge
            self.memory = memory
        }
    }

    /// What `streamInfo` reports.
    public struct StreamState: Sendable {
        public var messages: UInt64
        public var firstSequence: UInt64
        public var lastSequence: UInt64
        public var replicas: Int
        public var duplicateWindow: Double
        public var subjects: [String]
    }

    /// Creates the stream, or succeeds when one of the same name and configuration exists.
    public func addStream(_ config: StreamConfig) throws {
        let strings = CStrings()
        var cfg = jsStreamConfig()
        jsStreamConfig_Init(&cfg)
        cfg.Name = strings.add(config.name)
        let subjects = config.subjects.map { strings.add($0) as UnsafePointer<CChar>? }
        cfg.Replicas = Int64(config.replicas)
        cfg.Duplicates = Int64(config.duplicateWindow * 1e9)
        cfg.MaxAge = Int64(config.maxAge * 1e9)
        cfg.Storage = config.memory ? js_MemoryStorage : js_FileStorage
        var info: UnsafeMutablePointer<jsStreamInfo>?
        try subjects.withUnsafeBufferPointer { list in
            cfg.Subjects = UnsafeMutablePointer(mutating: list.baseAddress)
            cfg.SubjectsLen = Int32(list.count)
            try NATSError.checkJS("create stream \(config.name)") { js_AddStream(&info, handle, &cfg, nil, $0) }
        }
        jsStreamInfo_Destroy(info)
    }

    /// The stream's state; throws `.notFound` when there is no such stream.
    public func streamInfo(_ name: String) throws -> StreamState {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        try NATSError.checkJS("look up stream \(name)") { js_GetStreamInfo(&info, handle, name, nil, $0) }
        defer { jsStreamInfo_Destroy(info) }
        let i = info!.pointee
        let cfg = i.Config!.pointee
        let subjects = (0..<Int(cfg.SubjectsLen)).compactMap { cfg.Subjects[$0].map { String(cString: $0) } }
        return StreamState(messages: i.State.Msgs, firstSequence: i.State.FirstSeq, lastSequence: i.State.LastSeq,
                           replicas: Int(cfg.Replicas), duplicateWindow: Double(cfg.Duplicates) / 1e9, subjects: subjects)
    }

    public func deleteStream(_ name: String) throws {
        try NATSError.checkJS("delete stream \(name)") { js_DeleteStream(handle, name, nil, $0) }
    }

    /// The message stored at `sequence` (its subject, payload and headers).
    public func message(stream: String, sequence: UInt64) throws -> NATSMessage {
        var msg: OpaquePointer?
        try NATSError.checkJS("read message \(sequence) of stream \(stream)") { js_GetMsg(&msg, handle, stream, sequence, nil, $0) }
        return NATSMessage(owning: msg!)
    }

    // MARK: Publishing

    /// What the stream said about a published message.
    public struct PublishAck: Sendable {
        public var stream: String
        public var sequence: UInt64
        /// True when the stream already held a message with this id (within its duplicate
        /// window) and did not store it again.
        public var duplicate: Bool
    }

    /// Publishes and waits for the stream to store it. With `messageID`, it is sent as the
    /// `Nats-Msg-Id` header: the stream keeps the first message with an id and acknowledges
    /// later ones as duplicates, so a retry never stores a message twice.
    @discardableResult
    public func publish(_ subject: String, _ bytes: [UInt8], messageID: String? = nil, headers: [(String, String)] = []) throws -> PublishAck {
        let msg = try NATSMessage.make(subject: subject, bytes: bytes, headers: headers)
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = waitMillis
        var ack: UnsafeMutablePointer<jsPubAck>?
        try withOptionalCString(messageID) { id in
            options.MsgId = id
            try NATSError.checkJS("publish to \(subject)") { js_PublishMsg(&ack, handle, msg.handle, &options, $0) }
        }
        defer { jsPubAck_Destroy(ack) }
        let a = ack!.pointee
        return PublishAck(stream: a.Stream.map { String(cString: $0) } ?? "", sequence: a.Sequence, duplicate: a.Duplicate)
    }

    /// Publishes without waiting for the stream's acknowledgement (up to 4,096 in flight);
    /// `waitForAsyncPublishes` waits for them all and says what became of each.
    /// - Parameter timeout: seconds after which an unanswered publish is given up on (default:
    ///   the context's wait). A publish lost with a server killed mid-flight is never
    ///   answered: without a limit it would stay pending for good. One answered later is
    ///   given up on too: `confirm` sends it again (safe with a message id); without an id,
    ///   give a timeout as long as the wait for it.
    public func publishAsync(_ subject: String, _ bytes: [UInt8], messageID: String? = nil, headers: [(String, String)] = [],
                             timeout: Double? = nil) throws {
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = timeout.map { Int64($0 * 1000) } ?? waitMillis
        var msg: OpaquePointer?
        try NATSError.check("make message for \(subject)") {
            bytes.withUnsafeBytes { natsMsg_Create(&msg, subject, nil, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count)) }
        }
        // The client takes the message on success (and clears `msg`); else it is ours to free.
        defer { natsMsg_Destroy(msg) }
        for (key, value) in headers {
            try NATSError.check("set header \(key)") { natsMsgHeader_Set(msg, key, value) }
        }
        try withOptionalCString(messageID) { id in
            options.MsgId = id
            try NATSError.check("publish to \(subject)") { js_PublishMsgAsync(handle, &msg, &options) }
        }
    }

    /// What became of the asynchronous publishes since the last `waitForAsyncPublishes`.
    public struct AsyncPublishes: Sendable {
        /// Message ids the stream acknowledged, with its acknowledgement (`duplicate` when it
        /// already held that id).
        public var stored: [String: PublishAck] = [:]
        /// Publishes that failed or went unanswered (given up on).
        public var failed = 0
        /// The first failure's text.
        public var firstFailure: String?
    }

    /// Waits up to `timeout` seconds for every asynchronous publish to be acknowledged, and
    /// returns what became of each since the last call. Those still unanswered then are given
    /// up on (taken out of the client's pending list and counted as failed), so that one lost
    /// acknowledgement (a server restarted mid-flight) does not stay pending and fail every
    /// later wait: the caller publishes again what is not in `stored`.
    public func waitForAsyncPublishes(timeout: Double) -> AsyncPublishes {
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = Int64(max(0.001, timeout) * 1000)
        let status = js_PublishAsyncComplete(handle, &options)
        if status != NATS_OK {
            var pending = natsMsgList()
            if js_PublishAsyncGetPendingList(&pending, handle) == NATS_OK {
                asyncOutcomes.unanswered(Int(pending.Count), String(cString: natsStatus_GetText(status)))
                natsMsgList_Destroy(&pending)
            }
        }
        return asyncOutcomes.take()
    }

    // MARK: Consumers

    /// A durable pull consumer's configuration: the subset scamflow sets.
    public struct ConsumerConfig: Sendable {
        public var durable: String
        /// Only messages whose subject matches (nil: all of the stream).
        public var filterSubject: String?
        /// The first stream sequence to deliver (1: from the start).
        public var startSequence: UInt64 = 1
        /// Seconds a delivery may stay unacknowledged before it is delivered again.
        public var ackWait: Double = 60
        /// Deliveries without an acknowledgement at once, at most.
        public var maxAckPending: Int = 20_000
        public var replicas: Int = 0

        public init(durable: String, filterSubject: String?, startSequence: UInt64 = 1, ackWait: Double = 60, maxAckPending: Int = 20_000) {
            self.durable = durable
            self.filterSubject = filterSubject
            self.startSequence = startSequence
            self.ackWait = ackWait
            self.maxAckPending = maxAckPending
        }
    }

    /// What `consumerInfo` reports.
    public struct ConsumerState: Sendable {
        /// Messages matching the filter not yet delivered.
        public var pending: UInt64
        /// Delivered and not acknowledged.
        public var ackPending: Int
        /// Highest stream sequence acknowledged together with everything before it.
        public var ackFloor: UInt64
        public var filterSubject: String?
    }

    /// Creates a durable pull consumer with explicit acknowledgements.
    public func addConsumer(stream: String, _ config: ConsumerConfig) throws {
        let strings = CStrings()
        var cfg = jsConsumerConfig()
        jsConsumerConfig_Init(&cfg)
        cfg.Durable = strings.add(config.durable)
        cfg.FilterSubject = config.filterSubject.map { strings.add($0) }
        if config.startSequence > 1 {
            cfg.DeliverPolicy = js_DeliverByStartSequence
            cfg.OptStartSeq = config.startSequence
        } else {
            cfg.DeliverPolicy = js_DeliverAll
        }
        cfg.AckPolicy = js_AckExplicit
        cfg.AckWait = Int64(config.ackWait * 1e9)
        cfg.MaxAckPending = Int64(config.maxAckPending)
        cfg.MaxDeliver = -1
        cfg.Replicas = Int64(config.replicas)
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        try NATSError.checkJS("create consumer \(config.durable) on stream \(stream)") { js_AddConsumer(&info, handle, stream, &cfg, nil, $0) }
        jsConsumerInfo_Destroy(info)
    }

    public func consumerInfo(stream: String, durable: String) throws -> ConsumerState {
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        try NATSError.checkJS("look up consumer \(durable) on stream \(stream)") { js_GetConsumerInfo(&info, handle, stream, durable, nil, $0) }
        defer { jsConsumerInfo_Destroy(info) }
        let i = info!.pointee
        return ConsumerState(pending: i.NumPending, ackPending: Int(i.NumAckPending), ackFloor: i.AckFloor.Stream,
                             filterSubject: i.Config?.pointee.FilterSubject.map { String(cString: $0) })
    }

    /// Deletes the consumer; succeeds when there is none.
    public func deleteConsumer(stream: String, durable: String) throws {
        do {
            try NATSError.checkJS("delete consumer \(durable) on stream \(stream)") { js_DeleteConsumer(handle, stream, durable, nil, $0) }
        } catch let error as NATSError where error.kind == .notFound {
            return
        }
    }

    /// A subscription bound to an existing durable pull consumer.
    public func pullSubscribe(stream: String, durable: String, filterSubject: String?) throws -> PullSubscription {
        let strings = CStrings()
        var options = jsSubOptions()
        jsSubOptions_Init(&options)
        options.Stream = strings.add(stream)
        options.Consumer = strings.add(durable)
        options.ManualAck = true
        var sub: OpaquePointer?
        let subject = filterSubject ?? ""
        try NATSError.checkJS("bind to consumer \(durable) on stream \(stream)") {
            js_PullSubscribe(&sub, handle, subject.isEmpty ? nil : subject, durable, nil, &options, $0)
        }
        return PullSubscription(handle: sub!, jetStream: self, name: "\(stream)/\(durable)")
    }
}

/// A pull subscription on a durable consumer: `fetch` asks for a batch of messages.
public final class PullSubscription: @unchecked Sendable {
    let handle: OpaquePointer
    let jetStream: JetStream
    /// `STREAM/CONSUMER`, for messages.
    public let name: String

    init(handle: OpaquePointer, jetStream: JetStream, name: String) {
        self.handle = handle
        self.jetStream = jetStream
        self.name = name
    }

    deinit {
        natsSubscription_Destroy(handle)
    }

    /// Up to `batch` messages, in delivery order; fewer (possibly none) when no more arrive
    /// within `timeout` seconds.
    public func fetch(batch: Int, timeout: Double) throws -> [NATSMessage] {
        var list = natsMsgList()
        var code = jsErrCode(0)
        let status = natsSubscription_Fetch(&list, handle, Int32(batch), Int64(timeout * 1000), &code)
        defer { natsMsgList_Destroy(&list) }
        var messages: [NATSMessage] = []
        messages.reserveCapacity(Int(list.Count))
        for i in 0..<Int(list.Count) {
            guard let msg = list.Msgs[i] else { continue }
            // Owned by the Swift message from here on; the list must not destroy it too.
            list.Msgs[i] = nil
            messages.append(NATSMessage(owning: msg))
        }
        if status == NATS_OK || (status == NATS_TIMEOUT && code.rawValue == 0) { return messages }
        if !messages.isEmpty { return messages }
        throw NATSError.from(status, jetStreamCode: Int32(code.rawValue), operation: "fetch from consumer \(name)")
    }
}

extension NATSMessage {
    /// A new message to publish, with headers.
    static func make(subject: String, bytes: [UInt8], headers: [(String, String)]) throws -> NATSMessage {
        var msg: OpaquePointer?
        try NATSError.check("make message for \(subject)") {
            bytes.withUnsafeBytes { natsMsg_Create(&msg, subject, nil, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count)) }
        }
        let message = NATSMessage(owning: msg!)
        for (key, value) in headers {
            try NATSError.check("set header \(key)") { natsMsgHeader_Set(msg, key, value) }
        }
        return message
    }
}

/// Outcomes of asynchronous publishes, recorded from the C client's threads.
final class AsyncOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var result = JetStream.AsyncPublishes()

    func stored(id: String?, _ ack: JetStream.PublishAck) {
        lock.lock()
        if let id { result.stored[id] = ack }
        lock.unlock()
    }

    func failed(id: String?, _ text: String) {
        unanswered(1, text)
    }

    func unanswered(_ count: Int, _ text: String) {
        guard count > 0 else { return }
        lock.lock()
        result.failed += count
        if result.firstFailure == nil { result.firstFailure = text }
        lock.unlock()
    }

    func take() -> JetStream.AsyncPublishes {
        lock.lock()
        defer { result = JetStream.AsyncPublishes(); lock.unlock() }
        return result
    }
}

/// C strings that live as long as this object: for the C configuration structs, which hold
/// `const char *` fields.
final class CStrings {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    func add(_ string: String) -> UnsafePointer<CChar> {
        let p = strdup(string)!
        pointers.append(p)
        return UnsafePointer(p)
    }

    deinit {
        for p in pointers { free(p) }
    }
}

/// Runs `body` with a C string for `string`, or nil.
func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    guard let string else { return try body(nil) }
    return try string.withCString { try body($0) }
}

extension JetStream {
    /// The names of the streams that store `subject` (JetStream's `STREAM.NAMES` request with
    /// a subject filter): empty when a publish there would find no stream.
    public func streamNames(storing subject: String) throws -> [String] {
        let request = Array("{\"subject\":\"\(subject)\"}".utf8)
        let reply = try connection.request("$JS.API.STREAM.NAMES", request, timeout: Double(waitMillis) / 1000)
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any] else {
            throw NATSError(kind: .other, status: 0, operation: "list streams storing \(subject)", message: "unreadable answer")
        }
        if let error = object["error"] as? [String: Any] {
            throw NATSError(kind: .other, status: 0, jetStreamCode: Int32(error["err_code"] as? Int ?? 0),
                            operation: "list streams storing \(subject)", message: error["description"] as? String ?? "error")
        }
        return object["streams"] as? [String] ?? []
    }
}
