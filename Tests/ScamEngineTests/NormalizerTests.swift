import Testing
@testable import ScamEngine

@Suite struct NormalizerTests {
    func normalized(_ s: String) -> String {
        String(decoding: Normalizer().normalize(s).subject.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("ＶＩＰ１２３", "vip123"),                 // NFKC full-width
        ("①②", "12"),
        ("Bank OTP", "bank otp"),                   // Latin lowercased
        ("刷臉認證", "刷脸认证"),                      // traditional to simplified
        ("驗證碼", "验证码"),
        ("免\u{200B}密\u{200D}支\u{FEFF}付", "免密支付"), // zero-width and format characters
        ("免 密 支 付", "免密支付"),                   // separators between Han
        ("免*密*支*付", "免密支付"),
        ("免-密·支•付", "免密支付"),
        ("免　密", "免密"),                           // ideographic space
        ("关闭【免密支付】功能", "关闭免密支付功能"),
        ("免😀密", "免密"),                          // emoji between Han
        ("免    密", "免    密"),                    // a run longer than 3 is kept
        ("免\n密", "免\n密"),                         // newlines are structure
        ("hello world", "hello world"),             // spaces between Latin words stay
        ("验证码 123456", "验证码 123456"),           // between Han and digits: kept
        ("，：（）！", ",:()!"),                       // full-width punctuation to ASCII
        ("你好。", "你好。"),
    ])
    func normalizes(input: String, expected: String) {
        #expect(normalized(input) == expected)
    }

    @Test func spansMapBackToTheOriginal() throws {
        let original = "请把驗 證 碼告訴我"
        let n = Normalizer().normalize(original)
        let text = String(decoding: n.subject.bytes, as: UTF8.self)
        #expect(text == "请把验证码告诉我")
        // "验证码" in the normalized text is bytes 6..<15.
        let range = n.originalRange(of: 6..<15)
        let bytes = Array(original.utf8)
        #expect(String(decoding: bytes[range], as: UTF8.self) == "驗 證 碼")
    }

    @Test func everyNormalizedByteMapsToAScalarBoundary() {
        let original = "Ａ免 密\u{200B}支付😀ＶＩＰ驗證\n"
        let n = Normalizer().normalize(original)
        let utf8 = Array(original.utf8)
        for i in 0..<n.subject.bytes.count {
            let r = n.originalRange(of: i..<(i + 1))
            #expect(r.lowerBound < r.upperBound && r.upperBound <= utf8.count)
            #expect(utf8[r.lowerBound] & 0xC0 != 0x80, "span starts inside a scalar")
        }
    }

    @Test func languageDetection() {
        #expect(Normalizer().normalize("hello").detectedLanguage == "en")
        #expect(Normalizer().normalize("hi 你好").detectedLanguage == "zh")
    }

    @Test func patternHanIsSimplified() {
        #expect(Normalizer.simplifyHan(in: "(?:驗證碼|刷臉)\\d{4}") == "(?:验证码|刷脸)\\d{4}")
    }
}
