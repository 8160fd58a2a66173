/// Text ready for matching: UTF-8 bytes that are known to be valid.
///
/// Invariant: `bytes` is valid UTF-8. That is guaranteed by construction (from a `String`, which
/// Swift keeps valid, or by the validating initializer), which is what lets `Matcher` pass
/// `PCRE2_NO_UTF_CHECK` and validate each record once instead of once per pattern.
public struct Subject: Sendable {
    public let bytes: [UInt8]

    /// A subject from a string: always valid.
    public init(_ string: String) { bytes = Array(string.utf8) }

    /// A subject from bytes that are already known to be valid UTF-8 (for example the output
    /// of the normalizer, which writes only whole scalars).
    public init(validUTF8 bytes: [UInt8]) { self.bytes = bytes }

    /// A subject from untrusted bytes.
    /// - Throws: `PCRE2Error` of kind `.invalidUTF8` with the offset of the first bad byte.
    public init(validating bytes: [UInt8]) throws(PCRE2Error) {
        if let offset = Subject.firstInvalidUTF8(bytes) {
            throw PCRE2Error(kind: .invalidUTF8, code: PCRE2Error.invalidUTF8Code, offset: offset,
                             message: "invalid UTF-8 sequence")
        }
        self.bytes = bytes
    }

    /// Byte offset of the first invalid UTF-8 sequence, or nil when all is valid.
    public static func firstInvalidUTF8<C: Collection<UInt8>>(_ bytes: C) -> Int? where C.Index == Int {
        if let result = bytes.withContiguousStorageIfAvailable({ firstInvalidUTF8(buffer: $0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { firstInvalidUTF8(buffer: $0) }
    }

    /// The validator proper, on contiguous bytes: runs of ASCII go 8 bytes at a time (events
    /// are all ASCII, Chinese text has ASCII between its characters), the rest by the table of
    /// well-formed sequences (Unicode 15, table 3-7).
    static func firstInvalidUTF8(buffer bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let raw = UnsafeRawBufferPointer(bytes)
        let end = bytes.count
        var i = 0
        while i < end {
            while i + 8 <= end, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < end else { break }
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            // The sequence's continuation bytes must all be present.
            guard i + need < end else { return i }
            let b1 = bytes[i + 1]
            guard b1 >= lo && b1 <= hi else { return i }
            var k = 2
            while k <= need {
                guard bytes[i + k] & 0xC0 == 0x80 else { return i }
                k += 1
            }
            i += need + 1
        }
        return nil
    }

    /// The start of the scalar after byte `offset` (for stepping past an empty match).
    static func nextScalarStart(_ buffer: UnsafeBufferPointer<UInt8>, after offset: Int) -> Int {
        var i = offset + 1
        while i < buffer.count, buffer[i] & 0xC0 == 0x80 { i += 1 }
        return i
    }
}

extension PCRE2Error {
    /// PCRE2's code for a truncated UTF-8 character, used for errors found by `Subject`.
    static let invalidUTF8Code: Int32 = -3
}
