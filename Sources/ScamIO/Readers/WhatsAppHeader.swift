import Foundation

/// The start of a message in a WhatsApp chat export: the date and time, the sender and the
/// first line of text.
///
/// Android writes `06/03/2017, 00:45 - Name: text` (also `6/3/17, 12:45 AM - `, `06.03.17, 00:45 - `,
/// `2017/3/6 下午12:45 - `); iOS writes `[06/03/2017, 00:45:12] Name: text`, with U+200E marks
/// before the bracket and before the text of system lines and attachments. A line without
/// `Name: ` after the time is a system line (`sender` nil).
struct WhatsAppHeader: Equatable {
    /// The date's numbers in the order written, and whether the first is a four-digit year.
    var first: Int, second: Int, third: Int
    var yearFirst: Bool
    var hour: Int, minute: Int, second_: Int
    /// For a 12-hour clock: whether the time is PM.
    var pm: Bool?
    var sender: String?
    var text: String
    var iOS: Bool
    /// iOS marks system lines and attachments with U+200E at the start of the text.
    var marked: Bool

    static func parse<S: StringProtocol>(_ line: S) -> WhatsAppHeader? {
        var s = Substring(line).unicodeScalars[...]
        func drop(_ scalar: Unicode.Scalar) -> Bool {
            guard s.first == scalar else { return false }
            s.removeFirst()
            return true
        }
        func dropMarks() { while let f = s.first, f == "\u{200E}" || f == "\u{200F}" || f == "\u{FEFF}" || f == "\u{202A}" || f == "\u{202C}" { s.removeFirst() } }
        func number(_ max: Int) -> (Int, Int)? {
            var value = 0, digits = 0
            while let f = s.first, f.value >= 0x30, f.value <= 0x39, digits < max {
                value = value * 10 + Int(f.value - 0x30); digits += 1; s.removeFirst()
            }
            return digits == 0 ? nil : (value, digits)
        }
        func spaces() { while let f = s.first, f == " " || f == "\u{202F}" || f == "\u{00A0}" { s.removeFirst() } }
        dropMarks()
        let iOS = drop("[")
        guard let (a, aDigits) = number(4), let sep = s.first, sep == "/" || sep == "." || sep == "-" else { return nil }
        s.removeFirst()
        guard let (b, _) = number(2), drop(sep), let (c, cDigits) = number(4), aDigits == 4 || cDigits == 2 || cDigits == 4 else { return nil }
        _ = drop(".")
        _ = drop(",")
        spaces()
        var pm: Bool?
        func meridiem() {
            let rest = String(String.UnicodeScalarView(s.prefix(4))).lowercased()
            for (token, isPM) in [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true), ("上午", false), ("下午", true), ("晚上", true), ("凌晨", false), ("中午", true)]
            where rest.hasPrefix(token) {
                pm = isPM
                s.removeFirst(token.unicodeScalars.count)
                return
            }
        }
        meridiem()
        guard let (hour, _) = number(2), drop(":"), let (minute, mDigits) = number(2), mDigits == 2 else { return nil }
        var second = 0
        if drop(":") {
            guard let (sec, sDigits) = number(2), sDigits == 2 else { return nil }
            second = sec
        }
        spaces()
        if pm == nil { meridiem(); spaces() }
        var sender: String?
        var text: Substring.UnicodeScalarView.SubSequence
        if iOS {
            guard drop("]") else { return nil }
            guard drop(" ") else { return nil }
            dropMarks()
        } else {
            guard drop("-") || drop("–") else { return nil }
            guard drop(" ") else { return nil }
        }
        let rest = String(String.UnicodeScalarView(s))
        if let colon = rest.range(of: ": "), rest.distance(from: rest.startIndex, to: colon.lowerBound) <= 80 {
            sender = String(rest[..<colon.lowerBound]).trimmed()
            text = Substring(rest[colon.upperBound...]).unicodeScalars[...]
        } else {
            text = Substring(rest).unicodeScalars[...]
        }
        var marked = false
        while let f = text.first, f == "\u{200E}" { text.removeFirst(); marked = true }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        return WhatsAppHeader(first: a, second: b, third: c, yearFirst: aDigits == 4, hour: hour, minute: minute, second_: second,
                              pm: pm, sender: sender?.isEmpty == true ? nil : sender, text: String(String.UnicodeScalarView(text)),
                              iOS: iOS, marked: marked)
    }

    /// The order this header's date decides, if it decides one (a day over 12).
    var decidedOrder: DateOrder? {
        if yearFirst { return nil }
        if first > 12 && second <= 12 { return .dmy }
        if second > 12 && first <= 12 { return .mdy }
        return nil
    }

    /// Year, month, day under `order`, or nil when the date is not valid in it.
    func date(_ order: DateOrder) -> (year: Int, month: Int, day: Int)? {
        let (year, month, day): (Int, Int, Int)
        if yearFirst {
            (year, month, day) = (first, second, third)
        } else {
            let y = third < 100 ? 2000 + third : third
            (year, month, day) = order == .mdy ? (y, first, second) : (y, second, first)
        }
        guard (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        return (year, month, day)
    }

    /// The hour on a 24-hour clock.
    var hour24: Int? {
        guard let pm else { return hour }
        guard (1...12).contains(hour) else { return hour <= 23 && !pm ? hour : nil }
        return pm ? (hour == 12 ? 12 : hour + 12) : (hour == 12 ? 0 : hour)
    }

    /// The date as written, for messages.
    var writtenDate: String { "\(first)/\(second)/\(third)" }
}
