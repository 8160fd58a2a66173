import Foundation

/// A real `nats-server -js` for tests: loopback only, free ports, a temporary store folder
/// removed when dropped. One alone, or one node of a cluster (`NATSServer.cluster(3)`).
///
/// Tests that need one are skipped, with the reason, where `nats-server` is not installed;
/// `.ci/run` installs it, so there they run.
public final class NATSServer: @unchecked Sendable {
    /// The `nats-server` binary, or nil when it is not installed.
    public static let binary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/bin"] {
            let candidate = folder + "/nats-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    public static var available: Bool { binary != nil }
    public static let skipReason = "nats-server is not installed (apt-get install nats-server; .ci/run installs it)"

    public let name: String
    public let port: Int
    public let clusterPort: Int?
    /// Cluster ports of the other nodes.
    public let routes: [Int]
    public let storeDir: URL
    private let logFile: URL
    private var process: Process?

    public var url: String { "nats://127.0.0.1:\(port)" }

    init(name: String, port: Int, clusterPort: Int?, routes: [Int], storeDir: URL) {
        self.name = name
        self.port = port
        self.clusterPort = clusterPort
        self.routes = routes
        self.storeDir = storeDir
        logFile = storeDir.appendingPathComponent("server.log")
    }

    /// One server with JetStream, started and accepting connections; `maxPayload` lowers the
    /// largest message it takes (1 MB by default), to make big values go in parts.
    /// `jetStream: false` runs it as Debian's nats-server.service does, without JetStream.
    public static func start(maxPayload: Int? = nil, jetStream: Bool = true) throws -> NATSServer {
        try onFreePorts {
            let server = NATSServer(name: "solo", port: try freePort(), clusterPort: nil, routes: [], storeDir: try temporaryFolder())
            server.maxPayload = maxPayload
            server.jetStream = jetStream
            try server.start()
            return server
        }
    }

    private var maxPayload: Int?
    private var jetStream = true

    /// A cluster of `count` nodes with JetStream, all started and accepting connections (the
    /// JetStream meta leader may still be in election: retry the first request).
    public static func cluster(_ count: Int) throws -> [NATSServer] {
        try onFreePorts {
            let ports = try (0..<count).map { _ in (try freePort(), try freePort()) }
            let root = try temporaryFolder()
            let servers = ports.enumerated().map { i, p in
                NATSServer(name: "n\(i)", port: p.0, clusterPort: p.1, routes: ports.map(\.1), storeDir: root.appendingPathComponent("n\(i)"))
            }
            // Those started before a failure stop when dropped.
            for server in servers { try server.start() }
            return servers
        }
    }

    /// A port `freePort` gave was taken by another process before this server could listen
    /// on it (tests start servers side by side; each picks its ports, then binds them).
    struct PortTaken: Error {}

    /// `body` again, with the new ports it picks, while a port it picked turns out taken.
    private static func onFreePorts<T>(_ body: () throws -> T) throws -> T {
        for _ in 1..<5 {
            do { return try body() } catch is PortTaken { continue }
        }
        return try body()
    }

    /// Starts (or restarts, after `kill()`) the process with the same ports and store.
    public func start() throws {
        try FileManager.default.createDirectory(at: storeDir, withIntermediateDirectories: true)
        guard let binary = NATSServer.binary else { throw ServerError("nats-server is not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        // Not scamflow: nats-server reads no home folder (said for HermeticTests).
        p.environment = ProcessInfo.processInfo.environment
        var arguments = (jetStream ? ["-js"] : []) + ["-a", "127.0.0.1", "-p", "\(port)", "-sd", storeDir.path, "-n", name]
        if let clusterPort {
            arguments += ["--cluster_name", "scamflow-test", "--cluster", "nats://127.0.0.1:\(clusterPort)",
                          "--routes", routes.filter { $0 != clusterPort }.map { "nats://127.0.0.1:\($0)" }.joined(separator: ",")]
        }
        if let maxPayload {
            let config = storeDir.appendingPathComponent("server.conf")
            try "max_payload: \(maxPayload)\n".write(to: config, atomically: true, encoding: .utf8)
            arguments += ["-c", config.path]
        }
        p.arguments = arguments
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        try waitUntilListening()
    }

    /// SIGKILL, as a crash: no goodbye to the cluster.
    public func kill() {
        guard let p = process, p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGSTOP: the process stays, answers nothing (what is sent to it waits in its socket).
    public func pause() {
        guard let p = process, p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGSTOP)
    }

    /// SIGCONT: a paused server goes on (and reads what waited in its socket).
    public func resume() {
        guard let p = process, p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGCONT)
    }

    public var isRunning: Bool { process?.isRunning ?? false }

    /// The server's own log, for a failure message.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: storeDir)
    }

    /// Waits until this process listens on `port`. Another one answering there is not enough:
    /// a server whose port was taken exits, and its tests would talk to someone else's.
    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(20)
        let listening = "Listening for client connections on 127.0.0.1:\(port)"
        while Date() < deadline {
            let said = log  // this start's own: the file is made anew at each start
            if let p = process, !p.isRunning {
                if said.contains("address already in use") { throw PortTaken() }
                throw ServerError("nats-server \(name) exited at start:\n\(said)")
            }
            if said.contains(listening), NATSServer.accepts(port: port) { return }
            usleep(50_000)
        }
        throw ServerError("nats-server \(name) did not listen on \(port) within 20 s:\n\(log)")
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw ServerError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-nats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Retries `body` until it succeeds or `seconds` pass (a cluster electing its leaders answers
/// the first requests with errors); rethrows the last error.
public func retrying<T>(for seconds: Double = 20, _ body: () throws -> T) throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        do {
            return try body()
        } catch {
            if Date() > deadline { throw error }
            usleep(200_000)
        }
    }
}
