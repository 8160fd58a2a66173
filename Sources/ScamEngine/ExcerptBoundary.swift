/// Where an excerpt may end: never inside a number or a Latin word.
///
/// A pattern often stops mid-token (`转\d` matches «你先转5» of 你先转5000, `otp` the start of
/// "otp123"); an excerpt cut there misquotes the message. The span is widened over the rest of
/// the token it cuts: ASCII and full-width digits and letters, and `,` or `.` between digits
/// (5,000 and 3.50). Han text has no such boundary and is left as matched.
///
/// Invariants: the result contains the span; it grows by at most `limit` bytes on each side;
/// its bounds fall on scalar boundaries of `text` (valid UTF-8 in, valid UTF-8 excerpt out).
enum ExcerptBoundary {
    static let limit = 48

    static func widened(_ span: Range<Int>, in text: [UInt8]) -> Range<Int> {
        guard !span.isEmpty else { return span }
        var end = span.upperBound
        while end < text.count, end - span.upperBound < limit,
              let before = scalar(endingAt: end, in: text), let after = scalar(startingAt: end, in: text) {
            if isWordish(before.value) && isWordish(after.value) {
                end += after.length
            } else if isDigit(before.value), after.value == 0x2C || after.value == 0x2E,
                      let next = scalar(startingAt: end + 1, in: text), isDigit(next.value) {
                end += 1 + next.length
            } else {
                break
            }
        }
        var start = span.lowerBound
        while start > 0, span.lowerBound - start < limit,
              let after = scalar(startingAt: start, in: text), let before = scalar(endingAt: start, in: text) {
            if isWordish(before.value) && isWordish(after.value) {
                start -= before.length
            } else if isDigit(after.value), before.value == 0x2C || before.value == 0x2E,
                      let previous = scalar(endingAt: start - 1, in: text), isDigit(previous.value) {
                start -= 1 + previous.length
            } else {
                break
            }
        }
        return start..<end
    }

    /// ASCII or full-width digit.
    static func isDigit(_ v: UInt32) -> Bool { (0x30...0x39).contains(v) || (0xFF10...0xFF19).contains(v) }

    /// A digit or a Latin letter (ASCII or full width).
    static func isWordish(_ v: UInt32) -> Bool {
        isDigit(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
            || (0xFF21...0xFF3A).contains(v) || (0xFF41...0xFF5A).contains(v)
    }

    /// The scalar whose first byte is at `i`, and its length; nil past the end or mid-scalar.
    static func scalar(startingAt i: Int, in text: [UInt8]) -> (value: UInt32, length: Int)? {
        guard i >= 0, i < text.count else { return nil }
        let b0 = UInt32(text[i])
        let length: Int
        var value: UInt32
        switch b0 {
        case 0..<0x80: return (b0, 1)
        case 0xC0..<0xE0: length = 2; value = b0 & 0x1F
        case 0xE0..<0xF0: length = 3; value = b0 & 0x0F
        case 0xF0..<0xF8: length = 4; value = b0 & 0x07
        default: return nil
        }
        guard i + length <= text.count else { return nil }
        for k in 1..<length {
            let b = UInt32(text[i + k])
            guard b & 0xC0 == 0x80 else { return nil }
            value = value << 6 | (b & 0x3F)
        }
        return (value, length)
    }

    /// The scalar that ends just before `i`, and its length.
    static func scalar(endingAt i: Int, in text: [UInt8]) -> (value: UInt32, length: Int)? {
        guard i > 0, i <= text.count else { return nil }
        var start = i - 1
        while start > 0, i - start < 4, text[start] & 0xC0 == 0x80 { start -= 1 }
        guard let s = scalar(startingAt: start, in: text), start + s.length == i else { return nil }
        return s
    }
}
