import Testing
import PCRE2
import ScamLiterals
@testable import ScamEngine

/// The pinyin form of a pattern (`PhoneticPattern`) against the phonetic view of texts.
@Suite struct PhoneticPatternTests {
    func converted(_ pattern: String) throws -> PhoneticPattern { try PhoneticPattern(converting: pattern) }

    /// Whether the pinyin form of `pattern` matches `text`'s phonetic view, and what it took
    /// from the original text (the spaces at the ends trimmed, as the scanner does).
    func match(_ pattern: String, _ text: String) throws -> String? {
        let regex = try Regex(try converted(pattern).pattern)
        let view = Normalizer().phonetic(text)
        guard let range = try Matcher().firstMatch(regex, in: view.subject) else { return nil }
        let original = Array(text.utf8)[view.originalRange(of: PhoneticPattern.trimmed(range, in: view.subject.bytes))]
        return String(decoding: original, as: UTF8.self)
    }

    @Test(arguments: [
        ("验证码", "请把验症码念给我", "验症码"),             // a homophone
        ("验证码", "请把yan zheng ma念给我", "yan zheng ma"),  // pinyin, whole
        ("验证码", "请把yanzhengma念给我", "yanzhengma"),      // pinyin run together
        ("验证码", "请把验zheng码念给我", "验zheng码"),        // mixed in
        ("屏幕共享", "打开屏mu共xiang", "屏mu共xiang"),
        ("百万保障", "您的百万保账到期", "百万保账"),
        ("免密支付", "您的mian mi zhi fu已开通", "mian mi zhi fu"),
        ("(?:保密局|银监会).{0,6}?通知", "这里是保蜜局的通知", "保蜜局的通知"),
        ("下载app", "请下载app", "下载app"),                  // a letter after a syllable
        ("[的地得]钱", "我的前", "的前"),                      // a class of Han
        ("转账.{0,4}?\\d{4}", "zhuan zhang 5000", "zhuan zhang 5000"),
    ])
    func matchesBySound(_ pattern: String, _ text: String, _ taken: String) throws {
        #expect(try match(pattern, text) == taken)
    }

    @Test(arguments: [
        ("验证码", "他眼睁睁看着"),           // other syllables
        ("保密局", "保存一下"),
    ])
    func noMatch(_ pattern: String, _ text: String) throws {
        #expect(try match(pattern, text) == nil)
    }

    @Test func lookbehindsOfWordsKeepTheirMeaning() throws {
        let p = "(?<!不用)(?<!别)告诉我"
        #expect(try match(p, "告诉我") == "告诉我")
        #expect(try match(p, "不用告诉我") == nil)
        #expect(try match(p, "bu yong gao su wo") == nil)
        #expect(try match(p, "buyong告诉我") == nil)
        #expect(try match(p, "别gaosu我") == nil)
        #expect(try match(p, "快gao su我") == "gao su我")
    }

    @Test func gapsGrowWithTheSyllables() throws {
        let p = try converted("转账.{0,20}?验证码")
        #expect(p.pattern.contains(".{0,60}?"))
        #expect(p.minSyllables == 5)
        // Twenty Han characters between the two words still fit the gap.
        #expect(try match("转账.{0,20}?验证码", "转账" + String(repeating: "的", count: 20) + "验症码") != nil)
    }

    @Test(arguments: [
        ("验证码", 3), ("(?:验证码|密码)", 2), ("理赔", 2), ("(?:理赔)?.{0,4}?验证码", 3), ("免密(?:支付)?", 2),
        ("(?=验证码)短信", 5), ("(?!验证码)短信", 2), ("验{2}", 2), ("app", 1), ("(?:下载|安装).{0,8}?(?:todesk|向日葵)", 5),
    ])
    func minimumSyllables(_ pattern: String, _ expected: Int) throws {
        #expect(try converted(pattern).minSyllables == expected)
    }

    @Test(arguments: [
        ("(?<!不.)转账", 4), ("[^的]{0,3}", 0), ("\\p{Han}{2}", 0), ("\\Q验证码\\E", 0), ("(?x) 验证码", 0),
        ("[一-龥]", 1), ("(?(1)a|b)", 0),
    ])
    func unconvertible(_ pattern: String, _ offset: Int) throws {
        #expect(throws: PhoneticPatternError.self) { try converted(pattern) }
        do { _ = try PhoneticPattern(converting: pattern) } catch { #expect(error.offset == offset) }
    }

    @Test func groupsKeepTheirNumbersAndNames() throws {
        let p = try converted("(?<app>腾讯会议|钉钉)(验证码)")
        let regex = try Regex(p.pattern)
        let view = Normalizer().phonetic("疼讯会议yan zheng ma")
        let groups = try #require(try Matcher().firstMatchGroups(regex, in: view.subject))
        #expect(groups.count == 3)
        #expect(p.pattern.hasPrefix("(?<app>"))
    }

    @Test func trimmedDropsTheOptionalSpaces() {
        let bytes = Array(" yan zheng ma ".utf8)
        #expect(PhoneticPattern.trimmed(0..<bytes.count, in: bytes) == 1..<(bytes.count - 1))
        #expect(PhoneticPattern.trimmed(0..<1, in: bytes) == 0..<1)
    }
}
