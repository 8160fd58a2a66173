import CPCRE2

/// Per-thread matching state: match data, a match context with limits, and a JIT stack.
///
/// A `Matcher` is not thread-safe (PCRE2's match data and JIT stacks are per thread); create one
/// per thread and share the `Regex` values. Every match runs under `limits`, so no pattern can
/// hang the caller: a runaway pattern ends with a `.matchLimit` error instead.
public final class Matcher {
    /// Bounds applied to every match.
    public struct Limits: Sendable, Equatable {
        /// PCRE2's match limit (calls of its internal match function; also bounds JIT).
        public var matchLimit: UInt32
        /// Depth limit (interpreter only; JIT ignores it).
        public var depthLimit: UInt32
        /// Largest JIT stack, in bytes.
        public var jitStackMax: Int

        public init(matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000, jitStackMax: Int = 4 << 20) {
            self.matchLimit = matchLimit
            self.depthLimit = depthLimit
            self.jitStackMax = jitStackMax
        }

        public static let `default` = Limits()
    }

    public let limits: Limits
    private let matchData: OpaquePointer
    private let context: OpaquePointer
    private let jitStack: OpaquePointer?
    /// Deferred-JIT patterns this matcher has made ready (held, so an identifier is never
    /// reused by another pattern while it is here). Per thread: no lock on the hot path.
    private var ready: [ObjectIdentifier: Regex] = [:]

    public init(limits: Limits = .default) {
        self.limits = limits
        // One ovector pair is enough: callers want the overall span only. PCRE2 returns 0
        // (not an error) when captures do not fit, and still fills pair 0.
        guard let data = pcre2_match_data_create_8(1, nil),
              let ctx = pcre2_match_context_create_8(nil)
        else { fatalError("PCRE2 could not allocate match data (out of memory)") }
        matchData = data
        context = ctx
        pcre2_set_match_limit_8(ctx, limits.matchLimit)
        pcre2_set_depth_limit_8(ctx, limits.depthLimit)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, max(32 * 1024, limits.jitStackMax), nil)
        if let jitStack { pcre2_jit_stack_assign_8(ctx, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    }

    /// The first match of `regex` in `subject` at or after byte `start`, as a byte range.
    ///
    /// The subject was validated once when it was made, so PCRE2 skips its own UTF-8 check.
    public func firstMatch(_ regex: Regex, in subject: Subject, from start: Int = 0) throws(PCRE2Error) -> Range<Int>? {
        try subject.bytes.withUnsafeBufferPointer { buffer throws(PCRE2Error) in
            try run(regex, buffer, start, PCRE2_NO_UTF_CHECK)
        }
    }

    /// The first match in raw bytes that were not validated: PCRE2 checks them and reports
    /// invalid UTF-8 as a `.invalidUTF8` error with its offset instead of misbehaving.
    public func firstMatch(_ regex: Regex, inUnchecked bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) throws(PCRE2Error) -> Range<Int>? {
        try run(regex, bytes, start, 0)
    }

    /// Calls `body` with each non-overlapping match in order; `body` returns false to stop.
    public func forEachMatch(_ regex: Regex, in subject: Subject, _ body: (Range<Int>) -> Bool) throws(PCRE2Error) {
        try subject.bytes.withUnsafeBufferPointer { buffer throws(PCRE2Error) in
            var start = 0
            while start <= buffer.count, let range = try run(regex, buffer, start, PCRE2_NO_UTF_CHECK) {
                guard body(range) else { return }
                // An empty match would match again at the same place: step over one character.
                start = range.isEmpty ? Subject.nextScalarStart(buffer, after: range.upperBound) : range.upperBound
            }
        }
    }

    /// Calls `body` with each non-overlapping match in order, exactly as `forEachMatch` does
    /// for the unanchored pattern, when `anchored` is that pattern compiled with `.anchored` and
    /// `starts` (ascending) holds every offset where a match can start: the offsets are tried
    /// one attempt each instead of a search over every character.
    ///
    /// Why the results agree: an unanchored search from offset `s` returns the attempt at the
    /// first offset `p >= s` (a character start) where an attempt succeeds, and the anchored
    /// pattern's attempt at `p` is that attempt; offsets outside `starts` cannot succeed. After
    /// a match both continue from its end (one character on after an empty match).
    public func forEachMatch(anchored regex: Regex, at starts: UnsafeBufferPointer<Int>, in subject: Subject,
                             _ body: (Range<Int>) -> Bool) throws(PCRE2Error) {
        try subject.bytes.withUnsafeBufferPointer { buffer throws(PCRE2Error) in
            var start = 0
            for p in starts where p >= start {
                guard let range = try run(regex, buffer, p, PCRE2_NO_UTF_CHECK) else { continue }
                guard body(range) else { return }
                start = range.isEmpty ? Subject.nextScalarStart(buffer, after: range.upperBound) : range.upperBound
            }
        }
    }

    /// The first match with the span of every capture group: element 0 is the whole match (the
    /// range `firstMatch` gives), element n group n, nil where a group took no part. Nil when
    /// nothing matches.
    ///
    /// The match data for every group is made for the call and freed after it: the scanner asks
    /// only on a hit of a rule whose title or advice names a group, so this is rare, and the
    /// per-thread match data of `firstMatch` stays one pair. Limits and JIT stack are this
    /// matcher's.
    public func firstMatchGroups(_ regex: Regex, in subject: Subject, from start: Int = 0) throws(PCRE2Error) -> [Range<Int>?]? {
        guard let data = pcre2_match_data_create_from_pattern_8(regex.code, nil) else {
            fatalError("PCRE2 could not allocate match data (out of memory)")
        }
        defer { pcre2_match_data_free_8(data) }
        return try subject.bytes.withUnsafeBufferPointer { buffer throws(PCRE2Error) -> [Range<Int>?]? in
            guard let whole = try run(regex, buffer, start, PCRE2_NO_UTF_CHECK, data: data) else { return nil }
            let pairs = Int(pcre2_get_ovector_count_8(data))
            let ovector = pcre2_get_ovector_pointer_8(data)!
            // PCRE2_UNSET, ~(PCRE2_SIZE)0, marks a group that did not take part.
            let unset = Int(bitPattern: UInt.max)
            var out: [Range<Int>?] = [whole]
            for i in 1..<max(1, pairs) {
                let lower = ovector[2 * i], upper = ovector[2 * i + 1]
                out.append(lower == unset || upper == unset || lower > upper ? nil : lower..<upper)
            }
            return out
        }
    }

    private func run(_ regex: Regex, _ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ options: UInt32,
                     data: OpaquePointer? = nil) throws(PCRE2Error) -> Range<Int>? {
        let matchData = data ?? self.matchData
        guard start <= buffer.count else { return nil }
        // PCRE2 rejects a NULL subject even with length 0; give it a valid empty buffer.
        let base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        if regex.jit == .onFirstMatch, ready[ObjectIdentifier(regex)] == nil {
            regex.compileJIT()
            ready[ObjectIdentifier(regex)] = regex
        }
        let rc = pcre2_match_8(regex.code, base, buffer.count, start, options, matchData, context)
        if rc == PCRE2_ERROR_NOMATCH { return nil }
        if rc < 0 {
            if PCRE2Error.kind(of: rc) == .invalidUTF8 {
                throw PCRE2Error.from(code: rc, offset: pcre2_get_startchar_8(matchData))
            }
            throw PCRE2Error.from(code: rc)
        }
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        let lower = ovector[0], upper = ovector[1]
        // \K in a lookbehind can produce start > end; clamp so `Range` stays valid.
        return lower <= upper ? lower..<upper : upper..<upper
    }
}
