import PCRE2

/// Turns input bytes into text without ever failing: invalid UTF-8 is replaced with U+FFFD and
/// the offset of the first bad byte is returned so the caller can report it.
public enum TextDecoding {
    public static func decode<C: Collection<UInt8>>(_ bytes: C) -> (text: String, invalidAt: Int?) where C.Index == Int {
        if let decoded = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return decoded }
        return Array(bytes).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// One validating pass for valid text (the common case); the offset of the first bad byte
    /// is looked for only when there is one.
    public static func decode(buffer: UnsafeBufferPointer<UInt8>) -> (text: String, invalidAt: Int?) {
        if let text = String(validating: buffer, as: UTF8.self) { return (text, nil) }
        return (String(decoding: buffer, as: UTF8.self), Subject.firstInvalidUTF8(buffer) ?? 0)
    }

    /// Byte offset of the first invalid UTF-8 sequence, or nil when all is valid.
    public static func firstInvalidUTF8<C: Collection<UInt8>>(_ bytes: C) -> Int? where C.Index == Int {
        Subject.firstInvalidUTF8(bytes)
    }
}
