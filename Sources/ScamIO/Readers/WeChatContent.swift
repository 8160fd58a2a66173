import Foundation

/// The parts of WeChat message contents that matter for scams: transfer amounts and memos,
/// call outcomes, the title and description of app messages (link cards, quotes).
///
/// WeChat stores these as small XML documents (`<msg><appmsg>...<wcpayinfo>`,
/// `<voipmsg>...<msg><![CDATA[通话时长 00:32]]></msg>`); PyWxDump writes them as text
/// (`转账：￥500.00\n转账说明：...`, `语音/视频通话[通话时长 00:32]`). Both are read here
/// without a full XML parser: the elements are flat and small.
enum WeChatContent {
    struct Transfer: Equatable {
        var amount: Double?
        var memo: String?
        /// `pending` (sent, not yet accepted), `accepted`, `returned`, or WeChat's own code.
        var status: String?
    }

    enum Outcome: Equatable {
        case answered, missed, rejected, cancelled, unknown
    }

    struct CallStatus: Equatable {
        var text: String
        var outcome: Outcome
        var duration: Double?
    }

    /// The text inside `<name>...</name>`, CDATA unwrapped and entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        var value = String(xml[open.upperBound..<close.lowerBound]).trimmed()
        if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") {
            value = String(value.dropFirst(9).dropLast(3))
        } else {
            for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&amp;", "&")] {
                value = value.replacingOccurrences(of: entity, with: char)
            }
        }
        return value
    }

    /// A transfer from WeChat's `<wcpayinfo>` XML.
    static func transfer(fromXML xml: String) -> Transfer {
        var info = Transfer()
        info.amount = element("feedesc", in: xml).flatMap(amount)
        info.memo = element("pay_memo", in: xml).flatMap { $0.isEmpty ? nil : $0 }
        switch element("paysubtype", in: xml) {
        case "1"?: info.status = "pending"
        case "3"?: info.status = "accepted"
        case "4"?: info.status = "returned"
        case let code?: info.status = code
        case nil: break
        }
        return info
    }

    /// A transfer from PyWxDump's text (`转账：￥500.00\n转账说明：...` or `已收款：...`).
    static func transfer(fromText text: String) -> Transfer {
        var info = Transfer()
        info.amount = amount(text)
        info.status = text.hasPrefix("已收款") ? "accepted" : text.contains("退还") ? "returned" : "pending"
        for line in text.split(separator: "\n") where line.hasPrefix("转账说明") {
            let memo = line.drop { $0 != "：" && $0 != ":" }.dropFirst().trimmed()
            if !memo.isEmpty { info.memo = memo }
        }
        if text.hasPrefix("<") { return transfer(fromXML: text) }
        return info
    }

    /// The first amount after `￥` or `¥` (or the first number), such as `￥49,800.00` → 49800.
    static func amount(_ text: String) -> Double? {
        let start = text.firstIndex { $0 == "￥" || $0 == "¥" }.map { text.index(after: $0) } ?? text.startIndex
        let digits = text[start...].drop { !$0.isASCII || !$0.isNumber }
            .prefix { ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "," }
            .filter { $0 != "," }
        return Double(digits)
    }

    /// The outcome of a voice or video call from its bubble text (XML or PyWxDump's
    /// `语音/视频通话[...]`): `通话时长 01:23` is answered, `已取消`, `对方无应答` missed, ...
    static func voipStatus(_ content: String) -> CallStatus {
        var text = content.trimmed()
        if text.hasPrefix("<") { text = element("msg", in: text) ?? "" }
        if let open = text.firstIndex(of: "["), let close = text.lastIndex(of: "]"), open < close {
            text = String(text[text.index(after: open)..<close])
        }
        var status = CallStatus(text: text, outcome: .unknown, duration: nil)
        if text.contains("通话时长") || text.contains("Duration") {
            status.outcome = .answered
            let clock = text.split(separator: " ").last.map(String.init) ?? ""
            let parts = clock.split(separator: ":").compactMap { Int($0) }
            if !parts.isEmpty, parts.count == clock.split(separator: ":").count {
                status.duration = Double(parts.reduce(0) { $0 * 60 + $1 })
            }
        } else if text.contains("拒绝") || text.contains("Declined") {
            status.outcome = .rejected
        } else if text.contains("取消") || text.contains("Canceled") || text.contains("Cancelled") {
            status.outcome = text.hasPrefix("对方") ? .missed : .cancelled
        } else if text.contains("无应答") || text.contains("未接") || text.contains("忙线") || text.contains("No answer") || text.contains("Missed") {
            status.outcome = .missed
        }
        return status
    }

    /// The readable part of an app message (`<appmsg>`): title, description and URL of a link
    /// card, or the reply text of a quote; nil when there is none.
    static func appMessageText(_ xml: String) -> String? {
        let parts = ["title", "des", "url"].compactMap { element($0, in: xml) }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }
}
