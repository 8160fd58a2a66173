import Testing
@testable import ScamEngine

/// The learned scorer's text features: which n-grams a text gives, and that every feature's id
/// is the hash of its key (what lets a model file name its weights by key).
@Suite struct TextFeaturesTests {
    func keys(_ text: String) -> [String] {
        let normalized = Normalizer().normalize(text)
        var sink = FeatureOccurrences()
        return normalized.subject.bytes.withUnsafeBufferPointer { bytes in
            TextFeatures.extract(bytes, into: &sink)
            return sink.occurrences.map { occurrence in
                let key = TextFeatures.key(of: occurrence, in: bytes)
                #expect(FeatureHash.of(key) == occurrence.hash, "\(key)")
                return key
            }
        }
    }

    @Test func hanNGrams() {
        #expect(keys("免密支付") == ["h1:免", "h1:密", "h2:免密", "h1:支", "h2:密支", "h3:免密支", "h1:付", "h2:支付", "h3:密支付"])
        #expect(keys("免 密，支") == ["h1:免", "h1:密", "h2:免密", "h1:支"], "spaces between Han go; a comma ends the run")
        #expect(keys("刷臉") == keys("刷脸"), "traditional and simplified give the same features")
    }

    @Test func wordNGrams() {
        #expect(keys("Call 09061701461 now!") == ["w1:call", "w1:#11", "w2:call #11", "w1:now", "w2:#11 now"])
        #expect(keys("gift, CARD") == ["w1:gift", "w1:card", "w2:gift card"], "punctuation does not break a bigram")
        #expect(keys("a\nb") == ["w1:a", "w1:b"], "a line break does")
        #expect(keys("转5000元") == ["h1:转", "w1:#4", "h1:元"])
        #expect(keys(String(repeating: "9", count: 30)) == ["w1:#20"], "long digit runs share one shape")
        #expect(keys("win £1000!") == ["w1:win", "w1:£", "w2:win £", "w1:#4", "w2:£ #4"], "money signs are tokens")
        #expect(keys("50% off") == ["w1:#2", "w1:%", "w2:#2 %", "w1:off", "w2:% off"])
    }

    @Test func hashesMatchKeysOnAnyText() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("免密支付屏幕共享验证码 abc XYZ 123，。!\n😀é臉$£€¥%")
        for _ in 0..<200 {
            let text = String((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            _ = keys(text)  // `keys` checks every hash against its key
        }
    }
}
