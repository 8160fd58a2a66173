import PCRE2

/// Turns input bytes into text without ever failing: invalid UTF-8 is replaced with U+FFFD and
/// the offset of the first bad byte is returned so the caller can report it.
public enum TextDecoding {
    public static func decode<C: Collection<UInt8>>(_ bytes: C) -> (text: String, invalidAt: Int?) where C.Index == Int {
        if let offset = Subject.firstInvalidUTF8(bytes) {
            return (String(decoding: bytes, as: UTF8.self), offset)
        }
        return (String(decoding: bytes, as: UTF8.self), nil)
    }

    /// Byte offset of the first invalid UTF-8 sequence, or nil when all is valid.
    public static func firstInvalidUTF8<C: Collection<UInt8>>(_ bytes: C) -> Int? where C.Index == Int {
        Subject.firstInvalidUTF8(bytes)
    }
}
