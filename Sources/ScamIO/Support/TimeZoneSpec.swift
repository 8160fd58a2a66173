import Foundation

/// A time zone for the local times that exports write without an offset: a fixed offset
/// (`+08:00`, `UTC`) or a named IANA zone (`Asia/Shanghai`), which follows daylight saving.
///
/// Invariant: `epochMillis` of a local time that a daylight-saving change skips or repeats is the
/// instant with the offset in force just before the change (the usual convention).
public struct TimeZoneSpec: Sendable, Equatable, CustomStringConvertible {
    /// The offset in seconds east of UTC, for a fixed zone.
    public let fixedOffset: Int?
    /// The zone, for a named one.
    public let zone: TimeZone?

    public var description: String {
        if let zone { return zone.identifier }
        let offset = fixedOffset ?? 0
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(sign)\(minutes / 60 < 10 ? "0" : "")\(minutes / 60):\(minutes % 60 < 10 ? "0" : "")\(minutes % 60)"
    }

    /// The machine's zone.
    public static var local: TimeZoneSpec { TimeZoneSpec(fixedOffset: nil, zone: TimeZone.current) }
    public static let utc = TimeZoneSpec(fixedOffset: 0, zone: nil)

    /// Parses `+08:00`, `+0800`, `+8`, `-05:30`, `UTC`, `Z`, `UTC+8`, `GMT-3` or an IANA name.
    public static func parse(_ text: String) -> TimeZoneSpec? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if ["utc", "z", "gmt"].contains(s.lowercased()) { return .utc }
        for prefix in ["UTC", "GMT", "utc", "gmt"] where s.hasPrefix(prefix) && s.count > prefix.count {
            s = s.dropFirst(prefix.count)
            break
        }
        if let sign = s.first, sign == "+" || sign == "-" {
            let digits = s.dropFirst()
            var hours = 0, minutes = 0
            let parts = digits.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2 {
                guard let h = Int(parts[0]), let m = Int(parts[1]), parts[1].count == 2 else { return nil }
                hours = h; minutes = m
            } else if digits.count == 4, let v = Int(digits) {
                hours = v / 100; minutes = v % 100
            } else if (1...2).contains(digits.count), let h = Int(digits) {
                hours = h
            } else {
                return nil
            }
            guard digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":") }), hours <= 14, minutes < 60 else { return nil }
            return TimeZoneSpec(fixedOffset: (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60), zone: nil)
        }
        guard s.contains("/") || s.count <= 5, let zone = TimeZone(identifier: String(s)) else { return nil }
        return TimeZoneSpec(fixedOffset: nil, zone: zone)
    }

    /// Milliseconds since the epoch of a local date and time in this zone, or nil when a field
    /// is out of range.
    public func epochMillis(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                            millis: Int = 0) -> Int64? {
        guard (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second), (0...999).contains(millis)
        else { return nil }
        let local = Int64(CivilDate.days(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        let offset: Int
        if let fixedOffset {
            offset = fixedOffset
        } else if let zone {
            // Two steps find the offset in force at the local time (exact but at the changes).
            let guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local)))
            offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - Int64(guess))))
        } else {
            offset = 0
        }
        return (local - Int64(offset)) * 1000 + Int64(millis)
    }

    public static func == (a: TimeZoneSpec, b: TimeZoneSpec) -> Bool {
        a.fixedOffset == b.fixedOffset && a.zone?.identifier == b.zone?.identifier
    }
}

/// Proleptic Gregorian calendar arithmetic.
enum CivilDate {
    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func days(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
