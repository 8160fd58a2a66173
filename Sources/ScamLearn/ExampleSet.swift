import ScamEngine

/// Training examples as dense feature indices, stored back to back (compressed sparse rows):
/// tens of thousands of examples with millions of feature occurrences in two flat arrays.
///
/// Invariant: within an example, text features come first, then the others; each part holds
/// distinct indices. `textScale[i]` is what each text feature of example `i` counts (`1/√N`),
/// the others count 1, exactly as `ModelFeatures.margin` scores a unit.
struct ExampleSet {
    /// Feature indices of all examples, back to back.
    var features: [Int32] = []
    /// Where each example starts in `features` (one more entry than examples).
    var offsets: [Int] = [0]
    /// How many of each example's features are text n-grams.
    var textCounts: [Int32] = []
    var textScale: [Double] = []
    var labels: [Bool] = []
    /// How much each example's gradient counts (`--weight`).
    var weights: [Double] = []
    /// Index of each example in the `Learner`'s list of training records.
    var origins: [Int] = []

    var count: Int { labels.count }

    mutating func append(text: [Int32], other: [Int32], scale: Double, label: Bool, weight: Double = 1, origin: Int) {
        features += text
        features += other
        offsets.append(features.count)
        textCounts.append(Int32(text.count))
        textScale.append(scale)
        labels.append(label)
        weights.append(weight)
        origins.append(origin)
    }

    /// The examples at `indices`, in that order.
    func subset(_ indices: [Int]) -> ExampleSet {
        var out = ExampleSet()
        out.features.reserveCapacity(indices.reduce(0) { $0 + offsets[$1 + 1] - offsets[$1] })
        for i in indices {
            out.features += features[offsets[i]..<offsets[i + 1]]
            out.offsets.append(out.features.count)
            out.textCounts.append(textCounts[i])
            out.textScale.append(textScale[i])
            out.labels.append(labels[i])
            out.weights.append(weights[i])
            out.origins.append(origins[i])
        }
        return out
    }
}

/// Maps feature ids to dense indices, keeping only features seen in at least `minCount`
/// training units (a feature seen once cannot generalize, and they are most of them).
struct FeatureIndex {
    /// Feature ids by index, sorted.
    private(set) var hashes: [UInt64]

    /// Builds the index from the distinct ids of each unit.
    /// - Parameter keep: ids kept whatever their count (those of a model being updated).
    init(units: [[UInt64]], minCount: Int, keep: [UInt64] = []) {
        var all: [UInt64] = []
        all.reserveCapacity(units.reduce(0) { $0 + $1.count } + keep.count)
        for unit in units { all += unit }
        all.sort()
        var kept: [UInt64] = []
        var i = 0
        while i < all.count {
            var j = i + 1
            while j < all.count, all[j] == all[i] { j += 1 }
            if j - i >= minCount { kept.append(all[i]) }
            i = j
        }
        if !keep.isEmpty {
            kept += keep
            kept.sort()
            var unique: [UInt64] = []
            unique.reserveCapacity(kept.count)
            for h in kept where unique.last != h { unique.append(h) }
            kept = unique
        }
        hashes = kept
    }

    var count: Int { hashes.count }

    /// The index of an id, nil when it was dropped.
    func index(of hash: UInt64) -> Int32? {
        var lo = 0, hi = hashes.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if hashes[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        return lo < hashes.count && hashes[lo] == hash ? Int32(lo) : nil
    }

    /// The indices of the ids that were kept, in the ids' order.
    func indices(_ ids: [UInt64]) -> [Int32] { ids.compactMap(index(of:)) }
}
