/// The learned scorer's text features: character n-grams of Han runs and word n-grams of Latin
/// text, read from normalized text (the same bytes the rules see).
///
/// A feature is named by a *key* (`h2:免密`, `w1:bank`, `w2:gift card`, `w1:#11` for an
/// 11-digit number) and identified by the FNV-1a 64 hash of the key's UTF-8 bytes
/// (`FeatureHash`). Keys make a model file readable; hashes make scoring cheap, because they are
/// computed straight from the text bytes without building strings. `ModelFile` rebuilds the
/// hash of every key it reads, so a model never depends on how a table was laid out.
///
/// Version 1 (`text-ngrams/1`, the only one): Han 1-, 2- and 3-grams within runs of Han
/// characters; Latin tokens are runs of ASCII letters and digits, and the money signs `$ £ € ¥ %`
/// each on its own (smishing names its amounts); a token of digits only becomes its shape (`#`
/// and its length, at most 20), and tokens give unigrams and bigrams of neighbours on the same
/// line. Anything else (punctuation, other scripts, spaces) ends a run.
public enum TextFeatures {
    /// The feature version this engine computes. A model for another version is refused.
    public static let version = "text-ngrams/1"

    /// What a feature is, which decides its key prefix.
    public enum Kind: UInt8, Sendable, CaseIterable {
        case han1, han2, han3, word1, word2

        /// The key prefix (`h2:`).
        public var prefix: String {
            switch self {
            case .han1: "h1:"
            case .han2: "h2:"
            case .han3: "h3:"
            case .word1: "w1:"
            case .word2: "w2:"
            }
        }
    }

    /// Longest digit run whose length is kept in its shape (`#20` stands for 20 or more digits).
    static let maxDigitShape = 20

