import ScamEngine

/// Times as exports write them: RFC 3339 with an offset, a local `2024-01-05 10:21:33` (or with
/// `/` or `T`, seconds and fraction optional) read in a given zone, or epoch seconds or
/// milliseconds.
public enum LocalTime {
    /// Milliseconds since the epoch, or nil when `text` is none of the forms above.
    public static func parse(_ text: String, zone: TimeZoneSpec) -> Int64? { parseZoned(text, zone: zone)?.millis }

    /// `parse`, keeping the UTC offset when the text itself wrote one (RFC 3339 with `+08:00`
    /// or `Z`). A local time read in `zone` has none: the offset would be the reader's guess
    /// (`--tz`, else this machine's zone), not what the input said.
    public static func parseZoned(_ text: String, zone: TimeZoneSpec) -> Timestamp.Zoned? {
        let trimmed = text.trimmed()
        guard !trimmed.isEmpty else { return nil }
        if trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2E }), let value = Double(trimmed) {
            return Timestamp.fromEpoch(value).map { Timestamp.Zoned(millis: $0) }
        }
        if let local = parseLocal(trimmed, zone: zone) { return Timestamp.Zoned(millis: local) }
        return Timestamp.parseZoned(trimmed)
    }

    /// `yyyy-MM-dd[ T]HH:mm[:ss[.fff]]` or with `/` between the date's fields, with no offset.
    static func parseLocal(_ text: String, zone: TimeZoneSpec) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func number(maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while i < b.count, digits < maxDigits, b[i] >= 0x30, b[i] <= 0x39 {
                value = value * 10 + Int(b[i] - 0x30); digits += 1; i += 1
            }
            return digits == 0 ? nil : value
        }
        func expect(_ bytes: Set<UInt8>) -> Bool {
            guard i < b.count, bytes.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(maxDigits: 4), i == 4, expect([0x2D, 0x2F]), let month = number(maxDigits: 2),
              expect([0x2D, 0x2F]), let day = number(maxDigits: 2) else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0
        if i < b.count {
            guard expect([0x20, 0x54]), let h = number(maxDigits: 2), expect([0x3A]), let m = number(maxDigits: 2) else { return nil }
            hour = h; minute = m
            if expect([0x3A]) {
                guard let s = number(maxDigits: 2) else { return nil }
                second = s
                if expect([0x2E, 0x2C]) {
                    let start = i
                    guard let f = number(maxDigits: 9) else { return nil }
                    let digits = i - start
                    millis = digits >= 3 ? f / Int(pow10(digits - 3)) : f * Int(pow10(3 - digits))
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                }
            }
            guard i == b.count else { return nil }
        }
        return zone.epochMillis(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
    }

    private static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 10 } }
}
