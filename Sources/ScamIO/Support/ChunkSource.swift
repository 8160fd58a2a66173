import Foundation

/// The bytes of one input: first the bytes already taken from it (the head that format
/// detection looked at), then the rest of its file descriptor, read on demand.
///
/// Invariants: every byte comes out once and in file order, so a reader given a source sees
/// the input from its first byte whatever was peeked before; `bytesRead` counts every byte
/// read from the descriptor (the head included), so it is the input's size once the end is
/// reached; memory is the head plus what the caller asks for, never the whole input.
public struct ChunkSource {
    private let fd: Int32
    private var head: [UInt8]
    private var headOffset = 0
    /// Bytes read from the descriptor so far, the head included.
    public private(set) var bytesRead: Int

    /// A source over `fd` with nothing read yet.
    public init(fd: Int32) {
        self.init(fd: fd, head: [], headBytesRead: 0)
    }

    /// A source whose first bytes, `head`, were already read from `fd`.
    public init(fd: Int32, head: [UInt8], headBytesRead: Int? = nil) {
        self.fd = fd
        self.head = head
        self.bytesRead = headBytesRead ?? head.count
    }

    /// Reads the first `limit` bytes of `fd` (fewer at its end) and keeps them as the head.
    /// Returns the source and, if reading failed, the errno.
    public static func withHead(fd: Int32, limit: Int) -> (source: ChunkSource, head: [UInt8], errno: Int32?) {
        var head = [UInt8](repeating: 0, count: limit)
        var filled = 0
        var failure: Int32?
        while filled < limit {
            let n = head.withUnsafeMutableBytes { raw in Foundation.read(fd, raw.baseAddress! + filled, limit - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            if n == 0 { break }
            filled += n
        }
        head.removeSubrange(filled...)
        return (ChunkSource(fd: fd, head: head), head, failure)
    }

    /// Copies up to `count` bytes into `buffer`. Returns how many (0 at the end of the input),
    /// or minus the errno when reading fails.
    public mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if headOffset < head.count {
            let n = Swift.min(count, head.count - headOffset)
            head.withUnsafeBytes { raw in buffer.copyMemory(from: raw.baseAddress! + headOffset, byteCount: n) }
            headOffset += n
            if headOffset == head.count { head = []; headOffset = 0 }
            return n
        }
        while true {
            let n = Foundation.read(fd, buffer, count)
            if n < 0 {
                if errno == EINTR { continue }
                return -Int(errno)
            }
            bytesRead += n
            return n
        }
    }
}
