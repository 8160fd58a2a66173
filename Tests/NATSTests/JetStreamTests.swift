import Foundation
import NATS
import NATSTestSupport
import Testing

/// The wrapper against a real `nats-server -js` on a loopback port: publish, pull, ack,
/// deduplication by `Nats-Msg-Id`, key-value revisions, and the errors a user sees.
@Suite(.enabled(if: NATSServer.available, Comment(rawValue: NATSServer.skipReason)), .serialized)
struct JetStreamTests {
    @Test func publishFetchAndAckInOrder() throws {
        let server = try NATSServer.start()
        let js = try NATSConnection(urls: [server.url]).jetStream()
        try js.addStream(.init(name: "EV", subjects: ["ev.>"]))
        for i in 1...50 { try js.publish("ev.\(i % 3).s\(i)", Array("m\(i)".utf8)) }
        try js.addConsumer(stream: "EV", .init(durable: "c1", filterSubject: "ev.1.>"))
        let sub = try js.pullSubscribe(stream: "EV", durable: "c1", filterSubject: "ev.1.>")
        let got = try sub.fetch(batch: 100, timeout: 1)
        // 1, 4, 7, ... 49: the filter keeps a third, in stream order.
        #expect(got.map { String(decoding: $0.bytes, as: UTF8.self) } == stride(from: 1, through: 49, by: 3).map { "m\($0)" })
        let meta = try #require(got.first?.metadata)
        #expect(meta.streamSequence == 1 && meta.deliveries == 1 && meta.pending == UInt64(got.count - 1) && meta.stream == "EV")
        for m in got { try m.ackSync() }
        // The floor passes the sequences the filter leaves out too (50 is another partition's).
        #expect(try js.consumerInfo(stream: "EV", durable: "c1").ackFloor >= 49)
        #expect(try sub.fetch(batch: 10, timeout: 0.2).isEmpty)
    }

    @Test func consumerStartsAtAGivenSequence() throws {
        let server = try NATSServer.start()
        let js = try NATSConnection(urls: [server.url]).jetStream()
        try js.addStream(.init(name: "EV", subjects: ["ev.>"]))
        for i in 1...10 { try js.publish("ev.0.x", Array("\(i)".utf8)) }
        try js.addConsumer(stream: "EV", .init(durable: "late", filterSubject: nil, startSequence: 7))
        let got = try js.pullSubscribe(stream: "EV", durable: "late", filterSubject: nil).fetch(batch: 10, timeout: 1)
        #expect(got.compactMap { $0.metadata?.streamSequence } == [7, 8, 9, 10])
        try js.deleteConsumer(stream: "EV", durable: "late")
        try js.deleteConsumer(stream: "EV", durable: "late")  // absent: no error
    }

    @Test func messageIDDeduplicates() throws {
        let server = try NATSServer.start()
        let js = try NATSConnection(urls: [server.url]).jetStream()
        try js.addStream(.init(name: "AL", subjects: ["al.>"], duplicateWindow: 60))
        let first = try js.publish("al.high", Array("{}".utf8), messageID: "abc")
        let again = try js.publish("al.high", Array("{\"retry\":1}".utf8), messageID: "abc")
        let other = try js.publish("al.high", Array("{}".utf8), messageID: "def")
        #expect(!first.duplicate && again.duplicate && again.sequence == first.sequence && other.sequence == first.sequence + 1)
        #expect(try js.streamInfo("AL").messages == 2)
        #expect(try js.message(stream: "AL", sequence: 1).header("Nats-Msg-Id") == "abc")
    }

