import CPCRE2

/// An error reported by PCRE2, turned into Swift at one place (`PCRE2Error.check`).
///
/// `code` is PCRE2's own negative (match) or positive (compile) error number, so callers can
/// compare against PCRE2's documentation; `kind` groups the codes callers act on.
public struct PCRE2Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in the terms a caller acts on.
    public enum Kind: Equatable, Sendable {
        /// The pattern does not compile; `offset` is the byte offset in the pattern.
        case compile
        /// The match limit was hit: the pattern backtracks too much on this subject.
        case matchLimit
        /// The depth (recursion) limit was hit (interpreter only).
        case depthLimit
        /// The heap limit was hit (interpreter only).
        case heapLimit
        /// The JIT stack was exhausted even at its maximum size.
        case jitStackLimit
        /// The subject is not valid UTF-8; `offset` is the byte offset of the bad sequence.
        case invalidUTF8
        /// Anything else PCRE2 reports (out of memory, internal errors).
        case other
    }

    public let kind: Kind
    /// PCRE2's error number.
    public let code: Int32
    /// Byte offset in the pattern (compile errors) or the subject (UTF-8 errors), if known.
    public let offset: Int?
    /// PCRE2's message for `code`.
    public let message: String

    public init(kind: Kind, code: Int32, offset: Int?, message: String) {
        self.kind = kind
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String {
        if let offset { return "\(message) (PCRE2 error \(code) at offset \(offset))" }
        return "\(message) (PCRE2 error \(code))"
    }

    /// Builds the error for a PCRE2 error number, fetching PCRE2's message text.
    static func from(code: Int32, offset: Int? = nil, compile: Bool = false) -> PCRE2Error {
        PCRE2Error(kind: compile ? .compile : kind(of: code), code: code, offset: offset,
                   message: messageText(code))
    }

    static func kind(of code: Int32) -> Kind {
        switch code {
        case PCRE2_ERROR_MATCHLIMIT: return .matchLimit
        case PCRE2_ERROR_DEPTHLIMIT: return .depthLimit
        case PCRE2_ERROR_HEAPLIMIT: return .heapLimit
        case PCRE2_ERROR_JIT_STACKLIMIT: return .jitStackLimit
        case PCRE2_ERROR_UTF8_ERR21...PCRE2_ERROR_UTF8_ERR1: return .invalidUTF8
        default: return .other
        }
    }

    static func messageText(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBufferPointer { pcre2_get_error_message_8(code, $0.baseAddress, 256) }
        guard n > 0 else { return "unknown PCRE2 error" }
        return String(decoding: buffer[0..<Int(n)], as: UTF8.self)
    }
}
