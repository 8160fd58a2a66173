/// The toneless pinyin syllable of a Han character, one syllable per character.
///
/// Generated once by `scripts/gen-pinyin` from ICU's Han-Latin transform (Foundation's
/// `applyingTransform(.mandarinToLatin)` then `.stripDiacritics`) over U+3400-4DBF and
/// U+4E00-9FFF, and committed (`HanPinyinTable.swift`): the transform costs about 0.4 ms a short
/// string, far too slow per record, while this is a table lookup. A polyphonic character gets
/// ICU's one reading (行 is `xing`, 重 `zhong`), `ü` loses its dots like every tone mark (绿 is
/// `lu`, 女 `nu`), and a character ICU reads as no single run of letters (兙, Yijing hexagrams,
/// code points not yet assigned) has no syllable. The view is for hearing homophones, not for
/// reading aloud: 保账 and 保障 are both `bao zhang`.
///
/// Invariant: every syllable is 1 to 6 ASCII lowercase letters.
///
/// Pure Swift beside `TraditionalToSimplified`: the normalizer's phonetic view reads it at run
/// time and pack tooling may read it at build time.
public enum HanPinyin {
    /// The first and last scalar the table covers.
    public static let first: UInt32 = 0x3400, last: UInt32 = 0x9FFF

    /// The syllables, number 1 first (0 means none).
    public static let syllables: [String] = [""] + syllableText.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    /// The syllable number of each scalar from `first` to `last` (0 when it has none).
    public static let dense: [UInt16] = {
        var dense = [UInt16](repeating: 0, count: Int(last - first + 1))
        var digit = [UInt8](repeating: 0, count: 128)
        for (value, byte) in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_".utf8.enumerated() {
            digit[Int(byte)] = UInt8(value)
        }
        var k = 0
        var high: UInt8?
        for byte in indexText.utf8 where byte != 0x0A {
            guard let h = high else { high = digit[Int(byte)]; continue }
            dense[k] = UInt16(h) * 64 + UInt16(digit[Int(byte)])
            k += 1
            high = nil
        }
        precondition(k == dense.count, "HanPinyinTable.swift holds \(k) entries, not \(dense.count)")
        return dense
    }()

    /// The toneless syllable of a Han character (simplified or not), nil for any other scalar.
    public static func syllable(of scalar: Unicode.Scalar) -> String? {
        let v = scalar.value
        guard v >= first && v <= last else { return nil }
        let k = dense[Int(v - first)]
        return k == 0 ? nil : syllables[Int(k)]
    }
}
