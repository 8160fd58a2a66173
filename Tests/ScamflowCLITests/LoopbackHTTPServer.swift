import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for download tests: it answers
/// each GET from a table of canned responses, and can misbehave on purpose (cut a body short
/// after promising more, answer garbage that is not HTTP). Loopback only; one connection at a
/// time; call `stop()` when done.
final class LoopbackHTTPServer: @unchecked Sendable {
    struct Response {
        var status = 200
        var body: [UInt8] = []
        /// Send only this many bytes of the body (after a Content-Length of the whole), then close.
        var cutAfter: Int?
        /// Send these bytes instead of an HTTP response.
        var raw: [UInt8]?
    }

    private let lock = NSLock()
    private var routes: [String: Response] = [:]
    private var requests: [String] = []
    private let fd: Int32
    let port: UInt16
    private var thread: Thread?

    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard sock >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(sock, 16) == 0 else { close(sock); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) } }
        fd = sock
        port = UInt16(bigEndian: address.sin_port)
        // The thread holds the server until `stop()` makes accept(2) fail.
        let thread = Thread { self.serve() }
        self.thread = thread
        thread.start()
    }

    deinit { close(fd) }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Serves `response` at `path` (e.g. "/index.json").
    func set(_ path: String, _ response: Response) {
        lock.lock(); defer { lock.unlock() }
        routes[path] = response
    }

    func set(_ path: String, body: [UInt8]) { set(path, Response(body: body)) }

    /// The paths requested so far.
    var requested: [String] {
        lock.lock(); defer { lock.unlock() }
        return requests
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            request += buffer[0..<n]
            if request.count > 65536 { return }
        }
        let line = String(decoding: request.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : "/"
        lock.lock()
        requests.append(path)
        let response = routes[path] ?? Response(status: 404, body: Array("not found\n".utf8))
        lock.unlock()
        if let raw = response.raw {
            send(client, raw)
            return
        }
        let reason = response.status == 200 ? "OK" : response.status == 404 ? "Not Found" : "Error"
        let head = "HTTP/1.1 \(response.status) \(reason)\r\nContent-Length: \(response.body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        send(client, Array(head.utf8))
        send(client, Array(response.body.prefix(response.cutAfter ?? response.body.count)))
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(client, $0.baseAddress! + offset, bytes.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 0x0D && self[i + 1] == 0x0A && self[i + 2] == 0x0D && self[i + 3] == 0x0A { return true }
        return false
    }
}
