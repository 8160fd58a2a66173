import Foundation
import ScamLiterals
import PCRE2

/// Text as the rules see it, with a map back to the original for evidence.
///
/// Invariants: `subject` is valid UTF-8. `map` (see `ByteMap`) takes every normalized byte to the
/// original scalar it came from, so any normalized range maps to a valid original range on
/// scalar boundaries.
public struct NormalizedText: Sendable {
    public let subject: Subject
    /// Normalized bytes to original bytes.
    let map: ByteMap
    /// Number of Han characters seen (drives language detection).
    public let hanCount: Int

    /// The original byte range of a normalized byte range.
    public func originalRange(of range: Range<Int>) -> Range<Int> { map.sourceRange(of: range, in: subject.bytes) }

    /// Start of the original scalar behind normalized byte `i`.
    func originStart(_ i: Int) -> Int { map.start(i, in: subject.bytes) }

    /// End of the original scalar behind normalized byte `i`.
    func originEnd(_ i: Int) -> Int { map.end(i, in: subject.bytes) }

    /// `zh` when the text has Han characters, else `en`.
    public var detectedLanguage: String { hanCount > 0 ? "zh" : "en" }
}

/// Folds the spellings people (and scammers) use into one form before matching.
///
/// Steps, per Unicode scalar of the original: drop format characters (zero-width spaces, joiners,
/// direction marks, soft hyphens, variation selectors); NFKC (full-width letters and digits, circled
/// digits); lowercase Latin; traditional to simplified Han, and Han look-alikes to the character
/// they imitate (`LookAlikes`); then, across scalars, the Latin look-alikes of `LookAlikes`
/// (leetspeak, spaced letters, symbols inside a word, letters in a digit run); and drop runs of up to
/// `maxSeparatorRun` spaces and symbols that stand between two Han characters ("免 密 支 付",
/// "免*密", "关闭【免密支付】"). Newlines are never dropped: they separate turns and lines.
///
/// NFKC is applied scalar by scalar (so every output byte maps to one original scalar); combining
/// sequences are therefore not composed, which matters only for accented Latin.
///
/// ASCII and the main Han blocks take a table lookup each; other scalars are mapped once and
/// cached. A `Normalizer` owns that cache and an output buffer, so it is not thread-safe: use one
/// per thread.
public final class Normalizer {
    /// The longest run of separators removed between two Han characters.
    public let maxSeparatorRun: Int
    /// Cache of mapped scalars outside ASCII and the main Han blocks, BMP scalars by value:
    /// 0 = not yet mapped, else `known | start << 8 | count`, a range of `pool`. Others by
    /// dictionary. Pool values carry `hanFlag` and `separatorFlag`.
    ///
    /// (Storage the hot loop reads is held through `let` pointers: a `var` property of a class
    /// costs a dynamic exclusivity check on every access.)
    private let bmpEntry: UnsafeMutablePointer<UInt32>
    private var astralEntry: [UInt32: UInt32] = [:]
    private var pool: UnsafeMutablePointer<UInt32>
    private var poolCount = 0
    private var poolCapacity = 1024
    private static let known: UInt32 = 1 << 31
    private static let hanFlag: UInt32 = 1 << 31
    private static let separatorFlag: UInt32 = 1 << 30
    private static let valueMask: UInt32 = (1 << 21) - 1

    /// Output buffer, reused across texts.
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    public init(maxSeparatorRun: Int = 3) {
        self.maxSeparatorRun = maxSeparatorRun
        capacity = 4096
        buffer = .allocate(capacity: capacity)
        bmpEntry = .allocate(capacity: 0x10000)
        bmpEntry.initialize(repeating: 0, count: 0x10000)
        pool = .allocate(capacity: poolCapacity)
    }

    deinit {
        buffer.deallocate()
        bmpEntry.deallocate()
        pool.deallocate()
    }

