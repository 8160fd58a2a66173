import CNATS
#if canImport(Glibc)
import Glibc
#endif

/// A connection to a NATS server or cluster: core publish and subscribe, and the way into
/// JetStream. It owns its C handle and closes it when dropped.
///
/// Reconnects by itself, forever, to any of the URLs given (and the servers they announce):
/// a consumer outlives a node restart, and every call made while it is away fails with a
/// transient error (`NATSError.isTransient`) that the caller retries.
///
/// Not for concurrent use from several threads at once unless said otherwise; the C client
/// is thread-safe, but a `JetStream` or a subscription made from it belongs to one user.
public final class NATSConnection: @unchecked Sendable {
    let handle: OpaquePointer
    /// The URLs it was given, for messages.
    public let urls: [String]

    /// Connects to the first server of `urls` that answers (each `nats://host:port`).
    /// - Parameters:
    ///   - name: shown by the server in its connection list (`connz`).
    ///   - timeout: seconds to wait for each server when connecting.
    public init(urls: [String], name: String = "scamflow", timeout: Double = 5) throws {
        guard !urls.isEmpty else {
            throw NATSError(kind: .invalidArgument, status: Int32(NATS_ADDRESS_MISSING.rawValue), operation: "connect", message: "no server URL given")
        }
        NATSLibrary.open()
        self.urls = urls
        var options: OpaquePointer?
        try NATSError.check("connect") { natsOptions_Create(&options) }
        defer { natsOptions_Destroy(options) }
        let what = "connect to \(NATSConnection.masked(urls.joined(separator: ",")))"
        var pointers = urls.map { strdup($0) }
        defer { for p in pointers { free(p) } }
        try pointers.withUnsafeMutableBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { base in
                try NATSError.check(what) { natsOptions_SetServers(options, base, Int32(buffer.count)) }
            }
        }
        try NATSError.check(what) { natsOptions_SetName(options, name) }
        try NATSError.check(what) { natsOptions_SetTimeout(options, Int64(timeout * 1000)) }
        try NATSError.check(what) { natsOptions_SetMaxReconnect(options, -1) }
        try NATSError.check(what) { natsOptions_SetReconnectWait(options, 250) }
        // Keep what is published while reconnecting in a buffer big enough for a batch of
        // alerts (the default 8 MiB); a lost connection is noticed within a few seconds.
        try NATSError.check(what) { natsOptions_SetPingInterval(options, 2000) }
        try NATSError.check(what) { natsOptions_SetMaxPingsOut(options, 2) }
        var connection: OpaquePointer?
        try NATSError.check(what) { natsConnection_Connect(&connection, options) }
        handle = connection!
    }

    deinit {
        natsConnection_Destroy(handle)
    }

    /// The URL of the server it is connected to now, or nil while reconnecting.
    public var connectedURL: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard natsConnection_GetConnectedUrl(handle, &buffer, buffer.count) == NATS_OK, buffer[0] != 0 else { return nil }
        return String(cString: buffer)
    }

    /// The largest payload the server accepts (its `max_payload`), in bytes.
    public var maxPayload: Int { Int(natsConnection_GetMaxPayload(handle)) }

    /// Publishes on core NATS (no JetStream acknowledgement): who listens now gets it.
    public func publish(_ subject: String, _ bytes: [UInt8]) throws {
        try NATSError.check("publish to \(subject)") {
            bytes.withUnsafeBytes { natsConnection_Publish(handle, subject, $0.baseAddress, Int32($0.count)) }
        }
    }

    /// Sends a request and waits up to `timeout` seconds for the reply.
    public func request(_ subject: String, _ bytes: [UInt8], timeout: Double) throws -> NATSMessage {
        var reply: OpaquePointer?
        try NATSError.check("request on \(subject)") {
            bytes.withUnsafeBytes { natsConnection_Request(&reply, handle, subject, $0.baseAddress, Int32($0.count), Int64(timeout * 1000)) }
        }
        return NATSMessage(owning: reply!)
    }

    /// Waits until the server has processed everything published so far.
    public func flush(timeout: Double = 5) throws {
        try NATSError.check("flush") { natsConnection_FlushTimeout(handle, Int64(timeout * 1000)) }
    }

    /// A subscription whose messages are read with `next(timeout:)`.
    public func subscribe(_ subject: String) throws -> NATSSubscription {
        var sub: OpaquePointer?
        try NATSError.check("subscribe to \(subject)") { natsConnection_SubscribeSync(&sub, handle, subject) }
        return NATSSubscription(handle: sub!, connection: self, subject: subject)
    }

    /// The JetStream API of this connection.
    /// - Parameter wait: seconds each JetStream request (and publish acknowledgement) may take.
    public func jetStream(wait: Double = 5) throws -> JetStream {
        try JetStream(connection: self, wait: wait)
    }
}

extension NATSConnection {
    /// Server URLs as said in messages: a password or token in them (`nats://user:pass@host`,
    /// `nats://token@host`) replaced by `***`, the user name kept.
    public static func masked(_ urls: String) -> String {
        urls.split(separator: ",", omittingEmptySubsequences: false).map { url -> String in
            let text = String(url)
            let start = text.range(of: "://")?.upperBound ?? text.startIndex
            guard let at = text[start...].lastIndex(of: "@") else { return text }
            let credentials = text[start..<at]
            let shown = credentials.firstIndex(of: ":").map { "\(credentials[..<$0]):***" } ?? "***"
            return String(text[..<start]) + shown + String(text[at...])
        }.joined(separator: ",")
    }
}

/// A core NATS subscription read synchronously.
public final class NATSSubscription: @unchecked Sendable {
    let handle: OpaquePointer
    /// Held so the connection outlives its subscriptions.
    let connection: NATSConnection
    public let subject: String

    init(handle: OpaquePointer, connection: NATSConnection, subject: String) {
        self.handle = handle
        self.connection = connection
        self.subject = subject
    }

    deinit {
        natsSubscription_Destroy(handle)
    }

    /// The next message, or nil when none arrives within `timeout` seconds.
    public func next(timeout: Double) throws -> NATSMessage? {
        var msg: OpaquePointer?
        let status = natsSubscription_NextMsg(&msg, handle, max(1, Int64(timeout * 1000)))
        if status == NATS_TIMEOUT { return nil }
        guard status == NATS_OK, let msg else { throw NATSError.from(status, operation: "read from \(subject)") }
        return NATSMessage(owning: msg)
    }
}

/// The C library's process-wide start, done once before the first connection.
enum NATSLibrary {
    private static let opened: Void = {
        _ = nats_Open(-1)
    }()

    static func open() { _ = opened }
}
