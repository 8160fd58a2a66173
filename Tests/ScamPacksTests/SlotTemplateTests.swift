import Testing
@testable import ScamPacks

/// Slots in titles and advice: `{name}` and `{name|fallback}` filled, everything else literal.
@Suite struct SlotTemplateTests {
    @Test func slotsAndFallbacks() {
        let t = SlotTemplate("自称{platform|平台}客服，要你下载{app}")
        #expect(t.slotNames == ["platform", "app"])
        #expect(t.filled(["platform": "支付宝", "app": "ToDesk"]) == "自称支付宝客服，要你下载ToDesk")
        #expect(t.filled([:]) == "自称平台客服，要你下载", "the fallback, or nothing")
        #expect(t.filled(["platform": ""]) == "自称平台客服，要你下载", "an empty capture takes the fallback")
    }

    @Test(arguments: ["称{", "{}", "{1a}", "{a b}", "价格{大约}", "{name", "{a|b", "{a|x\ny}", "a}b", "{a.b}",
                      "{abcdefghijklmnopqrstuvwxyz0123456}"])
    func aBraceThatIsNotASlotIsText(text: String) {
        let t = SlotTemplate(text)
        #expect(!t.hasSlots)
        #expect(t.filled(["a": "X", "name": "X", "abcdefghijklmnopqrstuvwxyz0123456": "X"]) == text)
    }

    @Test func aSlotAfterAStrayBrace() {
        let t = SlotTemplate("{a|x{y}")
        #expect(t.parts == [.text("{a|x"), .slot(name: "y", fallback: nil)], "the first `{` opens no slot; `{y}` does")
    }

    @Test func lexiconReferenceIsTextAndReported() {
        let t = SlotTemplate("自称{{platform.name}}客服")
        #expect(!t.hasSlots, "{{name}} is a lexicon reference, never a slot")
        #expect(t.lexiconReferences == ["platform.name"])
        #expect(t.filled(["platform": "微信"]) == "自称{{platform.name}}客服")
    }

    @Test func textWithoutSlotsIsUnchanged() {
        let title = "Asks for the one-time code"
        #expect(SlotTemplate(title).filled(["x": "y"]) == title)
        #expect(SlotTemplate(title).parts == [.text(title)])
    }
}
