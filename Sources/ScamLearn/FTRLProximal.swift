import Foundation

/// Logistic regression trained with FTRL-proximal (McMahan et al., "Ad Click Prediction: a View
/// from the Trenches", KDD 2013).
///
/// Why FTRL rather than batch gradient descent: its per-coordinate learning rates suit hashed
/// n-grams, where a few features are in every message and most in a handful; its L1 term sets
/// the weight of every feature that does not earn its place to exactly zero, so the model file
/// holds tens of thousands of weights rather than millions; and its state (`z`, `n`) is what
/// `learn --update` needs to continue training on a user's new examples exactly where training
/// stopped, which a batch optimizer cannot do.
///
/// Deterministic: examples are visited in an order drawn from a fixed seed, and all arithmetic
/// is in `Double`, so the same data give the same weights bit for bit.
struct FTRLProximal {
    struct Parameters: Sendable, Equatable {
        var alpha = 0.1
        var beta = 1.0
        var l1 = 1.0
        var l2 = 1.0
        var epochs = 4
        var seed: UInt64 = 0x5CA3F10E

        /// As written in a model file's `param` lines.
        var lines: [(String, String)] {
            [("alpha", "\(alpha)"), ("beta", "\(beta)"), ("l1", "\(l1)"), ("l2", "\(l2)"), ("epochs", "\(epochs)"), ("seed", "\(seed)")]
        }
    }

    let parameters: Parameters
    /// Per feature: FTRL's `z` and `n`. The bias is the last entry.
    private(set) var z: [Double]
    private(set) var n: [Double]

    init(features: Int, parameters: Parameters) {
        self.parameters = parameters
        z = [Double](repeating: 0, count: features + 1)
        n = [Double](repeating: 0, count: features + 1)
    }

    var biasIndex: Int { z.count - 1 }

    /// The weight of coordinate `i` (no L1 on the bias).
    @inline(__always)
    func weight(_ i: Int) -> Double {
        let zi = z[i]
        let l1 = i == biasIndex ? 0 : parameters.l1
        if abs(zi) <= l1 { return 0 }
        let sign: Double = zi < 0 ? -1 : 1
        return -(zi - sign * l1) / ((parameters.beta + n[i].squareRoot()) / parameters.alpha + (i == biasIndex ? 0 : parameters.l2))
    }

    /// Sets coordinate `i` so that its weight is `w` after `nValue` squared gradients: how an
    /// update continues from a model file that stores only weights and `n`.
    mutating func restore(_ i: Int, weight w: Double, n nValue: Double) {
        n[i] = nValue
        guard w != 0 else { z[i] = 0; return }
        let l1 = i == biasIndex ? 0 : parameters.l1
        let l2 = i == biasIndex ? 0 : parameters.l2
        let sign: Double = w < 0 ? -1 : 1
        z[i] = -w * ((parameters.beta + nValue.squareRoot()) / parameters.alpha + l2) - sign * l1
    }

    /// The margin of example `e`.
    func margin(_ set: ExampleSet, _ e: Int) -> Double {
        var sum = weight(biasIndex)
        let start = set.offsets[e], split = start + Int(set.textCounts[e]), end = set.offsets[e + 1]
        var text = 0.0
        for k in start..<split { text += weight(Int(set.features[k])) }
        sum += text * set.textScale[e]
        for k in split..<end { sum += weight(Int(set.features[k])) }
        return sum
    }

    /// Trains for `parameters.epochs` passes over `set`, reporting each finished pass.
    mutating func train(_ set: ExampleSet, progress: (Int) -> Void = { _ in }) {
        var rng = SplitMix64(seed: parameters.seed)
        var order = Array(0..<set.count)
        for epoch in 0..<parameters.epochs {
            // Fisher-Yates with the fixed generator: the same order on every machine.
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
            for e in order { step(set, e) }
            progress(epoch + 1)
        }
    }

    /// One FTRL update on example `e`.
    private mutating func step(_ set: ExampleSet, _ e: Int) {
        let p = 1 / (1 + exp(-max(-35, min(35, margin(set, e)))))
        let g = (p - (set.labels[e] ? 1 : 0)) * set.weights[e]
        let start = set.offsets[e], split = start + Int(set.textCounts[e]), end = set.offsets[e + 1]
        let scale = set.textScale[e]
        update(biasIndex, g)
        for k in start..<split { update(Int(set.features[k]), g * scale) }
        for k in split..<end { update(Int(set.features[k]), g) }
    }

    @inline(__always)
    private mutating func update(_ i: Int, _ gi: Double) {
        let w = weight(i)
        let sigma = ((n[i] + gi * gi).squareRoot() - n[i].squareRoot()) / parameters.alpha
        z[i] += gi - sigma * w
        n[i] += gi * gi
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast generator with a fixed, documented
/// sequence for a seed, so shuffles repeat exactly.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
