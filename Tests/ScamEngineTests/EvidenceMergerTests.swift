import Foundation
import Testing
@testable import ScamEngine

/// One excerpt per span (`EvidenceMerger`) and excerpts that end at a token boundary
/// (`ExcerptBoundary`).
@Suite struct EvidenceMergerTests {
    static let text = "我这边是微信支付平台客服，您先下载一个会议软件，我们通过共享屏幕帮您关闭"
    static let bytes = Array(text.utf8)

    /// A piece over `phrase` (its first occurrence) of `text`.
    func piece(_ phrase: String, _ signal: String, _ rule: String, score: Int = 10, line: Int = 1, in text: String = text) -> Evidence {
        let bytes = Array(text.utf8), needle = Array(phrase.utf8)
        let start = (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }!
        var e = Evidence(source: SourcePosition(file: "f", line: line), time: nil, signal: signal, rule: rule, excerpt: phrase,
                         span: start..<(start + needle.count), speaker: nil, recordID: nil)
        e.score = score
        return e
    }

    @Test func theSameSpanIsListedOnceWithEveryRuleAndSignal() {
        let merged = EvidenceMerger.merged([
            piece("我这边是微信支付平台客服", "pretext.support", "a", score: 20),
            piece("我这边是微信支付平台客服", "pretext.support", "b", score: 35),
            piece("我这边是微信支付平台客服", "claim.platform", "c"),
        ])
        #expect(merged.count == 1)
        #expect(merged[0].rules == ["a", "b", "c"] && merged[0].signals == ["pretext.support", "claim.platform"])
        #expect(merged[0].rule == "a" && merged[0].score == 35 && merged[0].excerpt == "我这边是微信支付平台客服")
    }

    @Test func overlappingPiecesOfOneSignalBecomeTheirUnion() {
        let merged = EvidenceMerger.merged([
            piece("您先下载一个会议软件", "instruct.install_app", "a"),
            piece("下载一个会议软件，我们", "instruct.install_app", "b"),
            piece("共享屏幕帮您", "instruct.screen_share", "c"),
        ])
        #expect(merged.map(\.excerpt) == ["您先下载一个会议软件，我们", "共享屏幕帮您"])
        #expect(merged[0].rules == ["a", "b"])
        let whole = Array("您先下载一个会议软件，我们".utf8)
        #expect(Array(EvidenceMergerTests.bytes[merged[0].span]) == whole, "the span is the union's, in the original")
    }

    @Test func overlappingPiecesOfDifferentSignalsStayApart() {
        let merged = EvidenceMerger.merged([
            piece("通过共享屏幕", "instruct.screen_share", "a"),
            piece("共享屏幕帮您关闭", "pretext.password_free", "b"),
        ])
        #expect(merged.count == 2)
    }

    @Test func piecesOfDifferentRecordsNeverMerge() {
        let merged = EvidenceMerger.merged([
            piece("会议软件", "instruct.install_app", "a", line: 1),
            piece("会议软件", "instruct.install_app", "b", line: 2),
        ])
        #expect(merged.count == 2)
    }

    /// A cut excerpt («…») merged with a piece that overlaps it: the union shows what both show.
    @Test func aCutExcerptMergesWithoutInventingText() {
        var long = piece("我这边是微信支付平台客服，您先下载", "x", "a")
        long.excerpt = "我这边是…"  // the scanner cut it after 4 scalars
        let tail = piece("支付平台客服", "x", "b")
        let merged = EvidenceMerger.merged([long, tail])
        #expect(merged.count == 1)
        #expect(merged[0].excerpt == "我这边是…", "nothing of the text between the two is shown, so the union stays cut")
        let head = piece("我这边是微信", "x", "c")
        let both = EvidenceMerger.union(head, piece("微信支付平台客服，您先下载", "x", "d"))
        #expect(both.excerpt == "我这边是微信支付平台客服，您先下载")
    }

    @Test func learnedScorerPiecesPassThrough() {
        var model = piece("微信支付", "model.scam_likely", "model.scam-likely")
        model.weight = 0.5
        model.score = nil
        let merged = EvidenceMerger.merged([piece("微信支付平台", "s", "a"), model])
        #expect(merged.count == 2 && merged[1].weight == 0.5)
    }

    /// Evidence decoded from a flow snapshot (written before merging existed) has one rule.
    @Test func snapshotsDecodeWithOneRule() throws {
        let e = piece("会议软件", "s", "a")
        let data = try JSONEncoder().encode(e)
        let back = try JSONDecoder().decode(Evidence.self, from: data)
        #expect(back.rules == ["a"] && back.signals == ["s"] && !String(decoding: data, as: UTF8.self).contains("moreRules"))
    }

    @Test(arguments: [
        ("你先转5000元到安全账户", "你先转5", "你先转5000"),
        ("please send otp123 now", "otp", "otp123"),
        ("金额为5,000.50元", "5,0", "5,000.50"),
        ("转账５０００元", "转账５", "转账５０００"),
        ("验证码发给我", "验证码", "验证码"),
        ("call 4008617203 now", "86172", "4008617203"),
    ])
    func excerptsEndAtATokenBoundary(text: String, matched: String, expected: String) {
        let bytes = Array(text.utf8), needle = Array(matched.utf8)
        let start = (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }!
        let widened = ExcerptBoundary.widened(start..<(start + needle.count), in: bytes)
        #expect(String(decoding: bytes[widened], as: UTF8.self) == expected)
    }
}
