import Foundation

/// Literal requirements extracted by earlier runs, so a process does not derive them again for
/// patterns it has already seen: extraction is the largest part of a cold pack load (about
/// 55 ms of CPU for the built-in packs, against 2 ms to read them back).
///
/// One file, `literals.bin`, in `$SCAMFLOW_CACHE_DIR`, else `$XDG_CACHE_HOME/scamflow`, else
/// `~/.cache/scamflow`; `SCAMFLOW_CACHE_DIR=off` turns the cache off.
///
/// Invariants:
/// - Entries are keyed by the whole pattern text (as compiled), never by a hash of it, and the
///   file is valid for one `LiteralExtractor.version` only: an entry is exactly what
///   `LiteralExtractor.requirement(of:)` returns for its pattern, so using the cache can change
///   how fast a scan runs, never what it finds (`PrefilterEquivalenceTests` checks it).
/// - Any damage (truncation, garbage, another version, an entry that breaks the requirement
///   invariants) makes the whole file count as empty; reading never crashes and never throws.
/// - Written atomically (temporary file, then rename), so a reader never sees half a file and
///   two processes writing at once leave one complete file; a cache that cannot be written is
///   skipped silently (a read-only home must not stop a scan).
public struct LiteralCache: Sendable {
    /// Requirements by pattern.
    public typealias Entries = [PatternKey: LiteralRequirement]

    /// The cache file.
    public let file: URL
    /// Most entries kept: those of the current run first, then older ones (rule authors editing
    /// patterns would otherwise grow the file without bound).
    static let maxEntries = 20_000
    static let magic: [UInt8] = Array("SFLITRQ1".utf8)

    public init(file: URL) { self.file = file }

