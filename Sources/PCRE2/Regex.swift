import CPCRE2

/// A compiled PCRE2 pattern (UTF + UCP), JIT-compiled when the platform supports it.
///
/// A `Regex` owns its `pcre2_code` and frees it on deinit. Compiled code is read-only after
/// construction, so one `Regex` may be shared by any number of threads; the per-match state
/// (match data, JIT stack, limits) lives in a `Matcher`, one per thread.
public final class Regex: @unchecked Sendable {
    /// Compile-time options on top of the fixed `UTF | UCP | NEVER_BACKSLASH_C`.
    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let caseless = Options(rawValue: PCRE2_CASELESS)
        public static let dotAll = Options(rawValue: PCRE2_DOTALL)
        public static let multiline = Options(rawValue: PCRE2_MULTILINE)
    }

    /// The pattern as given.
    public let pattern: String
    /// Whether matching runs JIT code (false when JIT is unavailable on this platform).
    public let isJIT: Bool
    let code: OpaquePointer

    /// Compiles `pattern`.
    /// - Throws: `PCRE2Error` of kind `.compile` with the byte offset in the pattern.
    public init(_ pattern: String, options: Options = []) throws(PCRE2Error) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset = 0
        let flags = PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C | options.rawValue
        let compiled: OpaquePointer? = pattern.utf8.withContiguousStorageIfAvailable { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, flags, &errorCode, &errorOffset, nil)
        } ?? {
            let bytes = Array(pattern.utf8)
            return bytes.withUnsafeBufferPointer {
                pcre2_compile_8($0.baseAddress, $0.count, flags, &errorCode, &errorOffset, nil)
            }
        }()
        guard let compiled else {
            throw PCRE2Error.from(code: errorCode, offset: errorOffset, compile: true)
        }
        code = compiled
        isJIT = pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0
    }

    deinit { pcre2_code_free_8(code) }
}
