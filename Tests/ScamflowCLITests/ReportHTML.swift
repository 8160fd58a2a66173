import Foundation

/// Reading the HTML report in tests: its shape checked strictly (only the elements and
/// attributes the renderer writes, properly nested), the parts of it that show people, and the
/// inputs that attack it.
enum ReportHTML {
    /// The elements and attributes `ReportRenderer` writes. Anything else on a page came from
    /// the input and means escaping failed.
    static let elements: Set<String> = [
        "html", "head", "meta", "title", "style", "body", "main", "header", "nav", "section", "footer", "h1", "h2", "h3",
        "p", "div", "ul", "ol", "li", "a", "b", "strong", "span", "code", "mark", "time", "table", "thead", "tbody", "tr",
        "th", "td", "details", "summary",
    ]
    static let voidElements: Set<String> = ["meta"]
    static let attributes: Set<String> = ["lang", "class", "id", "href", "title", "datetime", "charset", "name", "content", "http-equiv"]
    /// Attributes written bare (no value).
    static let bareAttributes: Set<String> = ["open"]

    /// What is wrong with the page's markup: an element or attribute the renderer never
    /// writes, an unquoted attribute, a link out of the page, a tag closed out of order.
    static func problems(_ html: String) -> [String] {
        var problems: [String] = []
        var body = html
        guard body.hasPrefix("<!DOCTYPE html>\n") else { return ["no doctype"] }
        body.removeFirst("<!DOCTYPE html>\n".count)
        // The style sheet is the renderer's own and holds no tag.
        if let open = body.range(of: "<style>"), let close = body.range(of: "</style>", range: open.upperBound..<body.endIndex) {
            body.replaceSubrange(open.upperBound..<close.lowerBound, with: "")
        }
        if body.contains("<!--") { problems.append("a comment") }
        let tag = try! NSRegularExpression(pattern: "<(/?)([^\\s>/]*)([^>]*)>")
        let attribute = try! NSRegularExpression(pattern: "\\s([^\\s=]+)=\"([^\"<>]*)\"")
        var stack: [String] = []
        let ns = body as NSString
        for match in tag.matches(in: body, range: NSRange(location: 0, length: ns.length)) {
            let closing = ns.substring(with: match.range(at: 1)) == "/"
            let name = ns.substring(with: match.range(at: 2))
            let rest = ns.substring(with: match.range(at: 3))
            guard elements.contains(name) else {
                problems.append("element <\(name)>")
                continue
            }
            if closing {
                if stack.last == name { stack.removeLast() } else { problems.append("</\(name)> closes <\(stack.last ?? "nothing")>") }
                continue
            }
            let restNS = rest as NSString
            var leftover = rest
            for a in attribute.matches(in: rest, range: NSRange(location: 0, length: restNS.length)).reversed() {
                let key = restNS.substring(with: a.range(at: 1)), value = restNS.substring(with: a.range(at: 2))
                if !attributes.contains(key) { problems.append("attribute \(key) on <\(name)>") }
                if key == "href", !value.hasPrefix("#") { problems.append("link out of the page: \(value)") }
                leftover = (leftover as NSString).replacingCharacters(in: a.range, with: "")
            }
            let bare = leftover.split(whereSeparator: \.isWhitespace).filter { !bareAttributes.contains(String($0)) }
            if !bare.isEmpty { problems.append("<\(name)> has \(bare)") }
            if !voidElements.contains(name) { stack.append(name) }
        }
        if !stack.isEmpty { problems.append("never closed: \(stack)") }
        // Text may hold `>` only as `&gt;`: a stray one means a tag was cut open.
        let text = tag.stringByReplacingMatches(in: body, range: NSRange(location: 0, length: ns.length), withTemplate: "")
        if text.contains("<") || text.contains(">") { problems.append("a bare < or > in text") }
        return problems
    }

    /// Every text between two tags (`>text<`), as a set: what `#expect(page shows x)` looks
    /// up (a search of a 2 MB page per alert id, with `String.contains`, took half a minute).
    static func texts(_ html: String) -> Set<String> {
        var out = Set<String>()
        let bytes = Array(html.utf8)
        var start: Int?
        for (i, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: ">") {
                start = i + 1
            } else if byte == UInt8(ascii: "<"), let s = start {
                if i > s { out.insert(String(decoding: bytes[s..<i], as: UTF8.self)) }
                start = nil
            }
        }
        return out
    }

    /// The text of what the page shows of people: message texts, names (subjects, peers,
    /// speakers), event attributes and excerpts, tags stripped.
    static func personal(_ html: String) -> [String] {
        let part = try! NSRegularExpression(pattern: "<(p|span) class=\"(?:text|who|attrs|ex|name)\"[^>]*>(.*?)</\\1>",
                                            options: [.dotMatchesLineSeparators])
        let tag = try! NSRegularExpression(pattern: "<[^>]*>")
        let ns = html as NSString
        return part.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { m in
            let inner = ns.substring(with: m.range(at: 2))
            return tag.stringByReplacingMatches(in: inner, range: NSRange(location: 0, length: (inner as NSString).length), withTemplate: "")
        }
    }

    /// Markup in every place input reaches the page: a subject, a peer, a speaker, a message
    /// (with evidence inside it, so the marks are cut around markup), an event name and its
    /// attributes (keys too). For the report's fixture pack (Golden/report/pack).
    static let hostileInput = Data(#"""
    {"id":"h1","time":"2025-03-06T10:00:00+08:00","subject":"\"><script>alert(1)</script>","channel":"sms","peer":"\"><img src=x onerror=alert(1)>","text":"<script>alert(\"验证码发给我\")</script> & <b>bold</b> </p></li></ol></section><h1>fake</h1>"}
    {"id":"h2","time":"2025-03-06T10:01:00+08:00","subject":"\"><script>alert(1)</script>","channel":"event","event":"<svg onload=alert(1)>","attrs":{"package":"<iframe src=javascript:alert(1)>","x\"y":"'single' & \"double\""}}
    {"id":"h3","time":"2025-03-06T10:02:00+08:00","subject":"\"><script>alert(1)</script>","channel":"call","speaker":"<u>caller</u>","text":"我是<i>台</i>客服 &amp; 免密支付下月扣费 <!-- comment --> <style>body{display:none}</style>"}

    """#.utf8)

    /// Numbers in every place input reaches the page: a subject, a speaker, a peer, message
    /// texts (one inside the evidence), event attributes (a number, a payee, a memo, an amount).
    static let numbersInput = Data(#"""
    {"id":"n1","time":"2025-03-06T10:00:00+08:00","subject":"李四 13900001111","channel":"event","event":"call.incoming","attrs":{"number":"+86 171 0000 5821","in_contacts":false}}
    {"id":"n2","time":"2025-03-06T10:01:00+08:00","subject":"李四 13900001111","channel":"call","speaker":"王警官 8866","text":"我是微信支付平台客服，卡号6222021234567890123的免密支付下月扣费"}
    {"id":"n3","time":"2025-03-06T10:03:00+08:00","subject":"李四 13900001111","channel":"sms","peer":"+8613812345678","text":"快把验证码482913发给我，再转到6217000011112222"}
    {"id":"n4","time":"2025-03-06T10:04:00+08:00","subject":"李四 13900001111","channel":"event","event":"payment.transfer","attrs":{"amount":49000,"payee":"张三 6217000011112222","memo":"ref 77889900"}}

    """#.utf8)
}