    /// The cache the environment asks for, or nil when it is turned off or no folder is known.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> LiteralCache? {
        let folder: URL
        if let dir = environment["SCAMFLOW_CACHE_DIR"], !dir.isEmpty {
            if dir == "off" { return nil }
            folder = URL(fileURLWithPath: dir)
        } else if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            folder = URL(fileURLWithPath: xdg).appendingPathComponent("scamflow")
        } else if let home = environment["HOME"], !home.isEmpty {
            folder = URL(fileURLWithPath: home).appendingPathComponent(".cache/scamflow")
        } else {
            return nil
        }
        return LiteralCache(file: folder.appendingPathComponent("literals.bin"))
    }

    /// The entries on disk; empty when there is no file or it is not a valid one.
    public func load() -> Entries {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [:] }
        return LiteralCache.decode(Array(data)) ?? [:]
    }

    /// Writes `current` (this run's patterns) plus as many of `older` as fit under the cap.
    public func store(_ current: Entries, keeping older: Entries) {
        var entries = Array(current)
        for (pattern, requirement) in older where current[pattern] == nil {
            guard entries.count < LiteralCache.maxEntries else { break }
            entries.append((pattern, requirement))
        }
        let bytes = LiteralCache.encode(entries)
        let folder = file.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        LiteralCache.removeStaleTemporaries(in: folder)
        // Our own temporary name (not Foundation's atomic write, whose `.dat.nosync` files stay
        // behind when the process exits mid-write), then rename.
        let temporary = folder.appendingPathComponent("\(LiteralCache.temporaryPrefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { return }
        let written = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        close(fd)
        if !written || rename(temporary.path, file.path) != 0 { unlink(temporary.path) }
    }

    static let temporaryPrefix = ".literals-"

    /// Temporary files of writers that exited before their rename (a process may end while the
    /// cache is written in the background): removed once they are ten minutes old.
    static func removeStaleTemporaries(in folder: URL) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(temporaryPrefix) && name.hasSuffix(".tmp") {
            let path = folder.appendingPathComponent(name).path
            if let modified = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
               modified.timeIntervalSinceNow < -600 {
                unlink(path)
            }
        }
    }

    // MARK: - Format

    // magic (8 bytes) · extractor version (u32) · entry count (u32) · entries; an entry is the
    // pattern (u32 length + UTF-8) and its requirement: tag byte 0 always, 1 anyOf, 2 all,
    // 3 either; anyOf: u32 count, then each literal as u32 length + bytes; all / either: u32
    // count, then the parts. Little-endian throughout.

    public static func encode(_ entries: [(PatternKey, LiteralRequirement)]) -> [UInt8] {
        var out = magic
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func bytes(_ b: [UInt8]) { u32(b.count); out.append(contentsOf: b) }
        func requirement(_ r: LiteralRequirement) {
            switch r {
            case .always: out.append(0)
            case .anyOf(let literals): out.append(1); u32(literals.count); literals.forEach(bytes)
            case .all(let parts): out.append(2); u32(parts.count); parts.forEach(requirement)
            case .either(let parts): out.append(3); u32(parts.count); parts.forEach(requirement)
            }
        }
        u32(LiteralExtractor.version)
        u32(entries.count)
        for (pattern, r) in entries {
            bytes(pattern.utf8)
            requirement(r)
        }
        return out
    }

    /// The entries of `bytes`, or nil when they are not a complete, valid file of this version.
    public static func decode(_ bytes: [UInt8]) -> Entries? {
        var reader = Reader(data: bytes)
        guard bytes.starts(with: magic) else { return nil }
        reader.offset = magic.count
        guard reader.u32() == LiteralExtractor.version, let count = reader.u32() else { return nil }
        var out: Entries = [:]
        out.reserveCapacity(min(count, maxEntries))
        for _ in 0..<count {
            guard let pattern = reader.chunk(), String(validating: pattern, as: UTF8.self) != nil,
                  let r = reader.requirement(depth: 0) else { return nil }
            out[PatternKey(utf8: pattern)] = r
        }
        return reader.offset == bytes.count ? out : nil
    }

    /// Bounds-checked reading; every failure is nil.
    struct Reader {
        let data: [UInt8]
        var offset = 0

        mutating func u32() -> Int? {
            guard offset + 4 <= data.count else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 { v |= UInt32(data[offset + k]) << (8 * UInt32(k)) }
            offset += 4
            return Int(v)
        }

        mutating func chunk() -> [UInt8]? {
            guard let n = u32(), n <= data.count - offset else { return nil }
            defer { offset += n }
            return Array(data[offset..<(offset + n)])
        }

        /// A requirement that keeps the invariants of `LiteralRequirement` (no empty set, no
        /// empty literal), nested at most 64 deep.
        mutating func requirement(depth: Int) -> LiteralRequirement? {
            guard depth < 64, offset < data.count else { return nil }
            let tag = data[offset]
            offset += 1
            switch tag {
            case 0: return .always
            case 1:
                guard let n = u32(), n > 0, n <= data.count - offset else { return nil }
                var literals: [[UInt8]] = []
                literals.reserveCapacity(n)
                for _ in 0..<n {
                    guard let literal = chunk(), !literal.isEmpty else { return nil }
                    literals.append(literal)
                }
                return .anyOf(literals)
            case 2, 3:
                guard let n = u32(), n > 0, n <= data.count - offset else { return nil }
                var parts: [LiteralRequirement] = []
                parts.reserveCapacity(n)
                for _ in 0..<n {
                    guard let part = requirement(depth: depth + 1) else { return nil }
                    parts.append(part)
                }
                return tag == 2 ? .all(parts) : .either(parts)
            default:
                return nil
            }
        }
    }
}

/// A pattern's text as a dictionary key, hashed and compared as UTF-8 bytes. `String` hashing
/// brings non-ASCII text to NFC first, and patterns are long runs of Han: keyed by `String`,
/// looking patterns up cost as much as reading the literal cache (profiled). Two spellings of
/// one canonical string are two keys here, which only costs a second extraction.
public struct PatternKey: Hashable, Sendable {
    public let utf8: [UInt8]

    public init(_ pattern: String) { utf8 = Array(pattern.utf8) }
    init(utf8: [UInt8]) { self.utf8 = utf8 }

    public func hash(into hasher: inout Hasher) {
        utf8.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (a: PatternKey, b: PatternKey) -> Bool { a.utf8 == b.utf8 }
}