    public func normalize(_ text: String) -> NormalizedText {
        var text = text
        return text.withUTF8 { normalize(validUTF8: $0) }
    }

    /// Separators held after a Han character until we know what follows them.
    private struct Pending {
        var value: UInt32
        var start: Int32
        var end: Int32
        var linear: Bool
    }

    /// The output of one text being normalized: bytes, the map back, and the separators held
    /// after a Han character until what follows them is known. A struct with mutating methods,
    /// not closures over locals, so the compiler checks exclusivity statically.
    private struct Writer {
        var out: UnsafeMutablePointer<UInt8>
        var count = 0
        var map = ByteMapWriter()
        var hanCount = 0
        var pending: [Pending] = []
        var lastWasHan = false
        let maxSeparatorRun: Int

        init(out: UnsafeMutablePointer<UInt8>, maxSeparatorRun: Int) {
            self.out = out
            self.maxSeparatorRun = maxSeparatorRun
        }

        @inline(__always)
        mutating func emit(_ value: UInt32, _ start: Int32, _ end: Int32, linear: Bool) {
            let position = Int32(count)
            if value < 0x80 {
                out[count] = UInt8(value); count += 1
            } else if value < 0x800 {
                out[count] = UInt8(0xC0 | value >> 6)
                out[count + 1] = UInt8(0x80 | value & 0x3F); count += 2
            } else if value < 0x10000 {
                out[count] = UInt8(0xE0 | value >> 12)
                out[count + 1] = UInt8(0x80 | (value >> 6) & 0x3F)
                out[count + 2] = UInt8(0x80 | value & 0x3F); count += 3
            } else {
                out[count] = UInt8(0xF0 | value >> 18)
                out[count + 1] = UInt8(0x80 | (value >> 12) & 0x3F)
                out[count + 2] = UInt8(0x80 | (value >> 6) & 0x3F)
                out[count + 3] = UInt8(0x80 | value & 0x3F); count += 4
            }
            map.record(position, start, end, linear: linear)
        }

        mutating func flushPending() {
            for k in pending.indices {
                let p = pending[k]
                emit(p.value, p.start, p.end, linear: p.linear)
            }
            pending.removeAll(keepingCapacity: true)
        }

        /// One normalized scalar `value` (with its flags) from the original scalar [start, end).
        @inline(__always)
        mutating func process(_ value: UInt32, han: Bool, separator: Bool, _ start: Int32, _ end: Int32, linear: Bool) {
            if han {
                hanCount += 1
                if lastWasHan && !pending.isEmpty && pending.count <= maxSeparatorRun {
                    pending.removeAll(keepingCapacity: true)
                } else if !pending.isEmpty {
                    flushPending()
                }
                emit(value, start, end, linear: linear)
                lastWasHan = true
            } else if lastWasHan && separator {
                pending.append(Pending(value: value, start: start, end: end, linear: linear))
                if pending.count > maxSeparatorRun {
                    flushPending()
                    lastWasHan = false
                }
            } else {
                if !pending.isEmpty { flushPending() }
                emit(value, start, end, linear: linear)
                lastWasHan = false
            }
        }
    }

