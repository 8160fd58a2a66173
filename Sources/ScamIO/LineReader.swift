import Foundation

/// Reads an input line by line in fixed-size chunks, so memory stays bounded whatever the file
/// size.
///
/// Invariants: lines are yielded in order with 1-based numbers; a trailing `\r` is removed, and
/// a UTF-8 byte-order mark at the start of the input (`ByteOrderMark`); a line longer than
/// `maxLineBytes` is never held in memory: it is reported as `.oversized` and skipped up to its
/// newline, and reading goes on with the next line.
public struct LineReader {
    public enum Line {
        case text(number: Int, bytes: ArraySlice<UInt8>)
        case oversized(number: Int, bytes: Int)
        case readError(number: Int, errno: Int32)
    }

    public let maxLineBytes: Int
    private var source: ChunkSource
    private var buffer: [UInt8] = []
    private var start = 0
    private var lineNumber = 0
    private var eof = false
    private var skipping = false
    private var skippedBytes = 0
    private var lookahead: [Line] = []
    private let chunkSize: Int
    /// Total bytes read so far.
    public var bytesRead: Int { source.bytesRead }
    /// The number of the last line returned (or peeked).
    public var lastLineNumber: Int { lineNumber }
    /// Called before every read of the source, that is when the lines in hand are used up and
    /// the reader may block: a stream flushes its alerts here, so they go out at once when input
    /// trickles and in one write per chunk when it floods.
    public var beforeRead: (() -> Void)?

    public init(fd: Int32, maxLineBytes: Int = 1 << 20, chunkSize: Int = 1 << 16) {
        self.init(source: ChunkSource(fd: fd), maxLineBytes: maxLineBytes, chunkSize: chunkSize)
    }

    /// Lines of `source`, from its first byte (a head already read included).
    public init(source: ChunkSource, maxLineBytes: Int = 1 << 20, chunkSize: Int = 1 << 16) {
        self.source = source
        self.maxLineBytes = maxLineBytes
        self.chunkSize = chunkSize
    }

    /// The first `count` lines without consuming them (for format detection).
    public mutating func peek(_ count: Int) -> [Line] {
        while lookahead.count < count, let line = readLine() { lookahead.append(line) }
        return Array(lookahead.prefix(count))
    }

    public mutating func next() -> Line? {
        if !lookahead.isEmpty { return lookahead.removeFirst() }
        return readLine()
    }

    /// The line without a UTF-8 byte-order mark when it is the input's first.
    private func withoutMark(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        lineNumber == 1 && line.starts(with: ByteOrderMark.utf8) ? line.dropFirst(ByteOrderMark.utf8.count) : line
    }

    private mutating func readLine() -> Line? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                if skipping {
                    let total = skippedBytes + (newline - start)
                    skipping = false
                    skippedBytes = 0
                    start = newline + 1
                    return .oversized(number: lineNumber, bytes: total)
                }
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = withoutMark(buffer[start..<end])
                start = newline + 1
                if line.count > maxLineBytes { return .oversized(number: lineNumber, bytes: line.count) }
                return .text(number: lineNumber, bytes: line)
            }
            // No newline in the buffer: drop an oversized partial line, else read more.
            if buffer.count - start > maxLineBytes {
                skippedBytes += buffer.count - start
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            if eof {
                guard start < buffer.count || skipping else { return nil }
                lineNumber += 1
                if skipping {
                    // Consume the tail of the oversized line too, or it comes back as a line.
                    let total = skippedBytes + buffer.count - start
                    skipping = false
                    skippedBytes = 0
                    start = buffer.count
                    return .oversized(number: lineNumber, bytes: total)
                }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = withoutMark(buffer[start..<end])
                start = buffer.count
                return .text(number: lineNumber, bytes: line)
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            beforeRead?()
            let old = buffer.count
            buffer.reserveCapacity(old + chunkSize)
            buffer.append(contentsOf: repeatElement(0, count: chunkSize))
            let n = buffer.withUnsafeMutableBytes { raw in
                source.read(into: raw.baseAddress! + old, count: chunkSize)
            }
            if n < 0 {
                buffer.removeSubrange(old...)
                eof = true
                return .readError(number: lineNumber + 1, errno: Int32(-n))
            }
            buffer.removeSubrange((old + n)...)
            if n == 0 { eof = true }
        }
    }
}
