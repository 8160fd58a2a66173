import Foundation
import ScamLiterals
import PCRE2

/// Text as it sounds: the normalized text with each Han character replaced by its toneless pinyin
/// syllable (`HanPinyin`), so homophones typed by speech-to-text or by a scammer read the same
/// ("百万保账" and "百万保障" are both `bai wan bao zhang`), and pinyin typed in the text lines
/// up with them ("屏mu共xiang" is `ping mu gong xiang`).
///
/// The text, from the normalized text (lowercased, simplified, separators between Han removed),
/// scalar by scalar:
/// - a Han character with a syllable becomes that syllable (ASCII lowercase letters);
/// - a single space separates a syllable from a syllable, letter or digit next to it (the only
///   bytes the view adds; a space, a newline or punctuation already there is kept as it is and
///   none is added beside it): `验证码123` is `yan zheng ma 123`, `验证码：123` is `yan zheng ma：123`;
/// - Latin letters with tone marks or other diacritics lose them (`mì`, `lǜ` → `mi`, `lu`;
///   combining marks U+0300-036F are dropped): pinyin written with tones matches pinyin without;
/// - everything else (digits, punctuation, Han without a syllable, other scripts) is kept.
///
/// Invariants: `subject` is valid UTF-8; every byte maps (`originalRange(of:)`) to the original
/// scalar it came from, through the normalized text: a syllable and the space after it (or, after
/// a letter, before it) map to their Han character, so a match in the view is evidence in the
/// original, and ranges never go backwards.
public struct PhoneticText: Sendable {
    public let subject: Subject
    /// The normalized text the view was made from.
    public let normalized: NormalizedText
    /// Phonetic bytes to normalized bytes.
    let map: ByteMap

    /// The view as a string.
    public var text: String { String(decoding: subject.bytes, as: UTF8.self) }

    /// The normalized byte range of a phonetic byte range.
    public func normalizedRange(of range: Range<Int>) -> Range<Int> { map.sourceRange(of: range, in: subject.bytes) }

    /// The original byte range of a phonetic byte range.
    public func originalRange(of range: Range<Int>) -> Range<Int> { normalized.originalRange(of: normalizedRange(of: range)) }

    /// What the last scalar written was, which decides whether a separating space goes next.
    private enum Last { case other, word, syllable }

    /// The phonetic view of a normalized text: one pass, a table lookup per scalar. Without
    /// `mapped` the bytes are the same but no map is kept (`originalRange(of:)` must not be
    /// used): for looking before knowing whether anything will need mapping.
    public init(of normalized: NormalizedText, mapped: Bool = true) {
        let input = normalized.subject.bytes
        // A Han character (3 bytes) becomes at most a space and 6 letters, any other scalar at
        // most a space and itself: 3 bytes out for each byte in is always enough.
        let capacity = input.count * 3 + 8
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { out.deallocate() }
        var count = 0
        // A Han character is an atomic segment of its own: 3 values for its 3 bytes.
        var map = ByteMapWriter(capacity: mapped ? input.count + 48 : 0)
        var last = Last.other
        var hanStart: Int32 = 0, hanEnd: Int32 = 0  // the last Han character written as a syllable
        let syllableOf = PhoneticText.syllableTable, entries = PhoneticText.syllableEntries
        let letters = PhoneticText.syllableLetters, latin = PhoneticText.latinFold
        input.withUnsafeBufferPointer { bytes in
            let n = bytes.count
            var i = 0
            while i < n {
                let b0 = bytes[i]
                let start = Int32(i)
                if b0 < 0x80 {
                    i += 1
                    let word = PhoneticText.isASCIIWord(b0)
                    if word && last == .syllable {
                        if mapped { map.record(Int32(count), hanStart, hanEnd, linear: false) }
                        out[count] = 0x20; count += 1
                    }
                    if mapped { map.record(Int32(count), start, Int32(i), linear: true) }
                    out[count] = b0; count += 1
                    last = word ? .word : .other
                    continue
                }
                let width = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
                var v: UInt32
                switch width {
                case 2: v = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                case 3: v = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                default:
                    v = UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                        | UInt32(bytes[i + 3] & 0x3F)
                }
                i += width
                let end = Int32(i)
                if v >= HanPinyin.first && v <= HanPinyin.last, case let k = syllableOf[Int(v - HanPinyin.first)], k != 0 {
                    if last != .other {
                        // The space belongs to the syllable before it, or to this one after a letter.
                        if last == .syllable { if mapped { map.record(Int32(count), hanStart, hanEnd, linear: false) } }
                        else { if mapped { map.record(Int32(count), start, end, linear: false) } }
                        out[count] = 0x20; count += 1
                    }
                    if mapped { map.record(Int32(count), start, end, linear: false) }
                    let entry = entries[Int(k)]
                    let from = Int(entry >> 8)
                    for j in from..<(from + Int(entry & 0xFF)) { out[count] = letters[j]; count += 1 }
                    last = .syllable
                    hanStart = start; hanEnd = end
                    continue
                }
                let fold = v < PhoneticText.latinFoldEnd ? latin[Int(v)] : PhoneticText.kind(of: v)
                if fold == PhoneticText.drop { continue }
                let word = fold != PhoneticText.keepOther
                if word && last == .syllable {
                    if mapped { map.record(Int32(count), hanStart, hanEnd, linear: false) }
                    out[count] = 0x20; count += 1
                }
                if fold > PhoneticText.keepWord {
                    // A letter without its diacritics: one ASCII byte for a wider scalar.
                    if mapped { map.record(Int32(count), start, end, linear: false) }
                    out[count] = fold; count += 1
                } else {
                    if mapped { map.record(Int32(count), start, end, linear: true) }
                    for j in Int(start)..<i { out[count] = bytes[j]; count += 1 }
                }
                last = word ? .word : .other
            }
        }
        subject = Subject(validUTF8: Array(UnsafeBufferPointer(start: out, count: count)))
        self.normalized = normalized
        self.map = ByteMap(segments: map.segments)
    }

