import Foundation
import ScamPacks

/// A learned scorer as a file: UTF-8 text, one fact a line, tab-separated, so that it travels in
/// packs like rules (checksummed, signed, embedded), diffs in git, and can be read by a person.
///
/// ```
/// scamflow-model	1
/// features	text-ngrams/1
/// bias	-2.91
/// calibration	1.02	-0.31
/// cue	negation	near	(?:不会|never)…
/// signals	lure.prize pretext.refund request.sms_code …
/// param	alpha	0.1
/// note	trained on 37,122 records …
/// source	telecom-fraud-texts-5.jsonl	4702	1607
/// split	id-hash	80
/// weights	48213
/// 0.9312	41.3	s:request.sms_code
/// -0.52	7.07	h3:不会以
/// …
/// trained	37122
/// <base64 of the sorted text fingerprints, delta- and varint-coded>
/// end	5f1c0a9e3b2d4c71
/// ```
///
/// Weight lines are `weight`, FTRL's `n` (the sum of squared gradients, so `learn --update` can
/// continue exactly), and the feature key (`TextFeatures` and `ModelFeatures` name the keys).
/// The last line holds the FNV-1a 64 of every byte before it: a damaged or truncated file is
/// refused, never half-read.
///
/// Invariant: `encode()` is deterministic (same values, same bytes), and `parse(encode(m))`
/// gives `m` back (weights as `Float`, printed with nine significant digits).
public struct ModelFile: Sendable {
    /// The format version this engine reads and writes.
    public static let formatVersion = 1
    public static let magic = "scamflow-model"

    public var featureVersion: String = TextFeatures.version
    /// The intercept of the linear model.
    public var bias: Double = 0
    /// What a text n-gram counts: `N^-textScale` for a unit of N distinct n-grams.
    public var textScale: Double = 0.5
    /// Platt scaling: p = 1 / (1 + exp(-(a * margin + b))).
    public var calibration: Calibration = Calibration(a: 1, b: 0)
    /// Context cues: patterns whose presence, and whose nearness to rule hits, are features.
    public var cues: [CueSpec] = []
    /// The signals of the packs the model was trained with, sorted.
    public var signals: [String] = []
    /// Training parameters (`alpha`, `beta`, `l1`, `l2`, `epochs`, ...), in file order.
    public var params: [(String, String)] = []
    /// Free-text lines about the training (`note` lines).
    public var notes: [String] = []
    /// The files the model was trained on, with how many records of each it used.
    public var sources: [Source] = []
    /// How the training records were chosen (`id-hash 80`), when a split was used.
    public var split: String?
    public var weights: [Weight] = []
    /// Fingerprints of the texts the model was trained on (`fingerprint(of:)`), sorted, unique.
    public var trained: [UInt32] = []

    public init() {}

    public struct Calibration: Sendable, Equatable {
        public var a: Double
        public var b: Double
        public init(a: Double, b: Double) {
            self.a = a
            self.b = b
        }

        /// The calibrated probability of a margin.
        public func probability(_ margin: Double) -> Double {
            1 / (1 + exp(-(a * margin + b)))
        }
    }

    /// A context cue: a PCRE2 pattern (on normalized text) and how far its effect reaches.
    public struct CueSpec: Sendable, Equatable {
        public enum Scope: String, Sendable, CaseIterable {
            /// The cue ends at most `CueSpec.nearBytes` before a hit, in the same sentence.
            case near
            /// The cue comes anywhere before a hit in the same record.
            case before
            /// The cue is anywhere in the record (it qualifies every hit).
            case record
            /// The cue is in a sentence of the hit, or anywhere when the hit is inside a
            /// quotation (`GuardScope`): a denial inserted as a sentence of its own ("We will
            /// never ask for your PIN.") says nothing of the request beside it.
            case sentence
        }
        public var name: String
        public var scope: Scope
        public var pattern: String
        public init(name: String, scope: Scope, pattern: String) {
            self.name = name
            self.scope = scope
            self.pattern = pattern
        }
        /// How far (in bytes of the original text) a `near` cue reaches: about 20 Han
        /// characters, or a dozen English words.
        public static let nearBytes = 60
    }

