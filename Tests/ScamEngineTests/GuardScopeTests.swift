import Testing
@testable import ScamEngine

/// A rule's `unless` reaches the sentences of its hit, the whole text for a quoted hit.
@Suite struct GuardScopeTests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The byte range of `part` in `text`.
    func span(_ part: String, in text: String) -> Range<Int> {
        let b = bytes(text), p = bytes(part)
        let start = (0...(b.count - p.count)).first { Array(b[$0..<($0 + p.count)]) == p }!
        return start..<(start + p.count)
    }

    func window(_ part: String, in text: String) -> String {
        let w = GuardScope.window(around: span(part, in: text), in: bytes(text))
        return String(decoding: bytes(text)[w], as: UTF8.self)
    }

    @Test func chineseSentencesEndAtTheirMarks() {
        let text = "官方不会以任何理由索要验证码。请把验证码发给我！谢谢"
        #expect(window("验证码发给我", in: text) == "请把验证码发给我！")
        #expect(window("谢谢", in: text) == "谢谢")
        #expect(window("官方", in: text) == "官方不会以任何理由索要验证码。")
    }

    @Test func aFullStopEndsASentenceOnlyBeforeASpaceOrTheEnd() {
        let text = "We will never ask for your PIN. Pay 3.50 at bank-help.example.com now."
        #expect(window("Pay", in: text) == " Pay 3.50 at bank-help.example.com now.")
        #expect(window("never ask", in: text) == "We will never ask for your PIN.")
    }

    @Test func aHitAcrossSentencesGetsAllOfThem() {
        let text = "一。二三。四五。六"
        #expect(window("三。四", in: text) == "二三。四五。")
    }

    @Test func aQuotationIsPartOfTheSentenceThatQuotesIt() {
        let text = "转：“您的ETC已失效。请点击链接认证。”这种短信是钓鱼。别信"
        #expect(window("请点击链接", in: text) == "转：“您的ETC已失效。请点击链接认证。”这种短信是钓鱼。")
        let english = #"Beware texts like: "Your parcel is held. Pay the fee at x.example.com". It's fake."#
        #expect(window("Pay the fee", in: english) == #"Beware texts like: "Your parcel is held. Pay the fee at x.example.com"."#)
    }

    @Test func unpairedQuotationMarksAreIgnored() {
        let text = "他说“请转账。然后删掉记录。别报警"
        #expect(window("然后", in: text) == "然后删掉记录。")
    }

    @Test func aGuardReachesItsSentenceOrAQuotedHitAnywhere() {
        let text = "我们不会索要密码。请输入密码。"
        let layout = GuardScope.Layout(bytes(text))
        let guardSpan = span("不会索要密码", in: text)
        #expect(!layout.isGuarded(span("请输入密码", in: text), by: [guardSpan]))
        #expect(layout.isGuarded(span("索要密码", in: text), by: [guardSpan]))
        let quoted = "“请输入密码。”这就是诈骗。"
        let q = GuardScope.Layout(bytes(quoted))
        #expect(q.isGuarded(span("请输入密码", in: quoted), by: [span("这就是诈骗", in: quoted)]))
        #expect(!q.isGuarded(span("请输入密码", in: quoted), by: []))
    }

    @Test func windowsStayOnScalarBoundariesAndHoldTheirSpan() {
        let text = "你好。请开启屏幕共享！Then pay. OK"
        let b = bytes(text)
        for lower in 0..<b.count where b[lower] & 0xC0 != 0x80 {
            for upper in (lower + 1)...b.count where upper == b.count || b[upper] & 0xC0 != 0x80 {
                let w = GuardScope.window(around: lower..<upper, in: b)
                #expect(w.lowerBound <= lower && w.upperBound >= upper)
                #expect(w.lowerBound == b.count || b[w.lowerBound] & 0xC0 != 0x80)
                #expect(w.upperBound == b.count || b[w.upperBound] & 0xC0 != 0x80)
            }
        }
    }
}
