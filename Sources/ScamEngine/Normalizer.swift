import Foundation
import PCRE2

/// Text as the rules see it, with a map back to the original for evidence.
///
/// Invariants: `subject` is valid UTF-8; `originStart.count == originEnd.count == subject.bytes.count`;
/// for every normalized byte `i`, `originStart[i] < originEnd[i]` and both are offsets into the
/// original text's UTF-8 on scalar boundaries, so any normalized range maps to a valid original range.
public struct NormalizedText: Sendable {
    public let subject: Subject
    let originStart: [Int32]
    let originEnd: [Int32]
    /// Number of Han characters seen (drives language detection).
    public let hanCount: Int

    /// The original byte range of a normalized byte range.
    public func originalRange(of range: Range<Int>) -> Range<Int> {
        guard !originStart.isEmpty else { return 0..<0 }
        if range.isEmpty {
            let at = range.lowerBound < originStart.count ? Int(originStart[range.lowerBound]) : Int(originEnd[originEnd.count - 1])
            return at..<at
        }
        return Int(originStart[range.lowerBound])..<Int(originEnd[range.upperBound - 1])
    }

    /// `zh` when the text has Han characters, else `en`.
    public var detectedLanguage: String { hanCount > 0 ? "zh" : "en" }
}

/// Folds the spellings people (and scammers) use into one form before matching.
///
/// Steps, per Unicode scalar of the original: drop format characters (zero-width spaces, joiners,
/// direction marks, soft hyphens, variation selectors); NFKC (full-width letters and digits, circled
/// digits); lowercase Latin; traditional to simplified Han; and drop runs of up to
/// `maxSeparatorRun` spaces and symbols that stand between two Han characters ("免 密 支 付",
/// "免*密", "关闭【免密支付】"). Newlines are never dropped: they separate turns and lines.
///
/// NFKC is applied scalar by scalar (so every output byte maps to one original scalar); combining
/// sequences are therefore not composed, which matters only for accented Latin.
///
/// A `Normalizer` caches per-scalar mappings and is not thread-safe: use one per thread.
public final class Normalizer {
    /// The longest run of separators removed between two Han characters.
    public let maxSeparatorRun: Int
    private var cache: [UInt32: [Unicode.Scalar]] = [:]

    public init(maxSeparatorRun: Int = 3) {
        self.maxSeparatorRun = maxSeparatorRun
    }

    public func normalize(_ text: String) -> NormalizedText {
        var out: [UInt8] = []
        var starts: [Int32] = []
        var ends: [Int32] = []
        out.reserveCapacity(text.utf8.count)
        starts.reserveCapacity(text.utf8.count)
        ends.reserveCapacity(text.utf8.count)
        var hanCount = 0
        // Separators seen since the last Han character, held until we know what follows them.
        var pending: [(scalar: Unicode.Scalar, start: Int32, end: Int32)] = []
        var lastWasHan = false

        func emit(_ scalar: Unicode.Scalar, _ start: Int32, _ end: Int32) {
            var buffer: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let n = withUnsafeMutableBytes(of: &buffer) { raw -> Int in
                var i = 0
                UTF8.encode(scalar) { raw[i] = $0; i += 1 }
                return i
            }
            withUnsafeBytes(of: &buffer) { raw in
                for i in 0..<n {
                    out.append(raw[i])
                    starts.append(start)
                    ends.append(end)
                }
            }
        }

        func flushPending() {
            for p in pending { emit(p.scalar, p.start, p.end) }
            pending.removeAll(keepingCapacity: true)
        }

        var offset: Int32 = 0
        for scalar in text.unicodeScalars {
            let start = offset
            let end = offset + Int32(UTF8.width(scalar))
            offset = end
            for mapped in map(scalar) {
                if Normalizer.isHan(mapped) {
                    hanCount += 1
                    if lastWasHan && !pending.isEmpty && pending.count <= maxSeparatorRun {
                        pending.removeAll(keepingCapacity: true)
                    } else {
                        flushPending()
                    }
                    emit(mapped, start, end)
                    lastWasHan = true
                } else if lastWasHan && Normalizer.isSeparator(mapped) {
                    pending.append((mapped, start, end))
                    if pending.count > maxSeparatorRun {
                        flushPending()
                        lastWasHan = false
                    }
                } else {
                    flushPending()
                    emit(mapped, start, end)
                    lastWasHan = false
                }
            }
        }
        flushPending()
        return NormalizedText(subject: Subject(validUTF8: out), originStart: starts, originEnd: ends, hanCount: hanCount)
    }

    /// The normalized scalars for one original scalar (empty when it is dropped).
    @inline(__always)
    private func map(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let v = scalar.value
        if v < 0x80 {
            if v >= 0x41 && v <= 0x5A { return [Unicode.Scalar(v + 0x20)!] }
            return [scalar]
        }
        if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) {
            if let simplified = TraditionalToSimplified.table[v] { return [Unicode.Scalar(simplified)!] }
            return [scalar]
        }
        if let cached = cache[v] { return cached }
        let result = Normalizer.slowMap(scalar)
        cache[v] = result
        return result
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

    /// Simplified form of the Han characters in a pattern, leaving everything else untouched,
    /// so a pattern written in traditional characters matches normalized text.
    public static func simplifyHan(in pattern: String) -> String {
        var out = String.UnicodeScalarView()
        for s in pattern.unicodeScalars {
            if let simplified = TraditionalToSimplified.table[s.value] { out.append(Unicode.Scalar(simplified)!) } else { out.append(s) }
        }
        return String(out)
    }
}
