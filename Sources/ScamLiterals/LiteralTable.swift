/// The literal requirements of a pack's patterns, worked out once, ahead of any scan: by the
/// `EmbedPacks` build plugin for the packs built into the binary, and by `scamflow pack build`
/// for a bundle (the file `literals.sflit`, listed and signed in its manifest like the rules).
///
/// It replaces extraction at load time (the largest part of a cold pack load) without a cache
/// that anyone could write: the table travels with the rules it was computed from and is
/// trusted exactly as far as they are.
///
/// Invariants:
/// - An entry is exactly what `LiteralExtractor.requirement(of:)` returned for its pattern (as
///   compiled: Han simplified) with the extractor version the table names; a table of another
///   version is not used. So using a table changes how fast a pack loads, never what a scan
///   finds (`PrefilterEquivalenceTests` checks it).
/// - Entries are keyed by a 128-bit digest of the whole pattern and its length: an edited
///   pattern simply has no entry (it is extracted at load), a stale entry is never used.
/// - Reading is strict and total: any damage (a bad line, a requirement that breaks the
///   `LiteralRequirement` invariants, nesting deeper than 64) is a `LiteralTableError` naming
///   the line; it never crashes. The text form is deterministic (entries sorted by digest), so
///   the same patterns always give the same bytes.
public struct LiteralTable: Sendable, Equatable {
    /// The file name of a table inside a pack or bundle.
    public static let fileName = "literals.sflit"
    static let magic = "scamflow-literals"
    static let formatVersion = 1

    /// Requirements by pattern digest.
    public private(set) var entries: [PatternDigest: LiteralRequirement]

    public init(entries: [PatternDigest: LiteralRequirement] = [:]) { self.entries = entries }

    /// The table of `patterns` (as compiled: Han simplified), each extracted once.
    public init(extracting patterns: some Sequence<String>) {
        var entries: [PatternDigest: LiteralRequirement] = [:]
        for pattern in patterns {
            let digest = PatternDigest(pattern)
            if entries[digest] == nil { entries[digest] = LiteralExtractor.requirement(of: pattern) }
        }
        self.entries = entries
    }

    /// The requirement recorded for `pattern`, or nil when the table has none.
    public func requirement(of pattern: String) -> LiteralRequirement? { entries[PatternDigest(pattern)] }

    public var count: Int { entries.count }

    /// Adds the entries of `other` (both are exact, so a digest in both holds the same value).
    public mutating func merge(_ other: LiteralTable) { entries.merge(other.entries) { a, _ in a } }

    // MARK: - Text form

    // Line 1: `scamflow-literals <format> <extractor version> <entries>`, tab-separated. Then one
    // line per entry: the digest (32 hex digits), a tab, the requirement: `*` always,
    // `[hex,hex,...]` any of these literals (UTF-8 bytes in hex), `&(r;r;...)` all, `|(r;r;...)`
    // either. Entries sorted by digest; a final newline.

    /// The table as the text of a `literals.sflit` file.
    public var text: String {
        var out = "\(LiteralTable.magic)\t\(LiteralTable.formatVersion)\t\(LiteralExtractor.version)\t\(entries.count)\n"
        for (digest, requirement) in entries.sorted(by: { $0.key < $1.key }) {
            out += digest.hex
            out += "\t"
            LiteralTable.write(requirement, into: &out)
            out += "\n"
        }
        return out
    }

    static func write(_ r: LiteralRequirement, into out: inout String) {
        switch r {
        case .always: out += "*"
        case .anyOf(let literals):
            out += "["
            out += literals.map(hex).joined(separator: ",")
            out += "]"
        case .all(let parts), .either(let parts):
            if case .all = r { out += "&(" } else { out += "|(" }
            for (i, part) in parts.enumerated() {
                if i > 0 { out += ";" }
                write(part, into: &out)
            }
            out += ")"
        }
    }

