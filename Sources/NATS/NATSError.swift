import CNATS
import Foundation

/// An error reported by the NATS C client, turned into Swift at one place (`NATSError.check`).
///
/// `status` is the client's `natsStatus` and `jetStreamCode` the server's JetStream error code
/// (10059 "stream not found", ...) when it sent one, so callers can compare against the NATS
/// documentation; `kind` groups the codes callers act on; `operation` says what was being done
/// ("fetch from consumer EVENTS/scamflow-0of3"), so a message reads without the code.
public struct NATSError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in the terms a caller acts on.
    public enum Kind: Equatable, Sendable {
        /// No server could be reached (wrong URL, nothing listening, all down).
        case noServer
        /// A timeout: nothing arrived in time (a fetch with no messages, a request during an
        /// election). Worth retrying.
        case timeout
        /// The connection is down or closed; the client reconnects on its own. Worth retrying.
        case disconnected
        /// No one answered a request: JetStream is not enabled, or no stream stores a subject.
        case noResponders
        /// A stream, consumer, bucket or key does not exist.
        case notFound
        /// A key-value update whose expected revision is no longer the last one.
        case wrongRevision
        /// A payload larger than the server's `max_payload`.
        case tooLarge
        /// A URL, subject or name the client refuses.
        case invalidArgument
        /// Anything else.
        case other
    }

    public let kind: Kind
    /// The client's status code (`natsStatus`).
    public let status: Int32
    /// The JetStream API error code, 0 when the server sent none.
    public let jetStreamCode: Int32
    /// What was being done.
    public let operation: String
    /// The client's text for the last error on this thread, else the status's own text.
    public let message: String

    public init(kind: Kind, status: Int32, jetStreamCode: Int32 = 0, operation: String, message: String) {
        self.kind = kind
        self.status = status
        self.jetStreamCode = jetStreamCode
        self.operation = operation
        self.message = message
    }

    /// True for errors that a retry after a short wait may clear: a node restarting, a leader
    /// election, a reconnect in progress.
    public var isTransient: Bool {
        kind == .timeout || kind == .disconnected || kind == .noResponders
            || jetStreamCode == Int32(JSClusterNotAvailErr.rawValue)  // "JetStream system temporarily unavailable": an election
    }

    public var description: String {
        "\(operation): \(message)" + (jetStreamCode != 0 ? " (JetStream error \(jetStreamCode))" : "")
    }

    /// Runs a C call and throws its status as a `NATSError` unless it is `NATS_OK`.
    @discardableResult
    static func check(_ operation: @autoclosure () -> String, _ call: () -> natsStatus) throws -> natsStatus {
        let status = call()
        guard status != NATS_OK else { return status }
        throw from(status, operation: operation())
    }

    /// Like `check`, for the JetStream calls that also report an API error code.
    static func checkJS(_ operation: @autoclosure () -> String, _ call: (UnsafeMutablePointer<jsErrCode>) -> natsStatus) throws {
        var code = jsErrCode(0)
        let status = call(&code)
        guard status != NATS_OK else { return }
        throw from(status, jetStreamCode: Int32(code.rawValue), operation: operation())
    }

    static func from(_ status: natsStatus, jetStreamCode: Int32 = 0, operation: String) -> NATSError {
        var last = NATS_OK
        var text = nats_GetLastError(&last).map { String(cString: $0) } ?? ""
        // "(js.c:535): wrong last sequence: 2": the client's source position is not for users.
        if text.hasPrefix("("), let close = text.range(of: "): "), text[..<close.lowerBound].contains(".c:") {
            text = String(text[close.upperBound...])
        }
        let plain = String(cString: natsStatus_GetText(status))
        // The thread's last error text is more precise ("stream not found"), when it is about
        // this status; else the status's own text.
        let message = text.isEmpty || last != status ? plain : text
        return NATSError(kind: kind(of: status, jetStreamCode: jetStreamCode, text: message), status: Int32(status.rawValue),
                         jetStreamCode: jetStreamCode, operation: operation, message: message)
    }

    static func kind(of status: natsStatus, jetStreamCode: Int32, text: String) -> Kind {
        if jetStreamCode == Int32(JSStreamNotFoundErr.rawValue) || jetStreamCode == Int32(JSConsumerNotFoundErr.rawValue) { return .notFound }
        if jetStreamCode == Int32(JSStreamWrongLastSequenceErr.rawValue) || text.contains("wrong last sequence") { return .wrongRevision }
        switch status {
        case NATS_NO_SERVER: return .noServer
        case NATS_TIMEOUT: return .timeout
        case NATS_CONNECTION_CLOSED, NATS_CONNECTION_DISCONNECTED, NATS_IO_ERROR, NATS_STALE_CONNECTION, NATS_NOT_YET_CONNECTED:
            return .disconnected
        case NATS_NO_RESPONDERS: return .noResponders
        case NATS_NOT_FOUND: return .notFound
        case NATS_MAX_PAYLOAD: return .tooLarge
        case NATS_ADDRESS_MISSING, NATS_INVALID_ARG, NATS_INVALID_SUBJECT: return .invalidArgument
        default: return .other
        }
    }
}