    public struct Source: Sendable, Equatable {
        public var name: String
        public var records: Int
        public var scams: Int
        public init(name: String, records: Int, scams: Int) {
            self.name = name
            self.records = records
            self.scams = scams
        }
    }

    public struct Weight: Sendable, Equatable {
        public var hash: UInt64
        public var weight: Float
        /// FTRL's sum of squared gradients for this feature.
        public var n: Float
        /// The feature's key; nil when the file was parsed without keys.
        public var key: String?
        public init(key: String, weight: Float, n: Float) {
            self.hash = FeatureHash.of(key)
            self.weight = weight
            self.n = n
            self.key = key
        }
        init(hash: UInt64, weight: Float, n: Float, key: String?) {
            self.hash = hash
            self.weight = weight
            self.n = n
            self.key = key
        }
    }

    /// The fingerprint of a text the model was trained on: 32 bits of the FNV-1a 64 of its
    /// bytes as given (before normalization), so an exact copy is recognized anywhere.
    public static func fingerprint(of text: String) -> UInt32 {
        let h = FeatureHash.of(bytes: text.utf8)
        return UInt32(truncatingIfNeeded: h >> 32) ^ UInt32(truncatingIfNeeded: h)
    }

    /// Whether `text` is one the model was trained on (by fingerprint).
    public func wasTrained(on text: String) -> Bool {
        ModelFile.contains(trained, ModelFile.fingerprint(of: text))
    }

    static func contains(_ sorted: [UInt32], _ value: UInt32) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == value
    }
}

/// Why a model file was refused: the line and what is wrong there.
public struct ModelFormatError: Error, Sendable, CustomStringConvertible {
    /// 1-based line, 0 for the file as a whole.
    public var line: Int
    public var message: String
    public var hint: String

    public init(line: Int, _ message: String, hint: String = "") {
        self.line = line
        self.message = message
        self.hint = hint
    }

    public var description: String { (line > 0 ? "line \(line): " : "") + message }
}

// MARK: - Writing

extension ModelFile {
    /// The file's bytes. Weights are written strongest first (then by key), so the head of the
    /// file shows what matters most.
    public func encode() -> String {
        var out = "\(ModelFile.magic)\t\(ModelFile.formatVersion)\n"
        out += "features\t\(featureVersion)\n"
        out += "bias\t\(ModelFile.format(bias))\n"
        out += "text_scale\t\(ModelFile.format(textScale))\n"
        out += "calibration\t\(ModelFile.format(calibration.a))\t\(ModelFile.format(calibration.b))\n"
        for cue in cues { out += "cue\t\(cue.name)\t\(cue.scope.rawValue)\t\(cue.pattern)\n" }
        out += "signals\t\(signals.joined(separator: " "))\n"
        for (key, value) in params { out += "param\t\(key)\t\(value)\n" }
        for note in notes { out += "note\t\(note)\n" }
        for source in sources { out += "source\t\(source.name)\t\(source.records)\t\(source.scams)\n" }
        if let split { out += "split\t\(split)\n" }
        let ordered = weights.sorted { a, b in
            let (x, y) = (abs(a.weight), abs(b.weight))
            if x != y { return x > y }
            return (a.key ?? "").utf8.lexicographicallyPrecedes((b.key ?? "").utf8)
        }
        out += "weights\t\(ordered.count)\n"
        for w in ordered {
            out += ModelFile.format(w.weight) + "\t" + ModelFile.format(ModelFile.rounded(w.n, digits: 4)) + "\t" + (w.key ?? "") + "\n"
        }
        out += "trained\t\(trained.count)\n"
        let packed = Base64.encode(VarintDeltas.encode(trained))
        var i = packed.startIndex
        while i < packed.endIndex {
            let j = packed.index(i, offsetBy: 76, limitedBy: packed.endIndex) ?? packed.endIndex
            out += packed[i..<j] + "\n"
            i = j
        }
        let checksum = FeatureHash.of(bytes: out.utf8)
        out += "end\t\(ModelFile.hex(checksum))\n"
        return out
    }

    /// A number in the shortest form that reads back to the same value, without locale
    /// (Swift's round-trip printing): `-0.25`, `3.1e-05`. Non-finite values are written as 0.
    public static func format(_ value: Double) -> String { value.isFinite ? value.description : "0" }
    static func format(_ value: Float) -> String { value.isFinite ? value.description : "0" }

