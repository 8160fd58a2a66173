import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension JetStream {
    /// A message published with `publishAsync` whose storing is to be confirmed: it is sent
    /// again, with the same `Nats-Msg-Id` and headers, until the stream acknowledges it.
    public struct Publication: Sendable {
        public var subject: String
        public var bytes: [UInt8]
        /// Its `Nats-Msg-Id`: the stream keeps one message per id, so sending again is safe.
        public var id: String
        public var headers: [(String, String)]

        public init(subject: String, bytes: [UInt8], id: String, headers: [(String, String)] = []) {
            self.subject = subject
            self.bytes = bytes
            self.id = id
            self.headers = headers
        }
    }

    /// Waits until the stream has acknowledged every one of `publications` (published before
    /// with `publishAsync`), and says for each whether the stream already held its id
    /// (true: a duplicate, stored before by another writer).
    ///
    /// A publish that failed or went unanswered (its `MaxWait` passed: lost with a server, or
    /// merely slow on a loaded cluster) is never dropped: it is published again with the same
    /// id and headers, asynchronously, round after round, until the stream acknowledges it
    /// or `deadline` passes (then this throws, and the caller must not treat them as stored).
    /// `resending` is told before each round how many go again and the first failure.
    ///
    /// When a publish given up on had reached the stream after all, the stream acknowledges
    /// the one sent again as a duplicate, though this writer stored it. `writer` (a header
    /// every publication carries, and its value for this writer) tells the two apart: such a
    /// duplicate's stored message is read back (one request each, only for those sent again)
    /// and counts as stored by this writer when it carries this writer's value.
    public func confirm(_ publications: [Publication], writer: (header: String, value: String)?, until deadline: Date,
                        resending: (_ count: Int, _ firstFailure: String) -> Void) throws -> [Bool] {
        var duplicate = [Bool](repeating: false, count: publications.count)
        var waiting = Array(publications.indices)
        var sentAgain = Set<Int>()
        // Each publish gives up after `waitMillis`; twice that is a backstop for the wait.
        let wait = 2 * Double(waitMillis) / 1000
        while true {
            let outcome = waitForAsyncPublishes(timeout: wait)
            var left: [Int] = []
            for i in waiting {
                guard let ack = outcome.stored[publications[i].id] else {
                    left.append(i)
                    continue
                }
                duplicate[i] = ack.duplicate && !(sentAgain.contains(i) && storedBy(writer, ack))
            }
            guard !left.isEmpty else { return duplicate }
            let failure = outcome.firstFailure ?? "no acknowledgement"
            guard Date() < deadline else {
                throw NATSError(kind: .timeout, status: 0, operation: "publish \(left.count) of \(publications.count) messages to the stream",
                                message: "still not acknowledged after sending them again until the deadline (\(failure))")
            }
            resending(left.count, failure)
            var sent = 0
            for i in left {
                let p = publications[i]
                sentAgain.insert(i)
                if (try? publishAsync(p.subject, p.bytes, messageID: p.id, headers: p.headers)) != nil { sent += 1 }
            }
            // Nothing in flight (the connection refuses them, or the answers were at once "no
            // responders"): a short pause before the next round, as a retry would make.
            if sent == 0 || outcome.stored.isEmpty && outcome.failed >= left.count { usleep(250_000) }
            waiting = left
        }
    }

    /// True when the message the stream holds at `ack`'s sequence carries `writer`'s value.
    private func storedBy(_ writer: (header: String, value: String)?, _ ack: PublishAck) -> Bool {
        guard let writer, let stored = try? message(stream: ack.stream, sequence: ack.sequence) else { return false }
        return stored.header(writer.header) == writer.value
    }
}
