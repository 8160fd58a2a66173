import Foundation
import ScamEngine

/// Platt scaling: fits `p = 1 / (1 + exp(-(a·margin + b)))` to margins the model gave examples
/// it was not trained on (out-of-fold), so that "0.97" means about 97 in 100.
///
/// Follows Lin, Lin and Weng, "A note on Platt's probabilistic outputs for support vector
/// machines" (2007): Platt's smoothed targets, Newton's method with a backtracking line search,
/// and a log loss written so that it never overflows.
enum PlattScaling {
    static func fit(margins: [Double], labels: [Bool]) -> ModelFile.Calibration {
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        guard positives > 0, negatives > 0 else { return ModelFile.Calibration(a: 1, b: 0) }
        let hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2)
        let t = labels.map { $0 ? hi : lo }
        // Platt writes p = 1/(1+exp(A f + B)); we keep a = -A, b = -B.
        var A = 0.0, B = log((negatives + 1) / (positives + 1))
        func loss(_ A: Double, _ B: Double) -> Double {
            var f = 0.0
            for (m, ti) in zip(margins, t) {
                let fApB = m * A + B
                f += fApB >= 0 ? ti * fApB + log1p(exp(-fApB)) : (ti - 1) * fApB + log1p(exp(fApB))
            }
            return f
        }
        var value = loss(A, B)
        for _ in 0..<100 {
            var h11 = 1e-12, h22 = 1e-12, h21 = 0.0, g1 = 0.0, g2 = 0.0
            for (m, ti) in zip(margins, t) {
                let fApB = m * A + B
                let (p, q) = fApB >= 0 ? (exp(-fApB) / (1 + exp(-fApB)), 1 / (1 + exp(-fApB)))
                                       : (1 / (1 + exp(fApB)), exp(fApB) / (1 + exp(fApB)))
                let d2 = p * q
                h11 += m * m * d2; h22 += d2; h21 += m * d2
                let d1 = ti - p
                g1 += m * d1; g2 += d1
            }
            if abs(g1) < 1e-6 && abs(g2) < 1e-6 { break }
            let det = h11 * h22 - h21 * h21
            let dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det
            let gd = g1 * dA + g2 * dB
            var step = 1.0
            var moved = false
            while step >= 1e-10 {
                let newA = A + step * dA, newB = B + step * dB
                let newValue = loss(newA, newB)
                if newValue < value + 1e-4 * step * gd {
                    A = newA; B = newB; value = newValue
                    moved = true
                    break
                }
                step /= 2
            }
            if !moved { break }
        }
        return ModelFile.Calibration(a: -A, b: -B)
    }
}
