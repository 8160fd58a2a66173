import Testing
import ScamLiterals
@testable import ScamEngine

@Suite struct PhoneticTextTests {
    func phonetic(_ s: String) -> String { Normalizer().phonetic(s).text }

    @Test(arguments: [
        ("百万保账", "百万保障"),      // speech-to-text homophones read the same
        ("屏目共享", "屏幕共享"),
        ("验症码", "验证码"),
        ("驗證碼", "验证码"),          // traditional gives what simplified gives
        ("屏幕共享", "屏幕共享"),
        ("屏mu共xiang", "屏幕共享"),   // pinyin mixed in
        ("Píng Mù Gòng Xiǎng", "屏幕共享"),  // pinyin with tone marks, capitalized
        ("免 密 支 付", "免密支付"),
    ])
    func soundsAlike(_ a: String, _ b: String) {
        #expect(phonetic(a) == phonetic(b))
    }

    @Test(arguments: [
        ("百万保障", "bai wan bao zhang"),
        ("屏mu共xiang", "ping mu gong xiang"),
        ("验证码123456", "yan zheng ma 123456"),   // a space between a syllable and a digit
        ("验证码 123456", "yan zheng ma 123456"),  // none added beside one already there
        ("验证码：123456", "yan zheng ma:123456"), // nor beside punctuation (NFKC made it ASCII)
        ("你好。", "ni hao。"),
        ("VIP会员", "vip hui yuan"),
        ("转zhang", "zhuan zhang"),
        ("mian mi zhi fu", "mian mi zhi fu"),
        ("lǜ nǚ ḿ ǹg", "lu nu m ng"),               // tone marks and ü stripped
        ("mi\u{0300}", "mi"),                       // a combining tone mark dropped
        ("兙元", "兙 yuan"),                        // no syllable: kept, and set apart
        ("𠀀好", "𠀀 hao"),
        ("免\n密", "mian\nmi"),                     // line structure kept
        ("", ""),
    ])
    func view(_ input: String, _ expected: String) {
        #expect(phonetic(input) == expected)
    }

    @Test func tableCoversTheMainBlocks() {
        #expect(HanPinyin.syllable(of: "障") == "zhang")
        #expect(HanPinyin.syllable(of: "障") == HanPinyin.syllable(of: "账"))
        #expect(HanPinyin.syllable(of: "a") == nil)
        let covered = HanPinyin.dense.filter { $0 != 0 }.count
        #expect(covered > 26_000)
        #expect(HanPinyin.syllables.count > 400 && HanPinyin.syllables.count < 450)
        for s in HanPinyin.syllables.dropFirst() {
            #expect((1...6).contains(s.utf8.count) && s.utf8.allSatisfy { (0x61...0x7A).contains($0) }, "\(s)")
        }
    }

    @Test func syllablesMapBackToTheirCharacters() throws {
        let original = "请开启屏 幕 共享"
        let view = Normalizer().phonetic(original)
        #expect(view.text == "qing kai qi ping mu gong xiang")
        let bytes = Array(view.subject.bytes)
        let range = try #require(view.text.range(of: "ping mu gong"))
        let lower = view.text.utf8.distance(from: view.text.startIndex, to: range.lowerBound)
        let upper = view.text.utf8.distance(from: view.text.startIndex, to: range.upperBound)
        #expect(bytes.count == view.text.utf8.count)
        let back = view.originalRange(of: lower..<upper)
        #expect(String(decoding: Array(original.utf8)[back], as: UTF8.self) == "屏 幕 共")
        // "mu" in "屏mu共xiang" maps to the Latin letters, "gong" to 共.
        let mixed = "屏mu共xiang"
        let m = Normalizer().phonetic(mixed)
        #expect(String(decoding: Array(mixed.utf8)[m.originalRange(of: 5..<7)], as: UTF8.self) == "mu")
        #expect(String(decoding: Array(mixed.utf8)[m.originalRange(of: 8..<12)], as: UTF8.self) == "共")
    }

    /// Random mixed text: every phonetic byte maps to a non-empty original range on scalar
    /// boundaries that never goes backwards, and every range maps inside the original.
    @Test func everyByteMapsToTheOriginal() {
        let pieces: [String] = ["百", "万", "保", "障", "驗", "證", "碼", "屏", "a", "Z", "9", " ", "  ", "\n", "，", "：", "。",
                                "Ｖ", "ì", "ǚ", "\u{0301}", "\u{200B}", "😀", "𠀀", "兙", "㎏", "ß", "-", "*", "【", "】", "①", "ḿ"]
        var rng = SplitMix(seed: 17)
        let normalizer = Normalizer()
        for _ in 0..<500 {
            let count = rng.next(0...23)
            let original = (0..<count).map { _ in pieces[rng.next(0...(pieces.count - 1))] }.joined()
            let view = normalizer.phonetic(original)
            let utf8 = Array(original.utf8)
            #expect(String(validating: view.subject.bytes, as: UTF8.self) != nil)
            var previous = 0..<0
            for i in 0..<view.subject.bytes.count {
                let r = view.originalRange(of: i..<(i + 1))
                #expect(!r.isEmpty && r.upperBound <= utf8.count, "\(original): byte \(i) maps to \(r)")
                #expect(r.lowerBound == utf8.count || utf8[r.lowerBound] & 0xC0 != 0x80, "\(original): byte \(i) starts inside a scalar")
                #expect(r.upperBound == utf8.count || utf8[r.upperBound] & 0xC0 != 0x80, "\(original): byte \(i) ends inside a scalar")
                #expect(r.lowerBound >= previous.lowerBound && r.upperBound >= previous.upperBound, "\(original): byte \(i) goes backwards")
                previous = r
            }
            let n = view.subject.bytes.count
            for a in 0...n {
                for b in a...n {
                    let r = view.originalRange(of: a..<b)
                    #expect(r.lowerBound >= 0 && r.lowerBound <= r.upperBound && r.upperBound <= utf8.count)
                }
            }
        }
    }
}