    private func normalize(validUTF8 input: UnsafeBufferPointer<UInt8>) -> NormalizedText {
        var w = Writer(out: buffer, maxSeparatorRun: maxSeparatorRun)
        var capacity = self.capacity
        var pool = self.pool
        let bmpEntry = self.bmpEntry
        let n = input.count
        var i = 0
        let asciiSeparator = Normalizer.asciiSeparatorTable
        let hanTable = Normalizer.hanSimplifiedTable
        while i < n {
            // Room for the longest expansion of one scalar plus the pending separators.
            if w.count + 256 + 4 * w.pending.count > capacity {
                grow(to: max(capacity * 2, w.count + 256 + 4 * w.pending.count), keeping: w.count)
                w.out = buffer
                capacity = self.capacity
            }
            let b0 = input[i]
            let start = Int32(i)
            if b0 < 0x80 {
                i += 1
                var v = UInt32(b0)
                if v >= 0x41 && v <= 0x5A { v += 0x20 }
                w.process(v, han: false, separator: asciiSeparator[Int(b0)], start, Int32(i), linear: true)
                continue
            }
            // Valid UTF-8 (it came from a String): decode without checks.
            let width: Int
            var v: UInt32
            if b0 < 0xE0 {
                width = 2; v = UInt32(b0 & 0x1F) << 6 | UInt32(input[i + 1] & 0x3F)
            } else if b0 < 0xF0 {
                width = 3; v = UInt32(b0 & 0x0F) << 12 | UInt32(input[i + 1] & 0x3F) << 6 | UInt32(input[i + 2] & 0x3F)
            } else {
                width = 4
                v = UInt32(b0 & 0x07) << 18 | UInt32(input[i + 1] & 0x3F) << 12 | UInt32(input[i + 2] & 0x3F) << 6 | UInt32(input[i + 3] & 0x3F)
            }
            i += width
            let end = Int32(i)
            if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) {
                let simplified = hanTable[Int(v - 0x3400)]
                if simplified != 0 { v = simplified }
                w.process(v, han: Normalizer.isHan(v), separator: false, start, end,
                          linear: Normalizer.utf8Width(v) == width)
                continue
            }
            var entry = v < 0x10000 ? bmpEntry[Int(v)] : 0
            if entry == 0 {
                entry = mapped(v)
                pool = self.pool
            }
            let first = Int(entry >> 8 & 0x7F_FFFF), length = Int(entry & 0xFF)
            let linear = length == 1 && Normalizer.utf8Width(pool[first] & Normalizer.valueMask) == width
            for k in first..<(first + length) {
                let m = pool[k]
                w.process(m & Normalizer.valueMask, han: m & Normalizer.hanFlag != 0, separator: m & Normalizer.separatorFlag != 0,
                          start, end, linear: linear)
            }
        }
        if !w.pending.isEmpty { w.flushPending() }
        var bytes = [UInt8](UnsafeBufferPointer(start: w.out, count: w.count))
        var map = ByteMap(segments: w.map.segments)
        // Look-alikes across scalars (leetspeak, spaced letters, symbols inside words, letters in
        // digit runs): substitutions keep the map, deletions rebuild it.
        if let deleted = LookAlikes.fold(&bytes), !deleted.isEmpty {
            map = map.deleting(deleted, count: bytes.count)
            var kept: [UInt8] = []
            kept.reserveCapacity(bytes.count)
            var at = 0
            for range in deleted {
                kept += bytes[at..<range.lowerBound]
                at = range.upperBound
            }
            kept += bytes[at...]
            bytes = kept
        }
        return NormalizedText(subject: Subject(validUTF8: bytes), map: map, hanCount: w.hanCount)
    }

    private func grow(to newCapacity: Int, keeping count: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity = newCapacity
    }

    static func utf8Width(_ v: UInt32) -> Int { v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4 }

    /// The cache entry of one scalar outside ASCII and the main Han blocks (see `bmpEntry`),
    /// mapping it on first sight.
    private func mapped(_ v: UInt32) -> UInt32 {
        if v < 0x10000, bmpEntry[Int(v)] != 0 { return bmpEntry[Int(v)] }
        if v >= 0x10000, let e = astralEntry[v] { return e }
        let scalars = Normalizer.slowMap(Unicode.Scalar(v)!)
        if poolCount + scalars.count > 0x7F_FFFF {
            // An entry addresses 23 bits of pool: start the cache over (only hostile input
            // with millions of distinct rare scalars gets here).
            bmpEntry.update(repeating: 0, count: 0x10000)
            astralEntry.removeAll()
            poolCount = 0
        }
        let start = poolCount
        if poolCount + scalars.count > poolCapacity {
            let bigger = UnsafeMutablePointer<UInt32>.allocate(capacity: max(poolCapacity * 2, poolCount + scalars.count))
            bigger.update(from: pool, count: poolCount)
            pool.deallocate()
            pool = bigger
            poolCapacity = max(poolCapacity * 2, poolCount + scalars.count)
        }
        for s in scalars {
            var value = s.value
            if Normalizer.isHan(s) { value |= Normalizer.hanFlag }
            if Normalizer.isSeparator(s) { value |= Normalizer.separatorFlag }
            pool[poolCount] = value
            poolCount += 1
        }
        let entry = Normalizer.known | UInt32(start) << 8 | UInt32(scalars.count)
        if v < 0x10000 { bmpEntry[Int(v)] = entry } else { astralEntry[v] = entry }
        return entry
    }

    // The tables as plain pointers (never freed): reading a shared array from every scanning
    // thread would update its reference count from every core.
    private nonisolated(unsafe) static let asciiSeparatorTable: UnsafePointer<Bool> = FrozenArray(asciiSeparator).leaked()
    /// Traditional → simplified, with the Han look-alikes (`LookAlikes.han`) laid over it.
    private nonisolated(unsafe) static let hanSimplifiedTable: UnsafePointer<UInt32> = FrozenArray({ () -> [UInt32] in
        var table = TraditionalToSimplified.dense
        for (from, to) in LookAlikes.han where from >= 0x3400 && from <= 0x9FFF { table[Int(from - 0x3400)] = to }
        return table
    }()).leaked()

    /// Whether each ASCII byte is a separator.
    private static let asciiSeparator: [Bool] = (0..<128).map { isSeparator(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    static func isHan(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2FA1F).contains(v)
    }

    /// Full mapping for scalars outside ASCII and the main Han blocks.
    static func slowMap(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let props = scalar.properties
        if props.generalCategory == .format || props.isVariationSelector { return [] }
        let folded = String(scalar).precomposedStringWithCompatibilityMapping
        var result: [Unicode.Scalar] = []
        for s in folded.unicodeScalars {
            if s.properties.generalCategory == .format { continue }
            if s.properties.isUppercase || s.properties.changesWhenLowercased {
                result.append(contentsOf: String(s).lowercased().unicodeScalars)
            } else if let simplified = TraditionalToSimplified.table[s.value] {
                result.append(Unicode.Scalar(simplified)!)
            } else {
                result.append(s)
            }
        }
        return result
    }

    /// Han ideographs (after NFKC, compatibility ideographs are already unified ones).
    @inline(__always)
    static func isHan(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2FA1F).contains(v)
    }

    /// Characters that obfuscators put between Han characters and that carry no meaning there.
    static func isSeparator(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x0D: return false  // line structure is kept
        case 0x09, 0x20, 0x2A, 0x2D, 0x2E, 0x5F, 0x7C, 0x2F, 0x5C, 0x7E, 0x2B, 0x3D, 0x23, 0x5E, 0x60, 0x40, 0x26,
             0x3C, 0x3E, 0x27, 0x22, 0x5B, 0x5D:
            return true
        case 0x00B7, 0x2022, 0x30FB, 0x2027, 0x2219, 0x22C5: return true  // middle dots and bullets
        case 0x201C, 0x201D, 0x2018, 0x2019, 0x300C...0x300F, 0x3010, 0x3011, 0x300A, 0x300B, 0x3014, 0x3015: return true
        default:
            switch s.properties.generalCategory {
            case .spaceSeparator, .otherSymbol, .modifierSymbol, .mathSymbol, .dashPunctuation, .connectorPunctuation:
                return true
            default:
                return false
            }
        }
    }

    /// Simplified form of the Han characters in a pattern (see `TraditionalToSimplified`).
    public static func simplifyHan(in pattern: String) -> String { TraditionalToSimplified.simplify(pattern) }
}