    /// `value` rounded to `digits` significant digits (FTRL's `n` needs no more).
    static func rounded(_ value: Float, digits: Int) -> Float {
        guard value.isFinite, value != 0 else { return 0 }
        let scale = pow(10, Float(digits - 1) - floor(log10(abs(value))))
        return (value * scale).rounded() / scale
    }

    static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

// MARK: - Reading

extension ModelFile {
    /// The largest model file read (a few MB is the expected size).
    public static let maxBytes = 64 << 20

    /// Reads a model file.
    /// - Parameter keys: keep every weight's key (for `learn --update` and for showing the
    ///   model); scoring needs only the hashes, which are computed from the key bytes.
    public static func parse(_ text: String, keys: Bool = false) throws(ModelFormatError) -> ModelFile {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(ModelFormatError) in try parse(bytes: buffer, keys: keys) }
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>, keys: Bool = false) throws(ModelFormatError) -> ModelFile {
        guard bytes.count <= maxBytes else { throw ModelFormatError(line: 0, "the model file is \(bytes.count) bytes; at most \(maxBytes) are read") }
        var lines = LineCursor(bytes)
        try verifyChecksum(bytes)
        var model = ModelFile()

        guard let first = lines.next() else { throw ModelFormatError(line: 1, "the file is empty", hint: "a model file starts with `scamflow-model<TAB>1`") }
        let head = first.fields()
        guard head.count == 2, head[0] == magic else {
            throw ModelFormatError(line: 1, "not a scamflow model file", hint: "a model file starts with `scamflow-model<TAB>1`; `scamflow learn` writes them")
        }
        guard head[1] == String(formatVersion) else {
            throw ModelFormatError(line: 1, "model format \(head[1]); this scamflow reads format \(formatVersion)",
                                   hint: "use the scamflow that wrote it, or retrain the model with this one (`scamflow learn`)")
        }
        var sawWeights = false
        header: while let line = lines.next() {
            let f = line.fields()
            func need(_ count: Int) throws(ModelFormatError) {
                guard f.count == count else { throw ModelFormatError(line: line.number, "`\(f[0])` takes \(count - 1) value\(count == 2 ? "" : "s"), found \(f.count - 1)") }
            }
            func number(_ s: String) throws(ModelFormatError) -> Double {
                guard let v = Double(s), v.isFinite else { throw ModelFormatError(line: line.number, "`\(s)` is not a number") }
                return v
            }
            switch f[0] {
            case "":
                continue
            case "features":
                try need(2)
                guard f[1] == TextFeatures.version else {
                    throw ModelFormatError(line: line.number, "the model was trained on features \(f[1]); this scamflow computes \(TextFeatures.version)",
                                           hint: "retrain it with this scamflow (`scamflow learn`)")
                }
                model.featureVersion = f[1]
            case "bias":
                try need(2)
                model.bias = try number(f[1])
            case "text_scale":
                try need(2)
                model.textScale = try number(f[1])
                guard (0...1).contains(model.textScale) else { throw ModelFormatError(line: line.number, "`text_scale` must be between 0 and 1") }
            case "calibration":
                try need(3)
                model.calibration = Calibration(a: try number(f[1]), b: try number(f[2]))
            case "cue":
                guard f.count >= 4, let scope = CueSpec.Scope(rawValue: f[2]), !f[1].isEmpty else {
                    throw ModelFormatError(line: line.number, "a cue line is `cue<TAB>name<TAB>near|before|record<TAB>pattern`")
                }
                // A pattern may hold a tab: everything after the third field is the pattern.
                model.cues.append(CueSpec(name: f[1], scope: scope, pattern: f[3...].joined(separator: "\t")))
            case "signals":
                model.signals = f.count > 1 ? f[1].split(separator: " ").map(String.init) : []
            case "param":
                try need(3)
                model.params.append((f[1], f[2]))
            case "note":
                model.notes.append(f.dropFirst().joined(separator: "\t"))
            case "source":
                try need(4)
                guard let records = Int(f[2]), let scams = Int(f[3]) else { throw ModelFormatError(line: line.number, "a source line is `source<TAB>name<TAB>records<TAB>scams`") }
                model.sources.append(Source(name: f[1], records: records, scams: scams))
            case "split":
                model.split = f.dropFirst().joined(separator: "\t")
            case "weights":
                try need(2)
                guard let count = Int(f[1]), count >= 0 else { throw ModelFormatError(line: line.number, "`weights` needs a count") }
                model.weights = try readWeights(&lines, count: count, keys: keys)
                sawWeights = true
                break header
            default:
                if f[0].hasPrefix("#") { continue }
                throw ModelFormatError(line: line.number, "unknown line `\(f[0])`", hint: "a newer scamflow may have written this model; upgrade, or retrain with this one")
            }
        }
        guard sawWeights else { throw ModelFormatError(line: lines.number, "the model has no weights", hint: "the file is truncated or not a model") }
        guard let trainedLine = lines.next() else { throw ModelFormatError(line: lines.number, "the file ends after the weights", hint: "the file is truncated") }
        let t = trainedLine.fields()
        guard t.count == 2, t[0] == "trained", let count = Int(t[1]), count >= 0 else {
            throw ModelFormatError(line: trainedLine.number, "expected `trained<TAB>count` after the weights")
        }
        var packed: [UInt8] = []
        while let line = lines.next() {
            if line.starts(with: "end\t") { break }
            packed += line.bytes
        }
        guard let raw = Base64.decode(packed), let values = VarintDeltas.decode(raw), values.count == count else {
            throw ModelFormatError(line: trainedLine.number, "the list of trained texts is damaged")
        }
        model.trained = values
        return model
    }

