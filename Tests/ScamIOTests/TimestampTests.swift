import Testing
@testable import ScamIO
import ScamEngine

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2025-03-06T10:15:00+08:00", Int64(1_741_227_300_000)),
        ("2025-03-06T02:15:00Z", Int64(1_741_227_300_000)),
        ("2025-03-06T02:15:00.5Z", Int64(1_741_227_300_500)),
        ("2025-03-06 02:15:00", Int64(1_741_227_300_000)),
        ("2025-03-06T02:15Z", Int64(1_741_227_300_000)),
        ("2025-03-05T21:15:00-0500", Int64(1_741_227_300_000)),
        ("2025-03-06", Int64(1_741_219_200_000)),
    ])
    func parses(text: String, ms: Int64) {
        #expect(Timestamp.parse(text) == ms)
    }

    @Test(arguments: ["", "2025", "2025-13-01", "2025-03-06T25:00:00Z", "2025-03-06Tab", "yesterday", "2025-03-06T10:15:00+"])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsRoundTrip() {
        for ms: Int64 in [0, 1_741_227_300_000, 1_741_227_300_123, 951_782_400_000] {
            #expect(Timestamp.parse(Timestamp.format(ms)) == ms)
        }
        #expect(Timestamp.format(1_741_227_300_000) == "2025-03-06T02:15:00Z")
        #expect(Timestamp.format(1_741_227_300_007) == "2025-03-06T02:15:00.007Z")
        #expect(Timestamp.format(1_741_227_300_120) == "2025-03-06T02:15:00.120Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.format(-62_135_596_800_000) == "0001-01-01T00:00:00Z")
    }

    @Test func epochSecondsOrMilliseconds() {
        #expect(Timestamp.fromEpoch(1_741_227_300) == 1_741_227_300_000)
        #expect(Timestamp.fromEpoch(1_741_227_300_000) == 1_741_227_300_000)
        #expect(Timestamp.fromEpoch(.nan) == nil)
    }

    /// The offset the text gave is kept, and written back: the local time an alert shows.
    @Test(arguments: [
        ("2025-03-06T18:15:00+08:00", Int64(1_741_256_100_000), 480),
        ("2025-03-06T04:45:00-05:30", Int64(1_741_256_100_000), -330),
        ("2025-03-06T10:15:00Z", Int64(1_741_256_100_000), 0),
        ("2025-03-06T18:15:00.250+08:00", Int64(1_741_256_100_250), 480),
    ])
    func zonedRoundTrip(text: String, ms: Int64, offset: Int) {
        let zoned = Timestamp.parseZoned(text)
        #expect(zoned == Timestamp.Zoned(millis: ms, utcOffset: offset))
        #expect(Timestamp.format(ms, utcOffset: offset) == text, "format gives back the text")
        #expect(Timestamp.parseZoned(Timestamp.format(ms, utcOffset: offset)) == zoned)
    }

    @Test(arguments: ["2025-03-06 10:15:00", "2025-03-06T10:15:00", "2025-03-06", "2025-03-06T10:15:00-00:00", "2025-03-06T10:15:00+99:00"])
    func noOffsetWithoutAZone(text: String) {
        let zoned = Timestamp.parseZoned(text)
        #expect(zoned != nil && zoned?.utcOffset == nil, "no zone, no time of day, or RFC 3339's unknown offset: no local time")
        #expect(zoned?.millis == Timestamp.parse(text), "the instant is as before")
    }

    @Test func localTimeAcrossMidnightAndBeforeTheEpoch() {
        #expect(Timestamp.format(1_741_219_200_000, utcOffset: -330) == "2025-03-05T18:30:00-05:30")
        #expect(Timestamp.format(1_741_219_200_000, utcOffset: 840) == "2025-03-06T14:00:00+14:00")
        #expect(Timestamp.format(-1, utcOffset: 60) == "1970-01-01T00:59:59.999+01:00")
    }
}
