import PCRE2
import ScamLiterals

/// A learned scorer ready to run: the weights of a `ModelFile` in a hash table, its cues
/// compiled, its calibration. Immutable and shared by every scanner thread, like `RuleSet`.
///
/// The score of a unit (a message, or the segments of one call) is a logistic regression over
/// the features `ModelFeatures` lists: `margin = bias + Σ weight(f) · x(f)`, where a text n-gram
/// counts `1/√N` (N = distinct n-grams of the unit, so long calls and short texts weigh alike)
/// and every other feature counts 1; the calibrated probability is `calibration(margin)`.
public final class ScoringModel: Sendable {
    /// The file as read, without its weights (they live in `table`) or keys.
    public let file: ModelFile
    /// The cues, in the file's order (a cue's index is its bit in `ModelInput.cues`).
    public let cues: [Cue]
    let table: WeightTable
    /// How many weights the model has.
    public var count: Int { table.count }

    /// A compiled context cue.
    public struct Cue: Sendable {
        public let name: String
        public let scope: ModelFile.CueSpec.Scope
        public let regex: Regex
        /// Literals one of which every match starts with (`LiteralExtractor.startLiterals`),
        /// and the pattern compiled anchored to try at their occurrences (`CueFinder`); nil
        /// when the start of a match is not known, and the cue searches the whole text.
        let starts: [[UInt8]]?
        let anchored: Regex?
        /// The feature ids of `c:<name>` and of `cs:<name>|` (continued with a signal).
        let presence: UInt64
        let crossSeed: String
    }

    /// At most this many cues (their presence is a bit set).
    public static let maxCues = 16

    /// Builds the runtime model.
    /// - Throws: `ModelFormatError` when a cue does not compile or there are too many.
    public init(_ file: ModelFile) throws(ModelFormatError) {
        cues = try ScoringModel.compile(cues: file.cues)
        table = WeightTable(file.weights)
        hanUnigrams = HanUnigrams(table)
        var stripped = file
        stripped.weights = []
        self.file = stripped
    }

    /// Compiles cue definitions (for a model, or for training one).
    /// - Throws: `ModelFormatError` when a cue does not compile, a name repeats, or there are too many.
    public static func compile(cues specs: [ModelFile.CueSpec]) throws(ModelFormatError) -> [Cue] {
        guard specs.count <= maxCues else {
            throw ModelFormatError(line: 0, "the model has \(specs.count) cues; at most \(maxCues) are allowed")
        }
        var cues: [Cue] = []
        var names = Set<String>()
        for spec in specs {
            guard names.insert(spec.name).inserted else { throw ModelFormatError(line: 0, "the cue `\(spec.name)` is defined twice") }
            do {
                let pattern = Normalizer.simplifyHan(in: spec.pattern)
                let regex = try Regex(pattern)
                // JIT waits for the first match, as rules do: a model's load is on the critical path.
                let starts = LiteralExtractor.startLiterals(of: pattern)
                let anchored = starts == nil ? nil : try? Regex(pattern, options: .anchored, jit: .onFirstMatch)
                cues.append(Cue(name: spec.name, scope: spec.scope, regex: regex, starts: anchored == nil ? nil : starts, anchored: anchored,
                                presence: FeatureHash.of(ModelFeatures.cueKey(spec.name)), crossSeed: "cs:\(spec.name)|"))
            } catch {
                throw ModelFormatError(line: 0, "the cue `\(spec.name)` does not compile: \(error.message) at offset \(error.offset ?? 0)")
            }
        }
        return cues
    }

    /// Reads and builds a model from a file's text.
    public convenience init(parsing text: String) throws(ModelFormatError) {
        try self.init(try ModelFile.parse(text))
    }

    /// The weight of a feature (0 when the model has none).
    @inline(__always)
    public func weight(_ hash: UInt64) -> Float { table.weight(hash) }

    /// The table slot of a feature the model has (its weight is `weight(slot:)`), -1 otherwise:
    /// lets a scanner mark the features of a text it has counted in a bit set of slots.
    @inline(__always)
    public func slot(_ hash: UInt64) -> Int { table.slot(hash) }
    @inline(__always)
    public func weight(slot: Int) -> Float { table.weight(slot: slot) }
    /// The number of slots (`slot` is below it).
    public var slotCount: Int { table.capacity }

    /// The slot and weight of the Han unigram (`h1:` + the character) of each common
    /// ideograph: a text's unigrams are found by indexing instead of hashing and probing.
    let hanUnigrams: HanUnigrams

    /// The index of a cue by name.
    public func cueIndex(_ name: String) -> Int? { cues.firstIndex { $0.name == name } }
}