    static func readWeights(_ lines: inout LineCursor, count: Int, keys: Bool) throws(ModelFormatError) -> [Weight] {
        var out: [Weight] = []
        out.reserveCapacity(min(count, 1 << 22))
        for _ in 0..<count {
            guard let line = lines.next() else { throw ModelFormatError(line: lines.number, "the file ends inside the weights", hint: "the file is truncated") }
            let bytes = line.bytes
            guard let tab1 = bytes.firstIndex(of: 0x09),
                  let tab2 = bytes[(tab1 + 1)...].firstIndex(of: 0x09),
                  let weight = NumberParser.float(bytes[..<tab1]), let n = NumberParser.float(bytes[(tab1 + 1)..<tab2]),
                  tab2 + 1 < bytes.endIndex
            else {
                throw ModelFormatError(line: line.number, "a weight line is `weight<TAB>n<TAB>key`")
            }
            let key = bytes[(tab2 + 1)...]
            out.append(Weight(hash: FeatureHash.of(bytes: key), weight: weight, n: n,
                              key: keys ? String(decoding: key, as: UTF8.self) : nil))
        }
        return out
    }

    /// The cues of a model file, read from its header alone (before its weights are parsed), so
    /// the prefilter can be built with them while the rest of the file is read. Empty when the
    /// header has none or cannot be read (the full parse reports why).
    public static func cues(inHeaderOf text: String) -> [CueSpec] {
        var out: [CueSpec] = []
        for cue in ModelSpec.headerCues(text) {
            guard let scope = CueSpec.Scope(rawValue: cue.scope) else { return [] }
            out.append(CueSpec(name: cue.name, scope: scope, pattern: cue.pattern))
        }
        return out
    }

    /// Checks the `end` line against the bytes before it.
    static func verifyChecksum(_ bytes: UnsafeBufferPointer<UInt8>) throws(ModelFormatError) {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        var start = end
        while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
        let last = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        guard last.hasPrefix("end\t") else {
            throw ModelFormatError(line: 0, "the model file is truncated (no `end` line)",
                                   hint: "an interrupted copy or download? install the pack again or retrain the model")
        }
        let expected = String(last.dropFirst(4))
        let actual = hex(FeatureHash.of(bytes: UnsafeBufferPointer(rebasing: bytes[0..<start])))
        guard expected == actual else {
            throw ModelFormatError(line: 0, "the model file is damaged (checksum \(actual), the file says \(expected))",
                                   hint: "install the pack again, or retrain the model; a model file must not be edited by hand")
        }
    }
}

