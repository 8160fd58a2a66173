import Foundation
import NATSTestSupport
import Testing

/// The fault test of issue 18 on a real 3-node JetStream cluster (streams, consumers and the
/// checkpoint bucket with 3 replicas): the seed scenarios plus 100,000 generated events through
/// 3 partitions; one consumer and one server node are killed with SIGKILL midway and started
/// again; the alerts stream must then hold exactly the alerts of one clean stdin run.
@Suite(.enabled(if: NATSServer.available, Comment(rawValue: NATSServer.skipReason)), .serialized)
struct NATSClusterFaultTests {
    @Test func killAConsumerAndANodeMidway() throws {
        let started = Date()
        let cluster = try NATSServer.cluster(3)
        // Kept to the end: the servers stop when dropped, and the last use below is not the end.
        defer { withExtendedLifetime(cluster) {} }
        let urls = cluster.map(\.url).joined(separator: ",")
        let lines = try NATSStreamTests.events(generated: 100_000)
        let generatedAt = Date()
        let input = Data((lines.joined(separator: "\n") + "\n").utf8)
        // The routes may still be forming (no peers to place 3 replicas on yet): retried.
        try retrying(for: 30) {
            let r = try CLIRunner.run(["nats", "init", "--nats", urls, "--replicas", "3"], in: CLIRunner.packageRoot)
            guard r.status == 0 else { throw ServerError("nats init: \(r.stderr)") }
        }
        try NATSStreamTests.nats(["publish", "--nats", urls, "--partitions", "3"], stdin: input)
        let published = Date()

        func consumer(_ k: Int) throws -> StreamProcess {
            let p = try StreamProcess(NATSStreamTests.consumerArguments(urls, partition: "\(k)/3") + ["--health-every", "0.2", "--batch", "100"])
            p.closeInput()
            return p
        }
        var consumers = try (0..<3).map(consumer)
        // Midway: partition 0 has checkpointed part of its share and goes on processing.
        #expect(NATSStreamTests.waitForCheckpoint(consumers[0]), "\(consumers[0].stderr)")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(consumers[0].process.isRunning, "killed midway, not after the end: \(consumers[0].stderr)")
        kill(consumers[0].pid, SIGKILL)
        consumers[0].process.waitUntilExit()
        cluster[1].kill()
        let killedSaid = consumers[0].stderr
        consumers[0] = try consumer(0)
        Thread.sleep(forTimeInterval: 2)
        try cluster[1].start()
        for (k, c) in consumers.enumerated() {
            #expect(c.finish(within: 240) && c.exitedCleanly, "partition \(k): \(c.stderr.suffix(2000))\nservers:\n\(cluster.map { String($0.log.suffix(1500)) }.joined(separator: "\n--\n"))")
        }
        #expect(consumers[0].stderr.contains("resumed "), "the restarted consumer resumed from its checkpoint: \(consumers[0].stderr.prefix(2000))")
        let consumed = Date()

        let stored = try NATSStreamTests.storedAlertIDs(urls)
        let expected = try NATSStreamTests.stdinAlertIDs(lines, stream: "EVENTS")
        #expect(expected.count > 100, "the scenarios raise alerts")
        #expect(Set(stored).count == stored.count, "no alert twice in the alerts stream")
        #expect(stored.sorted() == expected.sorted(), "missing: \(Set(expected).subtracting(stored).count), extra: \(Set(stored).subtracting(expected).count)")
        print("NATS cluster fault test: \(lines.count) events, \(expected.count) alerts; cluster and events \(String(format: "%.1f", generatedAt.timeIntervalSince(started))) s, set-up and publish \(String(format: "%.1f", published.timeIntervalSince(started))) s, "
              + "consume with faults \(String(format: "%.1f", consumed.timeIntervalSince(published))) s, total \(String(format: "%.1f", Date().timeIntervalSince(started))) s; "
              + "killed consumer had said: \(killedSaid.split(separator: "\n").last ?? "")")
    }
}