    /// Asynchronous publishes lost with a server (stopped, then killed and restarted) are
    /// given up on by the wait, not left pending: the next batch after the reconnect is
    /// acknowledged at once, each id said with its duplicate flag.
    @Test func asyncPublishesLostWithAServerDoNotStallLaterOnes() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        let connection = try NATSConnection(urls: [server.url])
        let js = try connection.jetStream()
        try js.addStream(.init(name: "AL", subjects: ["al.>"], duplicateWindow: 60))
        func batch(_ prefix: String) throws {
            for i in 0..<100 { try js.publishAsync("al.high", Array("{}".utf8), messageID: "\(prefix)\(i)") }
        }
        try batch("x")
        let before = js.waitForAsyncPublishes(timeout: 10)
        #expect(before.stored.count == 100 && before.failed == 0 && before.stored.values.allSatisfy { !$0.duplicate })
        server.pause()
        try batch("y")  // never answered: the server is stopped, then killed
        server.kill()
        try server.start()
        let lost = js.waitForAsyncPublishes(timeout: 1)
        #expect(lost.failed > 0 && lost.stored.count < 100, "given up on: \(lost.failed), stored \(lost.stored.count)")
        let reconnected = Date().addingTimeInterval(20)
        while connection.connectedURL == nil, Date() < reconnected { usleep(50_000) }
        let started = Date()
        try retrying { try batch("z") }
        try batch("x")  // stored before: acknowledged as duplicates
        let after = js.waitForAsyncPublishes(timeout: 20)
        let took = Date().timeIntervalSince(started)
        #expect(after.failed == 0 && after.stored.count == 200 && took < 5, "failed \(after.failed), stored \(after.stored.count), \(took) s")
        #expect(after.stored.values.filter(\.duplicate).count == 100, "the x ids again are duplicates")
    }

    /// Publishes answered later than their timeout (the server stopped past it, then going on)
    /// are sent again with the same ids until acknowledged, never dropped; the stream keeps
    /// each once, and the duplicate acknowledgements of the ones sent again are told from a
    /// replay by the writer header: this writer's own count as stored, another's as duplicates.
    @Test func publishesAnsweredLateAreSentAgainAndCountedOnce() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        let js = try NATSConnection(urls: [server.url]).jetStream(wait: 1)
        try js.addStream(.init(name: "AL", subjects: ["al.>"], duplicateWindow: 60))
        func publications(_ writer: String) -> [JetStream.Publication] {
            (0..<100).map { .init(subject: "al.high", bytes: Array("{}".utf8), id: "a\($0)", headers: [("W", writer)]) }
        }
        let mine = publications("me")
        server.pause()
        for p in mine { try js.publishAsync(p.subject, p.bytes, messageID: p.id, headers: p.headers) }
        // All given up on while the server is stopped (by their 1 s timeout, or at the latest
        // when this wait ends: on a starved machine a timer may fire late), short of the
        // client's stale-connection check (4 s); they reach the stream when it goes on.
        let given = js.waitForAsyncPublishes(timeout: 1.5)
        server.resume()
        #expect(given.failed == 100 && given.stored.isEmpty, "given up: \(given.failed), answered: \(given.stored.count); server running \(server.isRunning):\n\(server.log.suffix(1500))")
        var resent = 0
        let duplicates = try js.confirm(mine, writer: ("W", "me"), until: Date().addingTimeInterval(30)) { count, _ in resent += count }
        #expect(resent >= 100, "the publishes were sent again")
        #expect(try js.streamInfo("AL").messages == 100, "each id stored once")
        #expect(try js.message(stream: "AL", sequence: 1).header("W") == "me")
        #expect(duplicates.count == 100 && duplicates.allSatisfy { !$0 }, "stored by this writer, not duplicates: \(duplicates.filter { $0 }.count)")
        // Another writer replaying the same ids: the stream held them, duplicates.
        let theirs = publications("other")
        for p in theirs { try js.publishAsync(p.subject, p.bytes, messageID: p.id, headers: p.headers) }
        let replayed = try js.confirm(theirs, writer: ("W", "other"), until: Date().addingTimeInterval(30)) { _, _ in }
        let count = try js.streamInfo("AL").messages
        #expect(replayed.allSatisfy { $0 } && count == 100)
    }

    /// A publish's own timeout overrides the context's: events (no message id, so never sent
    /// again) wait as long as their publisher does, and an answer slower than the context's
    /// wait is not taken for a failure.
    @Test func aPublishTimeoutLongerThanTheWaitKeepsSlowAnswers() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        let js = try NATSConnection(urls: [server.url]).jetStream(wait: 1)
        try js.addStream(.init(name: "EV", subjects: ["ev.>"], duplicateWindow: 60))
        server.pause()
        // Ids only to tell the answers apart here.
        for i in 0..<50 { try js.publishAsync("ev.a", Array("{}".utf8), messageID: "short\(i)") }
        for i in 0..<50 { try js.publishAsync("ev.b", Array("{}".utf8), messageID: "long\(i)", timeout: 10) }
        Thread.sleep(forTimeInterval: 2)
        server.resume()
        let outcome = js.waitForAsyncPublishes(timeout: 10)
        #expect((0..<50).allSatisfy { outcome.stored["long\($0)"] != nil }, "the 50 with a 10 s timeout are answered: \(outcome.stored.count)")
        // (On a starved machine a 1 s timer may fire after the answers: not asserted.)
        #expect(outcome.failed <= 50 && outcome.failed + outcome.stored.count == 100, "the rest given up on: \(outcome.failed)")
        #expect(try js.streamInfo("EV").messages == 100, "all were stored, the answers only came late")
    }

    @Test func keyValueRevisionsFenceWriters() throws {
        let server = try NATSServer.start()
        let js = try NATSConnection(urls: [server.url]).jetStream()
        let kv = try js.keyValue(.init(name: "state_test"))
        #expect(try kv.get("p.0") == nil)
        let r1 = try kv.update("p.0", Array("one".utf8), expecting: 0)
        let r2 = try kv.update("p.0", Array("two".utf8), expecting: r1)
        let entry = try #require(try kv.get("p.0"))
        #expect(entry.value == Array("two".utf8) && entry.revision == r2)
        // A writer still holding r1 (it lost the key to another) is refused.
        let stale = #expect(throws: NATSError.self) { try kv.update("p.0", Array("old".utf8), expecting: r1) }
        #expect(stale?.kind == .wrongRevision)
        let exists = #expect(throws: NATSError.self) { try kv.update("p.0", Array("new".utf8), expecting: 0) }
        #expect(exists?.kind == .wrongRevision)
        // Opened again, the bucket is the same one.
        #expect(try js.keyValue(.init(name: "state_test")).get("p.0")?.value == Array("two".utf8))
    }

    @Test func coreSubscriptionReceivesAnnouncements() throws {
        let server = try NATSServer.start()
        let nc = try NATSConnection(urls: [server.url])
        let sub = try nc.subscribe("scamflow.packs.reload")
        try nc.flush()
        try NATSConnection(urls: [server.url]).publish("scamflow.packs.reload", Array("now".utf8))
        let msg = try #require(try sub.next(timeout: 2))
        #expect(msg.bytes == Array("now".utf8) && msg.metadata == nil)
        #expect(try sub.next(timeout: 0.05) == nil)
    }

    @Test func errorsSayWhatAndWhere() throws {
        let port = try NATSServer.freePort()
        let down = #expect(throws: NATSError.self) { try NATSConnection(urls: ["nats://127.0.0.1:\(port)"], timeout: 0.5) }
        #expect(down?.kind == .noServer)
        #expect(down?.description.contains("127.0.0.1:\(port)") == true)
        let server = try NATSServer.start()
        let js = try NATSConnection(urls: [server.url]).jetStream()
        let missing = #expect(throws: NATSError.self) { try js.streamInfo("NOPE") }
        #expect(missing?.kind == .notFound && missing?.jetStreamCode == 10059)
        #expect(missing?.description.contains("NOPE") == true)
        // Nothing stores the subject: JetStream publish gets no answer.
        let unstored = #expect(throws: NATSError.self) { try js.publish("nowhere.x", [1]) }
        #expect(unstored?.kind == .noResponders)
    }
}
