import Foundation
import NATSTestSupport
import Testing

/// A single nats-server killed with SIGKILL mid-run and started again on the same port and
/// store: the consumer reconnects by itself and must get back to its normal pace (a publish
/// lost with the server once left the client's asynchronous publishing pending for good, and
/// every later batch of alerts failed and went one by one, about 100 times slower), and the
/// alerts stream must hold exactly the alerts of one clean stdin run.
@Suite(.enabled(if: NATSServer.available, Comment(rawValue: NATSServer.skipReason)), .serialized)
struct NATSReconnectTests {
    @Test func serverKilledAndRestartedMidRunKeepsPaceAndAlerts() throws {
        let server = try NATSServer.start()
        defer { withExtendedLifetime(server) {} }
        // In event-time order per subject (a live stream's order), so that the results equal
        // a stdin run's.
        let lines = try NATSStreamTests.events(generated: 30_000)
        // Small batches, so that alerts are in flight when the server goes.
        let consumer = try NATSStreamTests.consuming(lines, on: server, batch: 50)
        #expect(NATSStreamTests.waitForCheckpoint(consumer, atLeast: 2_000), "\(consumer.stderr)")
        #expect(consumer.process.isRunning, "killed midway, not after the end: \(consumer.stderr)")
        server.kill()
        let saidBefore = consumer.stderr.count
        Thread.sleep(forTimeInterval: 1)
        try server.start()
        let restarted = Date()
        // At the slow pace (about 100 records/s) the rest would take minutes; at the normal
        // pace (thousands a second, in small batches) seconds.
        let finished = consumer.finish(within: 90)
        let took = Date().timeIntervalSince(restarted)
        #expect(finished && consumer.exitedCleanly, "finished within 90 s of the restart: \(consumer.stderr.suffix(3000))\nserver:\n\(server.log.suffix(1500))")
        let slow = consumer.stderr.components(separatedBy: "publishing them again").count - 1
        #expect(slow <= 2, "only the batches in flight at the restart are sent again, not \(slow): \(consumer.stderr.suffix(3000))")
        // The lag after the reconnect: never 0 while thousands of messages remain (each
        // delivery's own count read 0 there).
        let after = consumer.stderr.dropFirst(saidBefore).matches(of: /health scamflow: ([0-9]+) records \([0-9]+\/s\), lag ([0-9]+)/)
            .map { (records: Int($0.output.1)!, lag: Int($0.output.2)!) }
        #expect(after.contains { $0.records < lines.count - 2_000 }, "health lines after the restart with work left")
        #expect(after.allSatisfy { $0.records >= lines.count - 2_000 || $0.lag > 0 }, "lag after the restart: \(after)")
        let stored = try NATSStreamTests.storedAlertIDs(server.url)
        let expected = try NATSStreamTests.stdinAlertIDs(lines, stream: "EVENTS")
        #expect(expected.count > 50, "the scenarios raise alerts")
        #expect(Set(stored).count == stored.count, "no alert twice in the alerts stream")
        #expect(stored.sorted() == expected.sorted(), "missing: \(Set(expected).subtracting(stored).count), extra: \(Set(stored).subtracting(expected).count)")
        print("NATS reconnect test: \(lines.count) events, \(expected.count) alerts; finished \(String(format: "%.1f", took)) s after the server restart; "
              + "\(slow) batches sent again")
    }
}