    /// Reads a `literals.sflit` file.
    /// - Throws: `LiteralTableError` for anything but a complete, valid table; `.otherVersion`
    ///   when it is valid but written by another extractor version (not to be used).
    public init(text: String) throws(LiteralTableError) {
        // One copy of the text, read in place line by line (a copy per line and the split's
        // array were half the cost of reading the built-in tables at every start).
        let all = Array(text.utf8)
        var lines: [Range<Int>] = []
        var start = 0
        for (i, byte) in all.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(start..<i)
            start = i + 1
        }
        lines.append(start..<all.count)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw LiteralTableError(line: 1, "the file is empty") }
        let fields = all[header].split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 4, fields[0] == LiteralTable.magic, let format = Int(fields[1]), let version = Int(fields[2]),
              let count = Int(fields[3]) else {
            throw LiteralTableError(line: 1, "not a literal table (the first line must be `\(LiteralTable.magic) FORMAT VERSION COUNT`)")
        }
        guard format == LiteralTable.formatVersion else { throw LiteralTableError(line: 1, "format \(format) is not \(LiteralTable.formatVersion)") }
        guard count == lines.count - 1 else {
            throw LiteralTableError(line: lines.count + 1, "the table says \(count) entries and holds \(lines.count - 1) (truncated?)")
        }
        var entries: [PatternDigest: LiteralRequirement] = [:]
        entries.reserveCapacity(count)
        for (i, line) in lines.dropFirst().enumerated() {
            guard line.count > 33, all[line.lowerBound + 32] == UInt8(ascii: "\t"),
                  let digest = PatternDigest(hex: all[line.lowerBound..<line.lowerBound + 32]) else {
                throw LiteralTableError(line: i + 2, "an entry must be a 32-digit digest, a tab and a requirement")
            }
            var parser = RequirementParser(bytes: all, offset: line.lowerBound + 33, end: line.upperBound)
            guard let requirement = parser.requirement(depth: 0), parser.offset == line.upperBound else {
                throw LiteralTableError(line: i + 2, "a requirement is malformed near byte \(parser.offset - line.lowerBound + 1)")
            }
            guard entries.updateValue(requirement, forKey: digest) == nil else {
                throw LiteralTableError(line: i + 2, "digest \(digest.hex) appears twice")
            }
        }
        guard version == LiteralExtractor.version else {
            throw LiteralTableError(line: 1, "written by literal extractor version \(version), this scamflow has \(LiteralExtractor.version)",
                                    otherVersion: true)
        }
        self.entries = entries
    }

    /// Bounds-checked reading of one requirement, from `offset` up to `end` (its line's end);
    /// every failure is nil.
    struct RequirementParser {
        let bytes: [UInt8]
        var offset: Int
        let end: Int

        mutating func requirement(depth: Int) -> LiteralRequirement? {
            guard depth < 64, offset < end else { return nil }
            switch bytes[offset] {
            case UInt8(ascii: "*"):
                offset += 1
                return .always
            case UInt8(ascii: "["):
                offset += 1
                var literals: [[UInt8]] = []
                while true {
                    let start = offset
                    while offset < end, bytes[offset] != UInt8(ascii: ","), bytes[offset] != UInt8(ascii: "]") { offset += 1 }
                    guard offset < end, let literal = LiteralTable.unhex(bytes[start..<offset]), !literal.isEmpty else { return nil }
                    literals.append(literal)
                    offset += 1
                    if bytes[offset - 1] == UInt8(ascii: "]") { return .anyOf(literals) }
                }
            case UInt8(ascii: "&"), UInt8(ascii: "|"):
                let isAll = bytes[offset] == UInt8(ascii: "&")
                offset += 1
                guard offset < end, bytes[offset] == UInt8(ascii: "(") else { return nil }
                offset += 1
                var parts: [LiteralRequirement] = []
                while true {
                    guard let part = requirement(depth: depth + 1), offset < end else { return nil }
                    parts.append(part)
                    offset += 1
                    if bytes[offset - 1] == UInt8(ascii: ")") { return isAll ? .all(parts) : .either(parts) }
                    guard bytes[offset - 1] == UInt8(ascii: ";") else { return nil }
                }
            default:
                return nil
            }
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of lowercase hex digits, or nil for anything else (odd length, other characters).
    static func unhex(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = text.startIndex
        while i < text.endIndex {
            guard let high = value(text[i]), let low = value(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

/// A table is encoded as its text form, so that a pack spec encoded whole (the built-in packs,
/// see `BuiltinPacks`) carries the same bytes as a `literals.sflit` file.
extension LiteralTable: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do throws(LiteralTableError) {
            self = try LiteralTable(text: text)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// Why a literal table was not used: where and what.
public struct LiteralTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the table file.
    public var line: Int
    public var message: String
    /// The table is sound but belongs to another extractor version (an older or newer scamflow
    /// built it): nothing is wrong, its patterns are extracted at load instead.
    public var otherVersion: Bool

    public init(line: Int, _ message: String, otherVersion: Bool = false) {
        self.line = line
        self.message = message
        self.otherVersion = otherVersion
    }

    public var description: String { "\(LiteralTable.fileName):\(line): \(message)" }
}

/// A 128-bit digest of a pattern's UTF-8 bytes: two FNV-1a hashes of different bases, each
/// finished with a 64-bit avalanche, and the length. Not cryptographic: the table is trusted as
/// far as the rules it comes with, so the digest only has to tell patterns apart by accident
/// (about 2^-128 for two patterns), not against an adversary.
public struct PatternDigest: Hashable, Sendable, Comparable {
    public let high: UInt64
    public let low: UInt64

    public init(_ pattern: String) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        var length: UInt64 = 0
        for byte in pattern.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_0193
            length &+= 1
        }
        high = PatternDigest.mix(a ^ length)
        low = PatternDigest.mix(b &+ length &* 0x9e37_79b9_7f4a_7c15)
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits, or nil.
    init?(hex: ArraySlice<UInt8>) {
        guard hex.count == 32, let bytes = LiteralTable.unhex(hex) else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for k in 0..<8 { h = h << 8 | UInt64(bytes[k]) }
        for k in 8..<16 { l = l << 8 | UInt64(bytes[k]) }
        self.init(high: h, low: l)
    }

    public var hex: String {
        var bytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return LiteralTable.hex(bytes)
    }

    /// The finalizer of MurmurHash3 (fmix64): every input bit affects every output bit.
    static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    public static func < (a: PatternDigest, b: PatternDigest) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
