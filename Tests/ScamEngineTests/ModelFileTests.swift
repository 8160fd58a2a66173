import Foundation
import Testing
@testable import ScamEngine

/// The model file: it reads back what it wrote, byte for byte the same when written again, and
/// refuses damage, truncation and other versions with a message instead of half-reading them.
@Suite struct ModelFileTests {
    static func sample() -> ModelFile {
        var m = ModelFile()
        m.bias = -2.25
        m.textScale = 0.25
        m.calibration = .init(a: 1.125, b: -0.5)
        m.cues = [.init(name: "negation", scope: .near, pattern: "(?:不会|never)"),
                  .init(name: "warning", scope: .record, pattern: "诈骗\t|scam")]
        m.signals = ["request.sms_code", "pretext.refund"].sorted()
        m.params = [("alpha", "0.1"), ("l1", "0.5")]
        m.notes = ["a note", "another"]
        m.sources = [.init(name: "a", records: 10, scams: 4)]
        m.split = "holdout\t20%\tby id hash"
        m.weights = [.init(key: "h2:免密", weight: 1.5, n: 12.25), .init(key: "w2:gift card", weight: -0.031_25, n: 3),
                     .init(key: "s:request.sms_code", weight: 2.75, n: 100), .init(key: "cs:negation|request.sms_code", weight: -1e-5, n: 0.5)]
        m.trained = [3, 17, 1 << 20, UInt32.max - 1, UInt32.max]
        return m
    }

    @Test func roundTrip() throws {
        let m = Self.sample()
        let text = m.encode()
        let back = try ModelFile.parse(text, keys: true)
        #expect(back.bias == m.bias)
        #expect(back.textScale == m.textScale)
        #expect(back.calibration == m.calibration)
        #expect(back.cues == m.cues, "a tab inside a cue pattern survives")
        #expect(back.signals == m.signals)
        #expect(back.params.map(\.0) == m.params.map(\.0) && back.params.map(\.1) == m.params.map(\.1))
        #expect(back.notes == m.notes)
        #expect(back.sources == m.sources)
        #expect(back.split == m.split)
        #expect(back.trained == m.trained)
        #expect(Set(back.weights.map(\.key)) == Set(m.weights.map(\.key)))
        for w in m.weights {
            let b = try #require(back.weights.first { $0.key == w.key })
            #expect(b.weight == w.weight && b.hash == w.hash && b.n == w.n, "\(w.key ?? "")")
        }
        #expect(back.encode() == text, "writing what was read gives the same bytes")
    }

    @Test func strongestWeightsFirst() throws {
        let lines = Self.sample().encode().split(separator: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("weights\t") })
        #expect(lines[start + 1].hasSuffix("s:request.sms_code"))
        #expect(lines[start + 4].hasSuffix("cs:negation|request.sms_code"))
    }

    @Test func damageIsRefused() throws {
        var bytes = Array(Self.sample().encode().utf8)
        let i = try #require(bytes.firstIndex(of: UInt8(ascii: "2")))
        bytes[i] = UInt8(ascii: "3")
        let error = try #require(throws: ModelFormatError.self) { try ModelFile.parse(String(decoding: bytes, as: UTF8.self)) }
        #expect(error.message.contains("damaged"))
    }

    @Test func truncationIsRefused() throws {
        let text = Self.sample().encode()
        for cut in [text.utf8.count / 3, text.utf8.count - 30, 0] {
            let prefix = String(decoding: Array(text.utf8).prefix(cut), as: UTF8.self)
            let error = try #require(throws: ModelFormatError.self) { try ModelFile.parse(prefix) }
            #expect(error.message.contains("truncated"), "\(cut): \(error)")
        }
    }

    @Test func otherVersionsAreRefused() throws {
        for (from, to, expected) in [("scamflow-model\t1", "scamflow-model\t2", "model format 2"),
                                     ("features\ttext-ngrams/1", "features\ttext-ngrams/9", "text-ngrams/9"),
                                     ("features\ttext-ngrams/1", "colour\tblue", "unknown line")] {
            var body = Self.sample().encode()
            body = String(body[..<body.range(of: "end\t")!.lowerBound]).replacingOccurrences(of: from, with: to)
            let resealed = body + "end\t" + ModelFile.hex(FeatureHash.of(bytes: body.utf8)) + "\n"
            let error = try #require(throws: ModelFormatError.self) { try ModelFile.parse(resealed) }
            #expect(error.message.contains(expected), "\(error)")
        }
    }

    @Test func fingerprints() {
        let m = Self.sample()
        var copy = m
        copy.trained = ["刚才有人打电话", "hello"].map(ModelFile.fingerprint(of:)).sorted()
        #expect(copy.wasTrained(on: "hello"))
        #expect(!copy.wasTrained(on: "hello "))
    }

    @Test func numbersAndPacking() {
        for text in ["0", "-0.25", "3.1e-05", "1e+10", "12.5", "-7"] {
            #expect(NumberParser.float(Array(text.utf8)) == Float(text), "\(text)")
        }
        for bad in ["", "-", "1e", "0x10", "1.2.3", "nan"] { #expect(NumberParser.float(Array(bad.utf8)) == nil, "\(bad)") }
        var rng = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 3, 100] {
            let values = Set((0..<count).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }).sorted()
            #expect(VarintDeltas.decode(VarintDeltas.encode(values)) == values)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Base64.decode(Array(Base64.encode(bytes).utf8)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(VarintDeltas.decode([0x80]) == nil, "a varint cut short")
    }
}
