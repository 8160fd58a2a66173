/// Bytes of an input one at a time, with the current line number, for the tokenizers of formats
/// that are not line-based (XML, JSON documents).
///
/// Invariants: memory is one chunk whatever the input size; `line` is 1 plus the number of LF
/// bytes returned so far, so a token's line is `line` when its first byte is read; after a read
/// error `next()` returns nil and `readError` holds the errno.
struct ByteInput {
    private var source: ChunkSource
    private var buffer: [UInt8]
    private var position = 0
    private var end = 0
    private(set) var atEnd = false
    /// The line of the next byte.
    private(set) var line = 1
    /// The errno of a failed read, if one failed.
    private(set) var readError: Int32?

    init(source: ChunkSource, chunkSize: Int = 1 << 16) {
        self.source = source
        self.buffer = [UInt8](repeating: 0, count: Swift.max(1, chunkSize))
    }

    var bytesRead: Int { source.bytesRead }

    /// The next byte, or nil at the end of the input.
    @inline(__always)
    mutating func next() -> UInt8? {
        if position == end, !refill() { return nil }
        let byte = buffer[position]
        position += 1
        if byte == 0x0A { line += 1 }
        return byte
    }

    /// The next byte without consuming it.
    @inline(__always)
    mutating func peek() -> UInt8? {
        if position == end, !refill() { return nil }
        return buffer[position]
    }

    private mutating func refill() -> Bool {
        guard !atEnd else { return false }
        let n = buffer.withUnsafeMutableBytes { raw in source.read(into: raw.baseAddress!, count: raw.count) }
        if n <= 0 {
            atEnd = true
            if n < 0 { readError = Int32(-n) }
            return false
        }
        position = 0
        end = n
        return true
    }
}
