import Foundation

/// RFC 3339 / ISO 8601 timestamps and epoch numbers, to and from milliseconds since the epoch.
public enum Timestamp {
    /// A time as a text wrote it: the instant, and the UTC offset the text wrote it in, so an
    /// alert can show the local time the person saw (`18:15 +08:00`) beside the UTC one.
    public struct Zoned: Sendable, Equatable {
        /// Milliseconds since the epoch.
        public var millis: Int64
        /// Minutes east of UTC (`+08:00` is 480, `-05:30` is -330, `Z` is 0). Nil when the text
        /// named no zone (`2025-03-06 10:15:00`, read as UTC), had no time of day
        /// (`2025-03-06`), or wrote RFC 3339's "local offset unknown" `-00:00`.
        public var utcOffset: Int?

        public init(millis: Int64, utcOffset: Int? = nil) {
            self.millis = millis
            self.utcOffset = utcOffset
        }
    }

    /// Parses `2025-03-06T10:15:00Z`, `2025-03-06T10:15:00.123+08:00`, `2025-03-06 10:15:00`
    /// (no zone: UTC), or a date `2025-03-06`. Returns nil for anything else.
    public static func parse(_ text: String) -> Int64? { parseZoned(text)?.millis }

    /// `parse`, keeping the UTC offset the text gave (see `Zoned.utcOffset`).
    public static func parseZoned(_ text: String) -> Zoned? {
        let b = Array(text.utf8)
        func num(_ i: Int, _ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b.count >= 10, b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D, let day = num(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0, offset = 0
        var zoned = false
        var i = 10
        if i < b.count {
            guard b[i] == 0x54 || b[i] == 0x74 || b[i] == 0x20, let h = num(i + 1, 2), b.count > i + 3, b[i + 3] == 0x3A,
                  let m = num(i + 4, 2) else { return nil }
            hour = h; minute = m; i += 6
            if i < b.count, b[i] == 0x3A {
                guard let s = num(i + 1, 2) else { return nil }
                second = s; i += 3
            }
            if i < b.count, b[i] == 0x2E || b[i] == 0x2C {
                i += 1
                var digits = 0
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    if digits < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                    digits += 1; i += 1
                }
                guard digits > 0 else { return nil }
                for _ in 0..<max(0, 3 - digits) { millis *= 10 }
            }
            if i < b.count {
                if b[i] == 0x5A || b[i] == 0x7A {
                    i += 1
                    zoned = true
                } else if b[i] == 0x2B || b[i] == 0x2D {
                    let sign = b[i] == 0x2D ? -1 : 1
                    guard let oh = num(i + 1, 2) else { return nil }
                    var om = 0
                    if i + 3 < b.count, b[i + 3] == 0x3A {
                        guard let v = num(i + 4, 2) else { return nil }
                        om = v; i += 6
                    } else if let v = num(i + 3, 2) {
                        om = v; i += 5
                    } else {
                        i += 3
                    }
                    offset = sign * (oh * 60 + om)
                    // RFC 3339, 4.3: `-00:00` says the local offset is unknown. An offset no
                    // zone has (`+99:00`) still gives the instant, but no local time.
                    zoned = !(sign < 0 && offset == 0) && oh < 24 && om < 60
                }
            }
            guard i == b.count, hour < 24, minute < 60, second <= 60 else { return nil }
        }
        let days = daysFromCivil(year, month, day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset * 60)
        return Zoned(millis: seconds * 1000 + Int64(millis), utcOffset: zoned ? offset : nil)
    }

    /// A JSON number as a time: epoch milliseconds, or seconds when it is too small to be ms
    /// (before 1973 as ms), so both conventions work.
    public static func fromEpoch(_ value: Double) -> Int64? {
        guard value.isFinite, abs(value) < 1e16 else { return nil }
        return abs(value) < 1e11 ? Int64((value * 1000).rounded()) : Int64(value.rounded())
    }

    /// `2025-03-06T02:15:00.123Z` (milliseconds only when not zero).
    public static func format(_ ms: Int64) -> String {
        var bytes: [UInt8] = []
        append(ms, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The local time at `utcOffset` minutes east of UTC, with that offset:
    /// `2025-03-06T10:15:00+08:00`, `2025-03-05T20:45:00-05:30`; a zero offset is written `Z`.
    /// `parseZoned` reads it back to the same instant and offset.
    public static func format(_ ms: Int64, utcOffset: Int) -> String {
        var bytes: [UInt8] = []
        append(ms, utcOffset: utcOffset, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `format(ms)` as UTF-8 (digit by digit: alert writers call it for every piece of
    /// evidence, and string interpolation was a third of the time of writing an alert).
    public static func append(_ ms: Int64, to out: inout [UInt8]) { append(ms, utcOffset: 0, to: &out) }

    /// Appends `format(ms, utcOffset:)` as UTF-8.
    public static func append(_ ms: Int64, utcOffset: Int, to out: inout [UInt8]) {
        let ms = ms + Int64(utcOffset) * 60_000
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = Int(ms - seconds * 1000)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        func digits(_ v: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = v
            while divisor > 0 {
                out.append(0x30 + UInt8(v / divisor % 10))
                v %= divisor
                divisor /= 10
            }
        }
        if y < 0 || y > 9999 {
            out.append(contentsOf: String(y).utf8)
        } else {
            digits(y, 4)
        }
        out.append(0x2D); digits(m, 2); out.append(0x2D); digits(d, 2)
        out.append(0x54); digits(rest / 3600, 2); out.append(0x3A); digits(rest / 60 % 60, 2); out.append(0x3A); digits(rest % 60, 2)
        if millis != 0 { out.append(0x2E); digits(millis, 3) }
        if utcOffset == 0 {
            out.append(0x5A)
        } else {
            out.append(utcOffset < 0 ? 0x2D : 0x2B)
            digits(abs(utcOffset) / 60, 2); out.append(0x3A); digits(abs(utcOffset) % 60, 2)
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