/// Lines of a byte buffer, numbered from 1, without their line ending.
struct LineCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0
    private(set) var number = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    struct Line {
        let bytes: UnsafeBufferPointer<UInt8>.SubSequence
        let number: Int

        func fields() -> [String] {
            bytes.split(separator: 0x09, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }

        func starts(with prefix: String) -> Bool { bytes.starts(with: prefix.utf8) }
    }

    mutating func next() -> Line? {
        guard offset < bytes.count else { return nil }
        var end = offset
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        var stop = end
        if stop > offset, bytes[stop - 1] == 0x0D { stop -= 1 }
        number += 1
        let line = Line(bytes: bytes[offset..<stop], number: number)
        offset = end + 1
        return line
    }
}

/// Decimal numbers as `ModelFile.format` writes them (`-0.25`, `3.1e-05`), without locale or
/// allocation.
enum NumberParser {
    static func float<C: Collection<UInt8>>(_ bytes: C) -> Float? where C.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == 0x2D { negative = true; i += 1 } else if bytes[i] == 0x2B { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawDigit = false
        while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            if digits < 18 { mantissa = mantissa * 10 + UInt64(bytes[i] - 0x30); digits += 1 } else { scale += 1 }
            sawDigit = true
            i += 1
        }
        if i < end, bytes[i] == 0x2E {
            i += 1
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if digits < 18 { mantissa = mantissa * 10 + UInt64(bytes[i] - 0x30); digits += 1; scale -= 1 }
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < end, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            var expNegative = false
            if i < end, bytes[i] == 0x2D { expNegative = true; i += 1 } else if i < end, bytes[i] == 0x2B { i += 1 }
            var exponent = 0
            var sawExp = false
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39, exponent < 1000 {
                exponent = exponent * 10 + Int(bytes[i] - 0x30)
                sawExp = true
                i += 1
            }
            guard sawExp else { return nil }
            scale += expNegative ? -exponent : exponent
        }
        guard i == end else { return nil }
        let value = Double(mantissa) * pow(10, Double(scale))
        guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else { return nil }
        return Float(negative ? -value : value)
    }
}

/// Sorted 32-bit values as varint-coded gaps: about 3 bytes a value for tens of thousands of
/// fingerprints.
enum VarintDeltas {
    static func encode(_ sorted: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(sorted.count * 3)
        var previous: UInt32 = 0
        for (i, value) in sorted.enumerated() {
            var gap = UInt64(i == 0 ? value : value &- previous)
            previous = value
            repeat {
                let low = UInt8(gap & 0x7F)
                gap >>= 7
                out.append(gap == 0 ? low : low | 0x80)
            } while gap != 0
        }
        return out
    }

    /// The values, or nil when the bytes are not a valid coding of a sorted list.
    static func decode(_ bytes: [UInt8]) -> [UInt32]? {
        var out: [UInt32] = []
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var previous: UInt64 = 0
        for b in bytes {
            guard shift <= 28 else { return nil }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 != 0 { shift += 7; continue }
            let next = out.isEmpty ? value : previous + value
            guard next <= UInt64(UInt32.max), out.isEmpty || value > 0 else { return nil }
            out.append(UInt32(next))
            previous = next
            value = 0
            shift = 0
        }
        return shift == 0 ? out : nil
    }
}

/// Standard base64 (RFC 4648, with padding), for the trained-text list.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((v >> UInt32(shift)) & 0x3F)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(alphabet[Int((v >> 18) & 0x3F)])
            out.append(alphabet[Int((v >> 12) & 0x3F)])
            out.append(rest == 2 ? alphabet[Int((v >> 6) & 0x3F)] : 0x3D)
            out.append(0x3D)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var i = 0
        while i < text.count {
            let quad = text[i..<(i + 4)]
            let padding = quad.reversed().prefix { $0 == 0x3D }.count
            guard padding <= 2, i + 4 == text.count || padding == 0 else { return nil }
            var v: UInt32 = 0
            for (k, c) in quad.enumerated() {
                let d: UInt8 = k >= 4 - padding ? 0 : table[Int(c)]
                guard d != 0xFF else { return nil }
                v = v << 6 | UInt32(d)
            }
            out.append(UInt8(v >> 16))
            if padding < 2 { out.append(UInt8((v >> 8) & 0xFF)) }
            if padding < 1 { out.append(UInt8(v & 0xFF)) }
            i += 4
        }
        return out
    }
}