    /// Calls `sink.add` for every feature occurrence in `bytes` (normalized UTF-8), in text order.
    /// Occurrences repeat when a text repeats an n-gram; callers deduplicate.
    ///
    /// Invariant: for every occurrence, `FeatureHash.of(key(of:in:))` equals its `hash`.
    public static func extract<S: FeatureSink>(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout S) {
        // The last three Han characters of the current run (start offsets), and the previous
        // Latin token of the current line.
        var han0 = -1, han1 = -1, han2 = -1  // han2 is the newest
        // FNV-1a runs byte by byte, so a key's hash can be continued: the states after "h2:" +
        // the newest character, "h3:" + it, and "h3:" + the two newest, valid while those
        // characters are in the run. A character then costs three short independent chains
        // instead of re-hashing 3, 6 and 9 bytes in one (the same hashes, found sooner).
        var open2: UInt64 = 0, open3: UInt64 = 0, open3of2: UInt64 = 0
        var previousToken: Range<Int>?
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if let j = tokenEnd(bytes, i) {
                let token = i..<j
                let h1 = tokenHash(bytes, token, seed: FeatureHash.prefix(.word1))
                sink.add(Occurrence(hash: FeatureHash.nonZero(h1), kind: .word1, start: i, end: j, split: j, next: j))
                if let previous = previousToken {
                    var h = tokenHash(bytes, previous, seed: FeatureHash.prefix(.word2))
                    h = FeatureHash.add(h, 0x20)
                    h = tokenHash(bytes, token, seed: h)
                    sink.add(Occurrence(hash: FeatureHash.nonZero(h), kind: .word2, start: previous.lowerBound, end: j,
                                        split: previous.upperBound, next: i))
                }
                previousToken = token
                han0 = -1; han1 = -1; han2 = -1
                i = j
                continue
            }
            if b < 0x80 {
                if b == 0x0A || b == 0x0D { previousToken = nil }
                han0 = -1; han1 = -1; han2 = -1
                i += 1
                continue
            }
            let (scalar, width) = decode(bytes, i)
            if isHan(scalar) {
                han0 = han1; han1 = han2; han2 = i
                let end = i + width
                let bigram = han1 >= 0 ? continued(open2, bytes, i, end) : 0
                let trigram = han0 >= 0 ? continued(open3of2, bytes, i, end) : 0
                open3of2 = continued(open3, bytes, i, end)
                open2 = continued(FeatureHash.prefix(.han2), bytes, i, end)
                open3 = continued(FeatureHash.prefix(.han3), bytes, i, end)
                sink.addHanUnigram(scalar, Occurrence(hash: hanHash(bytes, i..<end, .han1), kind: .han1, start: i, end: end, split: end, next: end))
                if han1 >= 0 {
                    sink.add(Occurrence(hash: FeatureHash.nonZero(bigram), kind: .han2, start: han1, end: end, split: end, next: end))
                }
                if han0 >= 0 {
                    sink.add(Occurrence(hash: FeatureHash.nonZero(trigram), kind: .han3, start: han0, end: end, split: end, next: end))
                }
                // A Han character between two Latin words separates them as a space does not.
                previousToken = nil
            } else {
                han0 = -1; han1 = -1; han2 = -1
            }
            i += width
        }
    }

    /// One feature found in a text: its hash, kind, and where it is in the normalized bytes.
    /// For a word bigram, `split` is the end of its first token and `next` the start of its
    /// second; otherwise both equal `end`.
    public struct Occurrence: Sendable {
        public var hash: UInt64
        public var kind: Kind
        public var start: Int
        public var end: Int
        public var split: Int
        public var next: Int
    }

    /// The key of an occurrence (`h2:免密`, `w2:call #11`): what a model file writes.
    public static func key(of occurrence: Occurrence, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out = Array(occurrence.kind.prefix.utf8)
        switch occurrence.kind {
        case .han1, .han2, .han3:
            out += bytes[occurrence.start..<occurrence.end]
        case .word1:
            appendToken(bytes, occurrence.start..<occurrence.end, to: &out)
        case .word2:
            appendToken(bytes, occurrence.start..<occurrence.split, to: &out)
            out.append(0x20)
            appendToken(bytes, occurrence.next..<occurrence.end, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The end of the Latin token starting at `i`, nil when none starts there: a run of letters
    /// and digits, or one money sign (`$`, `%`, `£`, `¥`, `€`).
    @inline(__always)
    static func tokenEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let b = bytes[i]
        if isWordByte(b) {
            var j = i + 1
            while j < bytes.count, isWordByte(bytes[j]) { j += 1 }
            return j
        }
        switch b {
        case 0x24, 0x25: return i + 1
        case 0xC2 where i + 1 < bytes.count && (bytes[i + 1] == 0xA3 || bytes[i + 1] == 0xA5): return i + 2
        case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x82 && bytes[i + 2] == 0xAC: return i + 3
        default: return nil
        }
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A)
    }

    @inline(__always)
    static func isDigits(_ bytes: UnsafeBufferPointer<UInt8>, _ token: Range<Int>) -> Bool {
        for k in token where bytes[k] < 0x30 || bytes[k] > 0x39 { return false }
        return true
    }

    /// Continues `seed` over the token's key form: its bytes, or its digit shape.
    @inline(__always)
    static func tokenHash(_ bytes: UnsafeBufferPointer<UInt8>, _ token: Range<Int>, seed: UInt64) -> UInt64 {
        var h = seed
        if isDigits(bytes, token) {
            h = FeatureHash.add(h, 0x23)  // '#'
            let length = min(token.count, maxDigitShape)
            if length >= 10 { h = FeatureHash.add(h, UInt8(0x30 + length / 10)) }
            h = FeatureHash.add(h, UInt8(0x30 + length % 10))
            return h
        }
        for k in token { h = FeatureHash.add(h, bytes[k]) }
        return h
    }

    static func appendToken(_ bytes: UnsafeBufferPointer<UInt8>, _ token: Range<Int>, to out: inout [UInt8]) {
        if isDigits(bytes, token) {
            out += Array("#\(min(token.count, maxDigitShape))".utf8)
        } else {
            out += bytes[token]
        }
    }

    /// `h` continued over `bytes[start..<end]`.
    @inline(__always)
    static func continued(_ h: UInt64, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h = h
        for k in start..<end { h = FeatureHash.add(h, bytes[k]) }
        return h
    }

    @inline(__always)
    static func hanHash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ kind: Kind) -> UInt64 {
        var h = FeatureHash.prefix(kind)
        for k in range { h = FeatureHash.add(h, bytes[k]) }
        return FeatureHash.nonZero(h)
    }

    /// The scalar at `i` of valid UTF-8 and its width in bytes.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0xE0 {
            guard i + 1 < bytes.count else { return (b0, 1) }
            return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2)
        }
        if b0 < 0xF0 {
            guard i + 2 < bytes.count else { return (b0, 1) }
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        guard i + 3 < bytes.count else { return (b0, 1) }
        return ((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    /// Han ideographs, as the normalizer counts them.
    @inline(__always)
    static func isHan(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2FA1F).contains(v)
    }
}

/// Receives feature occurrences from `TextFeatures.extract`. A protocol (not a closure) so the
/// extractor is specialized for each sink and the hot path pays no call through a context.
public protocol FeatureSink {
    mutating func add(_ occurrence: TextFeatures.Occurrence)
    /// A Han unigram, of the character `scalar`: `add` of the occurrence unless the sink finds
    /// the unigram's weight by its code point (`ModelSlots`), when the occurrence (and its hash)
    /// may never be built.
    mutating func addHanUnigram(_ scalar: UInt32, _ occurrence: @autoclosure () -> TextFeatures.Occurrence)
}

extension FeatureSink {
    @inline(__always)
    public mutating func addHanUnigram(_ scalar: UInt32, _ occurrence: @autoclosure () -> TextFeatures.Occurrence) {
        add(occurrence())
    }
}

/// Collects the hashes only: what scoring needs.
public struct FeatureHashes: FeatureSink {
    public var hashes: [UInt64] = []
    public init() {}
    public mutating func add(_ occurrence: TextFeatures.Occurrence) { hashes.append(occurrence.hash) }
}

/// Collects each id once, in the order first seen, through a reusable `FeatureSet`: what a
/// record's model input needs (sorting thousands of ids of a long call cost more than the rest
/// of scoring).
///
/// With a model, it also sums the weights of the ids (`weight`) and keeps the `topCount`
/// occurrences of highest positive weight (`top`, strongest first): what explaining a verdict
/// needs, found in the pass that finds the ids.
public struct DistinctFeatures: FeatureSink {
    public var hashes: [UInt64] = []
    public private(set) var weight = 0.0
    public private(set) var top: [(hash: UInt64, range: Range<Int>, weight: Float)] = []
    public static let topCount = 16
    let set: FeatureSet
    let model: ScoringModel?

    public init(set: FeatureSet, model: ScoringModel? = nil) {
        self.set = set
        self.model = model
        set.clear()
    }

    public mutating func add(_ occurrence: TextFeatures.Occurrence) {
        guard set.insert(occurrence.hash) else { return }
        hashes.append(occurrence.hash)
        guard let model else { return }
        let w = model.weight(occurrence.hash)
        weight += Double(w)
        guard w > 0, top.count < DistinctFeatures.topCount || w > top[top.count - 1].weight else { return }
        // Insertion into a short sorted list: at most 16 entries.
        var at = top.count
        while at > 0, top[at - 1].weight < w { at -= 1 }
        top.insert((occurrence.hash, occurrence.start..<occurrence.end, w), at: at)
        if top.count > DistinctFeatures.topCount { top.removeLast() }
    }
}

/// Collects the n-grams of a text that a model has, each once, as slots of its weight table
/// (see `ModelInput.slots`), with their weight sum and the strongest of them (like
/// `DistinctFeatures`). Slots seen are marked in a bit set the sink clears behind itself.
public struct ModelSlots: FeatureSink {
    public var slots: [Int32] = []
    public private(set) var weight = 0.0
    public private(set) var top: [(hash: UInt64, range: Range<Int>, weight: Float)] = []
    let seen: SlotBits
    let model: ScoringModel

    public init(model: ScoringModel, seen: SlotBits) {
        self.model = model
        self.seen = seen
    }

    public mutating func add(_ occurrence: TextFeatures.Occurrence) {
        let slot = model.slot(occurrence.hash)
        guard slot >= 0, seen.insert(slot) else { return }
        counted(slot, model.weight(slot: slot), occurrence)
    }

    /// As `add`, the slot found by code point (`HanUnigrams`) for the common ideographs.
    @inline(__always)
    public mutating func addHanUnigram(_ scalar: UInt32, _ occurrence: @autoclosure () -> TextFeatures.Occurrence) {
        guard scalar >= HanUnigrams.first, scalar <= HanUnigrams.last else {
            add(occurrence())
            return
        }
        let entry = model.hanUnigrams.entry(of: scalar)
        guard entry.slot >= 0, seen.insert(Int(entry.slot)) else { return }
        counted(Int(entry.slot), entry.weight, occurrence())
    }

    /// Counts an n-gram seen for the first time, and keeps it among the strongest (the
    /// occurrence is built only then).
    @inline(__always)
    private mutating func counted(_ slot: Int, _ w: Float, _ occurrence: @autoclosure () -> TextFeatures.Occurrence) {
        slots.append(Int32(slot))
        weight += Double(w)
        guard w > 0, top.count < DistinctFeatures.topCount || w > top[top.count - 1].weight else { return }
        let occurrence = occurrence()
        var at = top.count
        while at > 0, top[at - 1].weight < w { at -= 1 }
        top.insert((occurrence.hash, occurrence.start..<occurrence.end, w), at: at)
        if top.count > DistinctFeatures.topCount { top.removeLast() }
    }

    /// Clears the bits this sink set (call once the record is done).
    public func finish() { for s in slots { seen.remove(Int(s)) } }
}

/// One bit per slot of a model's weight table; one per scanner.
public final class SlotBits {
    private let words: UnsafeMutableBufferPointer<UInt64>
    public init(count: Int) {
        words = .allocate(capacity: max(1, (count + 63) / 64))
        words.initialize(repeating: 0)
    }
    deinit { words.deallocate() }
    /// Sets bit `i`; returns whether it was clear.
    @inline(__always)
    public func insert(_ i: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(i & 63)
        let w = words[i >> 6]
        if w & mask != 0 { return false }
        words[i >> 6] = w | mask
        return true
    }
    @inline(__always)
    public func remove(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
}

/// A set of nonzero feature ids that is cleared in O(1) (a generation stamp per slot): one per
/// scanner, reused for every record. Grows to hold any text; not thread-safe.
///
/// Storage is held through pointers: `var` arrays of a class cost a dynamic exclusivity check
/// on every access, which was a tenth of the model's share of a scan.
public final class FeatureSet {
    private var keys: UnsafeMutableBufferPointer<UInt64>
    private var stamps: UnsafeMutableBufferPointer<UInt32>
    private var generation: UInt32 = 1
    private var count = 0

    public init(capacity: Int = 1024) {
        keys = .allocate(capacity: capacity)
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0)
    }

    deinit {
        keys.deallocate()
        stamps.deallocate()
    }

    public func clear() {
        count = 0
        generation &+= 1
        if generation == 0 {
            stamps.update(repeating: 0)
            generation = 1
        }
    }

    /// Inserts `h`; returns whether it was new.
    @inline(__always)
    public func insert(_ h: UInt64) -> Bool {
        if (count + 1) * 2 > keys.count { grow() }
        let (keys, stamps, generation) = (self.keys, self.stamps, self.generation)
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while stamps[slot] == generation {
            if keys[slot] == h { return false }
            slot = (slot + 1) & mask
        }
        stamps[slot] = generation
        keys[slot] = h
        count += 1
        return true
    }

    private func grow() {
        let old = (0..<keys.count).filter { stamps[$0] == generation }.map { keys[$0] }
        let capacity = keys.count * 2
        keys.deallocate()
        stamps.deallocate()
        keys = .allocate(capacity: capacity)
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0)
        generation = 1
        count = 0
        for h in old { _ = insert(h) }
    }
}

