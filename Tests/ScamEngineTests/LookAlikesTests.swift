import Testing
@testable import ScamEngine

/// Look-alike spellings the normalizer folds (`LookAlikes`), and what it must leave alone.
@Suite struct LookAlikesTests {
    func normalized(_ s: String) -> String {
        String(decoding: Normalizer().normalize(s).subject.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("P@yPal", "paypal"), ("acc0unt l0cked", "account locked"), ("Ver1fy", "verify"), ("s3curity", "security"),
        ("pa$$word", "password"), ("b@nk's", "bank's"), ("g1ft c@rds", "gift cards"), ("scr33n", "screen"),
        ("b a n k", "bank"), ("p.a.y.p.a.l", "paypal"), ("F e d E x:", "fedex:"), ("l o c k e d", "locked"),
        ("acc★ount", "account"), ("pay♥pal", "paypal"), ("verifi♥cation", "verification"),
        ("4OO8l23456", "4008123456"), ("2o25年", "2025年"), ("囯家安全局", "国家安全局"), ("吿诉我", "告诉我"),
        ("値班", "值班"),
    ])
    func folds(_ input: String, _ expected: String) {
        #expect(normalized(input) == expected)
    }

    @Test(arguments: [
        "$500", "$6.99", "10l of water", "mp3", "b2b", "a b c", "e.g.", "the b a n d", "order 12345", "1o",
        "I love you", "hello world", "13812345678", "4008-123-456", "ok👍thanks", "app下载", "A1 sauce",
        "免*密*支*付", "ＶＩＰ１２３",
    ])
    func leavesAlone(_ input: String) {
        // What the steps before look-alikes make of it, unchanged by them.
        let out = normalized(input)
        #expect(!out.isEmpty)
        if input.unicodeScalars.allSatisfy({ $0.isASCII }) { #expect(out == input.lowercased()) }
    }

    @Test func emojiAndFullWidthStillWork() {
        #expect(normalized("免😀密支付") == "免密支付")
        #expect(normalized("ＶＩＰ１２３") == "vip123")
        #expect(normalized("刷臉認證") == "刷脸认证")
    }

    /// Deleted separators and symbols keep every byte mapped: evidence still points into the
    /// original text.
    @Test(arguments: ["Your b a n k account", "p.a.y.p.a.l alert", "log in to your acc★ount now", "P@yPal 验证码 4OO8l23456"])
    func spansPointIntoTheOriginal(_ text: String) {
        let n = Normalizer().normalize(text)
        let utf8 = Array(text.utf8)
        for i in 0..<n.subject.bytes.count {
            let r = n.originalRange(of: i..<(i + 1))
            #expect(r.lowerBound < r.upperBound && r.upperBound <= utf8.count)
            #expect(utf8[r.lowerBound] & 0xC0 != 0x80)
        }
        let whole = n.originalRange(of: 0..<n.subject.bytes.count)
        #expect(whole == 0..<utf8.count)
    }

    @Test func aWordInTheMiddleMapsToItsLetters() {
        let text = "your b a n k account"
        let n = Normalizer().normalize(text)
        let out = String(decoding: n.subject.bytes, as: UTF8.self)
        let start = Array(out.utf8).firstIndex(of: UInt8(ascii: "b"))!
        let r = n.originalRange(of: start..<(start + 4))
        #expect(String(decoding: Array(text.utf8)[r], as: UTF8.self) == "b a n k")
    }
}

extension LookAlikesTests {
    @Test func emojiBetweenTwoWordsStays() {
        #expect(normalized("ok👍thanks") == "ok👍thanks")
    }
}
