/// A map from the bytes of a derived text (normalized, phonetic) back to the scalars of the text
/// it was derived from.
///
/// Segments, three values each: first derived byte, first source byte, and the end of the source
/// scalar for an *atomic* segment (-1 for a *linear* one). In a linear segment every scalar was
/// copied from one source scalar of the same UTF-8 width, and the source scalars are contiguous,
/// so a byte maps by its offset; in an atomic segment every byte came from the same source scalar
/// (an expansion such as `㎏` → `kg`, a change of width such as `，` → `,`, a syllable such as
/// `保` → `bao `) and maps to all of it. Segments are in order of both derived and source bytes,
/// so any derived range maps to a source range on scalar boundaries that never goes backwards.
struct ByteMap: Sendable {
    let segments: [Int32]

    /// The source range of a derived range; `bytes` is the derived text.
    func sourceRange(of range: Range<Int>, in bytes: [UInt8]) -> Range<Int> {
        let count = bytes.count
        guard count > 0 else { return 0..<0 }
        if range.isEmpty {
            let at = range.lowerBound < count ? start(range.lowerBound, in: bytes) : end(count - 1, in: bytes)
            return at..<at
        }
        return start(range.lowerBound, in: bytes)..<end(range.upperBound - 1, in: bytes)
    }

    /// Index (in units of 3) of the segment holding derived byte `i`.
    private func segment(_ i: Int) -> Int {
        var lo = 0, hi = segments.count / 3 - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(segments[mid * 3]) <= i { lo = mid } else { hi = mid - 1 }
        }
        return lo * 3
    }

    /// Start of the source scalar behind derived byte `i`.
    func start(_ i: Int, in bytes: [UInt8]) -> Int {
        let k = segment(i)
        if segments[k + 2] >= 0 { return Int(segments[k + 1]) }
        var p = i
        while p > Int(segments[k]), bytes[p] & 0xC0 == 0x80 { p -= 1 }
        return Int(segments[k + 1]) + p - Int(segments[k])
    }

    /// End of the source scalar behind derived byte `i`.
    func end(_ i: Int, in bytes: [UInt8]) -> Int {
        let k = segment(i)
        if segments[k + 2] >= 0 { return Int(segments[k + 2]) }
        var q = i + 1
        while q < bytes.count, bytes[q] & 0xC0 == 0x80 { q += 1 }
        return Int(segments[k + 1]) + q - Int(segments[k])
    }
}

/// Builds a `ByteMap` while a derived text is written, scalar by scalar, in order.
struct ByteMapWriter {
    var segments: [Int32] = []
    // The open segment: linear (next source byte expected) or atomic (its source scalar).
    private var linearNext: Int32 = -1
    private var atomicStart: Int32 = -1, atomicEnd: Int32 = -1

    init(capacity: Int = 48) { segments.reserveCapacity(capacity) }

    /// Derived bytes from `position` on came from the source scalar [start, end): copied as they
    /// were (`linear`, same width) or not.
    @inline(__always)
    mutating func record(_ position: Int32, _ start: Int32, _ end: Int32, linear: Bool) {
        if linear {
            if linearNext == start { linearNext = end; return }
            segments.append(position); segments.append(start); segments.append(-1)
            linearNext = end
            atomicStart = -1
        } else {
            if atomicStart == start && atomicEnd == end { return }
            segments.append(position); segments.append(start); segments.append(end)
            atomicStart = start; atomicEnd = end
            linearNext = -1
        }
    }
}

extension ByteMap {
    /// The map of the derived text with the byte ranges `deleted` removed (sorted, disjoint,
    /// on scalar boundaries, within `count`, the derived text's length): every kept byte still
    /// maps to the source scalar it mapped to.
    func deleting(_ deleted: [Range<Int>], count: Int) -> ByteMap {
        var out: [Int32] = []
        out.reserveCapacity(segments.count + 3 * deleted.count)
        let n = segments.count / 3
        var d = 0, removed = 0
        for k in 0..<n {
            let start = Int(segments[k * 3]), end = k + 1 < n ? Int(segments[(k + 1) * 3]) : count
            let source = Int(segments[k * 3 + 1]), atomicEnd = segments[k * 3 + 2]
            var p = start
            while p < end {
                while d < deleted.count, deleted[d].upperBound <= p { d += 1 }
                if d < deleted.count, deleted[d].lowerBound <= p {
                    let stop = min(deleted[d].upperBound, end)
                    removed += stop - p
                    p = stop
                    continue
                }
                let stop = d < deleted.count ? min(deleted[d].lowerBound, end) : end
                out.append(Int32(p - removed))
                out.append(Int32(atomicEnd >= 0 ? source : source + p - start))
                out.append(atomicEnd)
                p = stop
            }
        }
        return ByteMap(segments: out)
    }
}
