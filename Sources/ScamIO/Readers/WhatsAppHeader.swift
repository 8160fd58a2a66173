/// The start of a message in a WhatsApp chat export: the date and time, the sender and the
/// first line of text.
///
/// Android writes `06/03/2017, 00:45 - Name: text` (also `6/3/17, 12:45 AM - `, `06.03.17, 00:45 - `,
/// `2017/3/6 下午12:45 - `); iOS writes `[06/03/2017, 00:45:12] Name: text`, with U+200E marks
/// before the bracket and before the text of system lines and attachments. A line without
/// `Name: ` after the time is a system line (`sender` nil).
///
/// Parsing works on the line's UTF-8 bytes and rejects most other lines at their first byte, as
/// every line of an export is tried.
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
        parse(bytes: Array(line.utf8)[...])
    }

    // UTF-8 of the marks and words the format uses.
    private static let lrm: [UInt8] = [0xE2, 0x80, 0x8E]           // U+200E
    private static let rlm: [UInt8] = [0xE2, 0x80, 0x8F]           // U+200F
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let narrowSpace: [UInt8] = [0xE2, 0x80, 0xAF]   // U+202F
    private static let noBreakSpace: [UInt8] = [0xC2, 0xA0]
    private static let enDash: [UInt8] = [0xE2, 0x80, 0x93]
    private static let meridiems: [([UInt8], Bool)] = [
        (Array("a.m.".utf8), false), (Array("p.m.".utf8), true), (Array("am".utf8), false), (Array("pm".utf8), true),
        (Array("AM".utf8), false), (Array("PM".utf8), true), (Array("A.M.".utf8), false), (Array("P.M.".utf8), true),
        (Array("上午".utf8), false), (Array("下午".utf8), true), (Array("晚上".utf8), true), (Array("凌晨".utf8), false),
        (Array("中午".utf8), true),
    ]

    static func parse(bytes line: ArraySlice<UInt8>) -> WhatsAppHeader? {
        guard let lead = line.first, lead == UInt8(ascii: "[") || (lead >= 0x30 && lead <= 0x39) || lead == 0xE2 || lead == 0xEF else {
            return nil
        }
        var i = line.startIndex
        let end = line.endIndex
        func at(_ bytes: [UInt8]) -> Bool {
            end - i >= bytes.count && line[i..<(i + bytes.count)].elementsEqual(bytes)
        }
        func drop(_ byte: UInt8) -> Bool {
            guard i < end, line[i] == byte else { return false }
            i += 1
            return true
        }
        func dropMarks() {
            while at(lrm) || at(rlm) || at(bom) || at([0xE2, 0x80, 0xAA]) || at([0xE2, 0x80, 0xAC]) { i += 3 }
        }
        func number(_ max: Int) -> (Int, Int)? {
            var value = 0, digits = 0
            while i < end, line[i] >= 0x30, line[i] <= 0x39, digits < max {
                value = value * 10 + Int(line[i] - 0x30); digits += 1; i += 1
            }
            return digits == 0 ? nil : (value, digits)
        }
        func spaces() {
            while true {
                if drop(0x20) { continue }
                if at(narrowSpace) { i += 3; continue }
                if at(noBreakSpace) { i += 2; continue }
                return
            }
        }
        var pm: Bool?
        func meridiem() {
            for (token, isPM) in meridiems where at(token) {
                pm = isPM
                i += token.count
                return
            }
        }
        dropMarks()
        let iOS = drop(UInt8(ascii: "["))
        guard let (a, aDigits) = number(4), i < end else { return nil }
        let sep = line[i]
        guard sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") || sep == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let (b, _) = number(2), drop(sep), let (c, cDigits) = number(4), aDigits == 4 || cDigits == 2 || cDigits == 4 else { return nil }
        _ = drop(UInt8(ascii: "."))
        _ = drop(UInt8(ascii: ","))
        spaces()
        meridiem()
        guard let (hour, _) = number(2), drop(UInt8(ascii: ":")), let (minute, mDigits) = number(2), mDigits == 2 else { return nil }
        var second = 0
        if drop(UInt8(ascii: ":")) {
            guard let (sec, sDigits) = number(2), sDigits == 2 else { return nil }
            second = sec
        }
        spaces()
        if pm == nil { meridiem(); spaces() }
        if iOS {
            guard drop(UInt8(ascii: "]")), drop(0x20) else { return nil }
            dropMarks()
        } else {
            if at(enDash) { i += 3 } else if !drop(UInt8(ascii: "-")) { return nil }
            guard drop(0x20) else { return nil }
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        // "Name: text", the name at most 80 bytes; otherwise a system line.
        var sender: String?
        var textStart = i
        var j = i
        while j + 1 < end, j - i <= 80 {
            if line[j] == UInt8(ascii: ":"), line[j + 1] == 0x20 {
                sender = String(decoding: line[i..<j], as: UTF8.self).trimmed()
                textStart = j + 2
                break
            }
            j += 1
        }
        i = textStart
        var marked = false
        while at(lrm) { i += 3; marked = true }
        return WhatsAppHeader(first: a, second: b, third: c, yearFirst: aDigits == 4, hour: hour, minute: minute, second_: second,
                              pm: pm, sender: sender?.isEmpty == true ? nil : sender,
                              text: String(decoding: line[i..<end], as: UTF8.self), iOS: iOS, marked: marked)
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