    // MARK: - Tables

    /// Values of `latinFold` (and `kind(of:)`) below an ASCII letter: keep the scalar, as a
    /// word character or not; drop it (a combining diacritic). Any other value is the ASCII
    /// letter the scalar becomes.
    private static let keepOther: UInt8 = 0, keepWord: UInt8 = 1, drop: UInt8 = 2
    /// `latinFold` covers the scalars below this: Latin-1, Latin Extended-A and -B, the combining
    /// diacritics, Latin Extended Additional (all the pinyin tone marks, `ḿ` included).
    private static let latinFoldEnd: UInt32 = 0x1F00

    @inline(__always)
    private static func isASCIIWord(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A)
    }

    /// Whether a scalar at or above `latinFoldEnd` (and without a syllable) is a word character.
    private static func kind(of v: UInt32) -> UInt8 {
        if v >= 0x3000 && v < 0x3040 { return keepOther }  // CJK punctuation
        guard let s = Unicode.Scalar(v) else { return keepOther }
        let p = s.properties
        return p.isAlphabetic || p.numericType != nil ? keepWord : keepOther
    }

    // The tables as plain pointers (never freed), like the normalizer's: an array read from every
    // scanning thread would have its reference count updated from every core.

    /// `keepOther`, `keepWord`, `drop` or an ASCII letter for each scalar below `latinFoldEnd`.
    private nonisolated(unsafe) static let latinFold: UnsafePointer<UInt8> = FrozenArray((0..<latinFoldEnd).map { v -> UInt8 in
        if v < 0x80 { return isASCIIWord(UInt8(v)) ? keepWord : keepOther }
        if (0x300..<0x370).contains(v) { return drop }
        guard let s = Unicode.Scalar(v) else { return keepOther }
        let parts = Array(String(s).decomposedStringWithCanonicalMapping.unicodeScalars)
        if let base = parts.first, base.value < 0x80, isASCIIWord(UInt8(base.value)), base.properties.isAlphabetic,
           parts.dropFirst().allSatisfy({ (0x300..<0x370).contains($0.value) }), parts.count > 1 {
            return UInt8(base.value | 0x20)
        }
        return s.properties.isAlphabetic || s.properties.numericType != nil ? keepWord : keepOther
    }).leaked()

    /// `HanPinyin.dense`: the syllable number of each scalar of U+3400...U+9FFF.
    private nonisolated(unsafe) static let syllableTable: UnsafePointer<UInt16> = FrozenArray(HanPinyin.dense).leaked()

    /// The letters of every syllable, one after another.
    private nonisolated(unsafe) static let syllableLetters: UnsafePointer<UInt8> =
        FrozenArray(HanPinyin.syllables.flatMap { Array($0.utf8) }).leaked()

    /// Each syllable number's letters in `syllableLetters`: `offset << 8 | length`.
    private nonisolated(unsafe) static let syllableEntries: UnsafePointer<UInt32> = {
        var offset: UInt32 = 0
        return FrozenArray(HanPinyin.syllables.map { s -> UInt32 in
            defer { offset += UInt32(s.utf8.count) }
            return offset << 8 | UInt32(s.utf8.count)
        }).leaked()
    }()
}

extension Normalizer {
    /// The phonetic view of `text` (see `PhoneticText`), with its normalized text.
    public func phonetic(_ text: String) -> PhoneticText { PhoneticText(of: normalize(text)) }
}
