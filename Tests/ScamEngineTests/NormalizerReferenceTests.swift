import Foundation
import Testing
@testable import ScamEngine
@testable import ScamLiterals

/// The table-driven normalizer gives exactly what the first, scalar-by-scalar one gave: the
/// same bytes, the same Han count and the same original range for every normalized range.
@Suite struct NormalizerReferenceTests {
    /// The first normalizer, kept as the specification: a dense map (two offsets per byte).
    struct Reference {
        var maxSeparatorRun = 3

        func normalize(_ text: String) -> (bytes: [UInt8], starts: [Int32], ends: [Int32], hanCount: Int) {
            var out: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = []
            var hanCount = 0
            var pending: [(scalar: Unicode.Scalar, start: Int32, end: Int32)] = []
            var lastWasHan = false
            func emit(_ scalar: Unicode.Scalar, _ start: Int32, _ end: Int32) {
                for byte in String(scalar).utf8 {
                    out.append(byte)
                    starts.append(start)
                    ends.append(end)
                }
            }
            func flushPending() {
                for p in pending { emit(p.scalar, p.start, p.end) }
                pending.removeAll()
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
                            pending.removeAll()
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
            // Look-alikes across scalars: the normalizer's own step, applied to the dense map.
            if let deleted = LookAlikes.fold(&out), !deleted.isEmpty {
                let gone = Set(deleted.flatMap { Array($0) })
                let kept = out.indices.filter { !gone.contains($0) }
                out = kept.map { out[$0] }
                starts = kept.map { starts[$0] }
                ends = kept.map { ends[$0] }
            }
            return (out, starts, ends, hanCount)
        }

        func map(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
            let v = scalar.value
            if v < 0x80 {
                if v >= 0x41 && v <= 0x5A { return [Unicode.Scalar(v + 0x20)!] }
                return [scalar]
            }
            if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) {
                if let lookAlike = LookAlikes.han[v] { return [Unicode.Scalar(lookAlike)!] }
                if let simplified = TraditionalToSimplified.table[v] { return [Unicode.Scalar(simplified)!] }
                return [scalar]
            }
            return Normalizer.slowMap(scalar)
        }

        static func originalRange(_ r: Range<Int>, starts: [Int32], ends: [Int32]) -> Range<Int> {
            guard !starts.isEmpty else { return 0..<0 }
            if r.isEmpty {
                let at = r.lowerBound < starts.count ? Int(starts[r.lowerBound]) : Int(ends[ends.count - 1])
                return at..<at
            }
            return Int(starts[r.lowerBound])..<Int(ends[r.upperBound - 1])
        }
    }

    func check(_ text: String, _ normalizer: Normalizer, allRanges: Bool) {
        let expected = Reference().normalize(text)
        let got = normalizer.normalize(text)
        #expect(got.subject.bytes == expected.bytes, "bytes of «\(text)»")
        #expect(got.hanCount == expected.hanCount, "Han count of «\(text)»")
        guard got.subject.bytes == expected.bytes else { return }
        let n = expected.bytes.count
        if allRanges {
            for lo in 0...n {
                for hi in lo...n {
                    let want = Reference.originalRange(lo..<hi, starts: expected.starts, ends: expected.ends)
                    #expect(got.originalRange(of: lo..<hi) == want, "range \(lo)..<\(hi) of «\(text)»")
                }
            }
        } else {
            for i in 0..<n {
                #expect(got.originalRange(of: i..<(i + 1)) == Reference.originalRange(i..<(i + 1), starts: expected.starts, ends: expected.ends))
            }
            #expect(got.originalRange(of: 0..<n) == Reference.originalRange(0..<n, starts: expected.starts, ends: expected.ends))
        }
    }

    @Test func handPickedTexts() {
        let normalizer = Normalizer()
        for text in ["", "a", "ＶＩＰ１２３", "①②", "Bank OTP", "刷臉認證", "免\u{200B}密\u{200D}支\u{FEFF}付", "免 密 支 付",
                     "免*密*支*付", "免-密·支•付", "免　密", "关闭【免密支付】功能", "免😀密", "免    密", "免\n密", "验证码 123456",
                     "，：（）！", "你好。", "㎏㎡ﷺ", "e\u{301}", "Ａ免 密\u{200B}支付😀ＶＩＰ驗證\n", "𫵷㠣", "免 \u{200B} 密",
                     "P@yPal acc0unt", "b a n k", "p.a.y.p.a.l", "acc★ount", "4OO8l23456", "囯家", "your b a n k 验证码"] {
            check(text, normalizer, allRanges: true)
        }
    }

    @Test func randomTexts() {
        var rng = SplitMix(seed: 5)
        let pieces = ["a", "B", " ", "*", "-", "·", "免", "密", "驗", "證", "碼", "，", "。", "！", "Ａ", "１", "①", "\u{200B}", "😀", "㎏",
                      "\n", "\t", "【", "】", "ﷺ", "é", "e\u{301}", "𫵷", "㠣", "ß", "İ", "Σ", "K", "ſ"]
        let normalizer = Normalizer()
        for _ in 0..<600 {
            let text = (0..<rng.next(0...14)).map { _ in pieces[rng.next(0...(pieces.count - 1))] }.joined()
            check(text, normalizer, allRanges: true)
        }
    }

    @Test func corpusTexts() throws {
        let normalizer = Normalizer()
        for sample in try PrefilterEquivalenceTests.corpus() { check(sample.text, normalizer, allRanges: false) }
    }
}
