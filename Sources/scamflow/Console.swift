import Foundation

/// The only place scamflow writes to stdout and stderr.
///
/// stdout is buffered and flushed at exit, when the buffer is large, or on `flush()` (streams
/// flush each alert). A closed stdout (EPIPE) sets `broken` and further output is dropped, so
/// `scamflow scan ... | head` ends quietly.
final class Console: @unchecked Sendable {
    static let shared = Console()

    private var buffer: [UInt8] = []
    private(set) var broken = false

    private init() {
        // A closed pipe must be an error code from write(2), not a fatal signal.
        signal(SIGPIPE, SIG_IGN)
        buffer.reserveCapacity(1 << 16)
    }

    var stdoutIsTerminal: Bool { isatty(1) == 1 }
    var stderrIsTerminal: Bool { isatty(2) == 1 }

    func out(_ text: String) { append(text.utf8) }

    func out(bytes: [UInt8]) { append(bytes) }

    private func append<C: Collection<UInt8>>(_ bytes: C) {
        guard !broken else { return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Called after stdout took the buffer whole (a full buffer or `flush()`): the stream's
    /// journal records there which alerts were delivered.
    var afterWrite: (() -> Void)?

    func flush() {
        guard !broken, !buffer.isEmpty else { return }
        if !Console.writeAll(1, buffer) { broken = true }
        buffer.removeAll(keepingCapacity: true)
        if !broken { afterWrite?() }
    }

    /// Writes to stderr at once (diagnostics must not wait behind buffered alerts).
    func err(_ text: String) {
        _ = Console.writeAll(2, Array(text.utf8))
    }

    /// Writes every byte (retrying short writes and EINTR); false on an error (errno says it).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