/// Collects every occurrence: what explaining a verdict and writing a model's keys need.
public struct FeatureOccurrences: FeatureSink {
    public var occurrences: [TextFeatures.Occurrence] = []
    public init() {}
    public mutating func add(_ occurrence: TextFeatures.Occurrence) { occurrences.append(occurrence) }
}

/// Feature ids: FNV-1a 64 over a key's UTF-8 bytes. Stable across runs and platforms.
///
/// Invariant: no id is 0 (the empty slot of `WeightTable`); a key that would hash to 0 takes 1.
public enum FeatureHash {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    @inline(__always)
    static func add(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* prime }

    /// The id of a key.
    public static func of(_ key: String) -> UInt64 {
        var h = offset
        for b in key.utf8 { h = add(h, b) }
        return nonZero(h)
    }

    /// The id of the key made of `parts` joined (no string is built: units are scored per
    /// record, and their keys are `s:` + a signal, `p:` + two, ...).
    public static func of(_ parts: String...) -> UInt64 {
        var h = offset
        for part in parts { for b in part.utf8 { h = add(h, b) } }
        return nonZero(h)
    }

    /// `of(a, b)` without the array a variadic call allocates (every unit hashes its signals).
    public static func of(_ a: String, _ b: String) -> UInt64 {
        nonZero(add(add(offset, a), b))
    }

    /// `of(a, b, c, d)` without the array (a pair of signals: `p:`, A, `|`, B).
    public static func of(_ a: String, _ b: String, _ c: String, _ d: String) -> UInt64 {
        nonZero(add(add(add(add(offset, a), b), c), d))
    }

    /// `h` continued over the UTF-8 bytes of `s`.
    @inline(__always)
    static func add(_ h: UInt64, _ s: String) -> UInt64 {
        var h = h
        for b in s.utf8 { h = add(h, b) }
        return h
    }

    /// The id of a key given as bytes.
    public static func of<C: Collection<UInt8>>(bytes: C) -> UInt64 {
        var h = offset
        for b in bytes { h = add(h, b) }
        return nonZero(h)
    }

    @inline(__always)
    static func nonZero(_ h: UInt64) -> UInt64 { h == 0 ? 1 : h }

    /// The hash state after a kind's prefix, so extraction continues from it.
    @inline(__always)
    static func prefix(_ kind: TextFeatures.Kind) -> UInt64 { prefixes[Int(kind.rawValue)] }

    private static let prefixes: [UInt64] = TextFeatures.Kind.allCases.map { kind in
        var h = offset
        for b in kind.prefix.utf8 { h = add(h, b) }
        return h
    }
}