/// Feature ids to weights: open addressing with linear probing over a power-of-two table at
/// most two-thirds full. Keys are full 64-bit feature ids, so two features never share a weight.
///
/// A key and its weight sit side by side (one cache line holds four slots): a scan looks up
/// every distinct n-gram of every text, and most of them are in no model, so a lookup is
/// usually one miss in the cache and one probe.
struct WeightTable: Sendable {
    private struct Slot { var key: UInt64; var weight: Float }
    private let slots: [Slot]
    private let mask: Int
    private let shift: UInt64
    let count: Int
    /// One bit per 64K buckets of ids (other bits than the slot's): most n-grams of a text are
    /// in no model, and this 8 KiB answers "not here" from the first-level cache.
    private let filter: [UInt64]
    var capacity: Int { slots.count }

    @inline(__always)
    private static func filterBit(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: (hash >> 17) & 0xFFFF) }

    init(_ weights: [ModelFile.Weight]) {
        let nonzero = weights.filter { $0.weight != 0 }
        var capacity = 16
        while capacity * 2 < nonzero.count * 3 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(key: 0, weight: 0), count: capacity)
        let mask = capacity - 1
        let shift = UInt64(64 - capacity.trailingZeroBitCount)
        var count = 0
        for w in nonzero {
            var slot = Int(truncatingIfNeeded: (w.hash &* 0x9E37_79B9_7F4A_7C15) >> shift) & mask
            while slots[slot].key != 0 && slots[slot].key != w.hash { slot = (slot + 1) & mask }
            if slots[slot].key == 0 { count += 1 }
            slots[slot] = Slot(key: w.hash, weight: w.weight)
        }
        var filter = [UInt64](repeating: 0, count: 1024)
        for w in nonzero {
            let bit = WeightTable.filterBit(w.hash)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.slots = slots
        self.mask = mask
        self.shift = shift
        self.count = count
        self.filter = filter
    }

    @inline(__always)
    func slot(_ hash: UInt64) -> Int {
        let bit = WeightTable.filterBit(hash)
        guard filter.withUnsafeBufferPointer({ $0[bit >> 6] & (1 << UInt64(bit & 63)) }) != 0 else { return -1 }
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift) & mask
            while true {
                let k = slots[slot].key
                if k == hash { return slot }
                if k == 0 { return -1 }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    func weight(slot: Int) -> Float { slots.withUnsafeBufferPointer { $0[slot].weight } }

    @inline(__always)
    func weight(_ hash: UInt64) -> Float {
        let s = slot(hash)
        return s < 0 ? 0 : weight(slot: s)
    }
}

/// The model's slot and weight of the Han unigram of each common ideograph (U+4E00...U+9FFF),
/// indexed by code point: a text's unigrams are a third of its n-grams and nearly all of them are
/// in the model, so a lookup that hashed the character and probed the weight table (1 MiB: the
/// built-in model's 21,883 weights take 65,536 slots of 16 bytes) for a cache miss becomes one
/// load from 164 KiB, where the common characters stay cached.
///
/// Invariant: `entry(of: c)` holds `WeightTable.slot` of the id of `h1:` + `c` (built from it)
/// and the table's weight there, so the scores are the same to the bit.
struct HanUnigrams: @unchecked Sendable {
    static let first: UInt32 = 0x4E00
    static let last: UInt32 = 0x9FFF
    struct Entry {
        /// -1 when the model has no weight for the unigram.
        var slot: Int32
        var weight: Float
    }
    private let storage: FrozenArray<Entry>

    init(_ table: WeightTable) {
        var entries: [Entry] = []
        entries.reserveCapacity(Int(HanUnigrams.last - HanUnigrams.first) + 1)
        for v in HanUnigrams.first...HanUnigrams.last {
            // The character's UTF-8 (three bytes in this range) after the key's prefix.
            var h = FeatureHash.prefix(.han1)
            h = FeatureHash.add(h, UInt8(0xE0 | v >> 12))
            h = FeatureHash.add(h, UInt8(0x80 | (v >> 6) & 0x3F))
            h = FeatureHash.add(h, UInt8(0x80 | v & 0x3F))
            let slot = table.slot(FeatureHash.nonZero(h))
            entries.append(Entry(slot: Int32(slot), weight: slot < 0 ? 0 : table.weight(slot: slot)))
        }
        storage = FrozenArray(entries)
    }

    /// The entry of the unigram of `scalar` (in `first...last`).
    @inline(__always)
    func entry(of scalar: UInt32) -> Entry { storage.pointer[Int(scalar &- HanUnigrams.first)] }
}
