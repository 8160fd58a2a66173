import CPCRE2
import Foundation

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
        /// Matches only at the start offset (one attempt, not a search): see
        /// `Matcher.forEachMatch(anchored:at:in:_:)`.
        public static let anchored = Options(rawValue: PCRE2_ANCHORED)
    }

    /// When the JIT compiler runs.
    public enum JIT: Sendable {
        /// At construction.
        case eager
        /// On the first match, by the `Matcher` that runs it (see `compileJIT()`). For pattern
        /// libraries compiled at every start: JIT is two thirds of compile time (measured:
        /// 285 rules, 45-80 ms of JIT against 34 ms for everything else), and behind a literal
        /// prefilter most rules see no text at all in a short run.
        case onFirstMatch
    }

    /// The pattern as given.
    public let pattern: String
    /// Whether JIT waits for the first match.
    public let jit: JIT
    let code: OpaquePointer
    // JIT state: written once, under the lock.
    private let jitLock = NSLock()
    private var jitTried = false
    private var jitCompiled = false

    /// Whether matching runs JIT code (false when JIT is unavailable on this platform). JIT-
    /// compiles first when that was deferred.
    public var isJIT: Bool { compileJIT() }

    /// Compiles `pattern`.
    /// - Throws: `PCRE2Error` of kind `.compile` with the byte offset in the pattern.
    public init(_ pattern: String, options: Options = [], jit: JIT = .eager) throws(PCRE2Error) {
        self.jit = jit
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
        if jit == .eager { _ = compileJIT() }
    }

    /// JIT-compiles the pattern unless that was done; returns whether it runs as JIT code.
    ///
    /// Thread-safe: the first caller compiles under the lock while any other waits. A `Matcher`
    /// calls it before its first match of a deferred pattern and does not match until it
    /// returns, so JIT never changes code that another thread is running.
    @discardableResult
    public func compileJIT() -> Bool {
        jitLock.lock()
        defer { jitLock.unlock() }
        if !jitTried {
            jitCompiled = pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE) == 0
            jitTried = true
        }
        return jitCompiled
    }

    /// The pattern's named groups `(?<name>...)` with the number PCRE2 gave each, in the order
    /// of its name table (by name); a name appears once per group that bears it (several only
    /// under `(?J)` or in a `(?|...)` branch reset). Read from the compiled code on each call,
    /// which is immutable, so any thread may ask.
    public var namedGroups: [(name: String, number: Int)] {
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        guard pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count) == 0, count > 0,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize) == 0,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table) == 0, let table
        else { return [] }
        // Each entry: the group number in two bytes, most significant first, then the name,
        // NUL-terminated, padded to `entrySize` (pcre2api, "Information about a pattern").
        return (0..<Int(count)).map { i in
            let entry = table + i * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            return (String(cString: entry + 2), number)
        }
    }

    deinit { pcre2_code_free_8(code) }
}
