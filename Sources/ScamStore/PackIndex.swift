import Foundation
import ScamPacks

/// What a pack source offers: `index.json` at the root of a folder or of an http(s) location.
///
///     {"format": "scamflow-pack-index/1",
///      "packs": [{"name": "demo", "version": "1.1.0", "min_engine": "0.1.0",
///                 "url": "demo-1.1.0.sfpack", "size": 5632, "sha256": "..."}]}
///
/// `url` is resolved against the index's own location (a bare file name is a file next to it).
/// `size` and `sha256` are of the bundle file: a download that differs (cut short, replaced)
/// is refused before it is even opened. The index is not signed; trust comes from each bundle's
/// own signature. `scamflow pack index DIR` writes it.
public struct PackIndex: Codable, Sendable, Equatable {
    public static let formatID = "scamflow-pack-index/1"
    public static let fileName = "index.json"

    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var minEngine: String
        public var url: String
        public var size: Int
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case name, version, url, size, sha256
            case minEngine = "min_engine"
        }

        public init(name: String, version: String, minEngine: String, url: String, size: Int, sha256: String) {
            self.name = name
            self.version = version
            self.minEngine = minEngine
            self.url = url
            self.size = size
            self.sha256 = sha256
        }

        public var semanticVersion: SemanticVersion { SemanticVersion(version) ?? SemanticVersion(0, 0, 0) }
        public var semanticMinEngine: SemanticVersion { SemanticVersion(minEngine) ?? SemanticVersion(0, 0, 0) }
        public var label: String { "\(name)@\(version)" }
    }

    public var format: String = formatID
    public var packs: [Entry]

    public init(packs: [Entry]) { self.packs = packs }

    /// An index of bundles: each one's manifest gives name, version and engine.
    public static func of(bundles: [(fileName: String, bytes: [UInt8], bundle: PackBundle)]) -> PackIndex {
        PackIndex(packs: bundles.map { item in
            Entry(name: item.bundle.manifest.name, version: item.bundle.manifest.version, minEngine: item.bundle.manifest.minEngine,
                  url: item.fileName, size: item.bytes.count, sha256: Hashing.sha256Hex(item.bytes))
        }.sorted { ($0.name, $0.semanticVersion) < ($1.name, $1.semanticVersion) })
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    /// Decodes and checks an index. `source` names it in messages.
    public static func decode(_ bytes: [UInt8], source: String) throws(BundleError) -> PackIndex {
        let index: PackIndex
        do {
            index = try JSONDecoder().decode(PackIndex.self, from: Data(bytes))
        } catch {
            throw BundleError(.malformed, "\(source) is not a scamflow pack index: \(Hashing.describe(error))")
        }
        guard index.format == formatID else {
            throw BundleError(.unsupported, "\(source): index format `\(index.format)` is not supported (this scamflow reads \(formatID))")
        }
        for e in index.packs {
            guard PackLoader.isValidName(e.name), SemanticVersion(e.version) != nil, SemanticVersion(e.minEngine) != nil,
                  !e.url.isEmpty, e.size > 0, e.size <= PackBundle.maxBytes, Hashing.isSHA256Hex(e.sha256) else {
                throw BundleError(.malformed, "\(source): the entry for \(e.name) \(e.version) is not valid")
            }
        }
        return index
    }

    /// The newest version of `name` this engine can load, and the newest of all (which may
    /// need a newer engine).
    public func newest(_ name: String, engine: SemanticVersion = Engine.version) -> (usable: Entry?, newest: Entry?) {
        let all = packs.filter { $0.name == name }
        return (all.filter { $0.semanticMinEngine <= engine }.max { $0.semanticVersion < $1.semanticVersion },
                all.max { $0.semanticVersion < $1.semanticVersion })
    }
}

/// Where scamflow keeps its pack store and configuration, from flags and the environment.
public enum PackPaths {
    /// `--store`, else `$SCAMFLOW_STORE`, else `$XDG_DATA_HOME/scamflow/packs`, else
    /// `~/.local/share/scamflow/packs`.
    public static func store(_ flag: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return absolute(flag) }
        if let env = environment["SCAMFLOW_STORE"], !env.isEmpty { return absolute(env) }
        return PackStore.defaultRoot(environment: environment)
    }

    /// `--config`, else `$SCAMFLOW_CONFIG_DIR`, else `$XDG_CONFIG_HOME/scamflow`, else
    /// `~/.config/scamflow`. Holds `trusted-keys/` and `sources`.
    public static func config(_ flag: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return absolute(flag) }
        if let env = environment["SCAMFLOW_CONFIG_DIR"], !env.isEmpty { return absolute(env) }
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/scamflow" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/scamflow"
    }

    /// `path` made absolute against the current folder.
    public static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }
}

/// The configured pack sources: one folder or http(s) URL a line in `CONFIG/sources`
/// (`#` starts a comment).
public struct PackSources: Sendable {
    public let file: String

    public init(configDirectory: String) {
        file = (configDirectory as NSString).appendingPathComponent("sources")
    }

    public func list() -> [String] {
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "" }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Adds a source (folders are stored as absolute paths); returns false if it was there.
    public func add(_ source: String) throws -> Bool {
        let normalized = PackSources.normalize(source)
        var sources = list()
        guard !sources.contains(normalized) else { return false }
        sources.append(normalized)
        try write(sources)
        return true
    }

    /// Removes a source; returns false if it was not there.
    public func remove(_ source: String) throws -> Bool {
        let sources = list()
        let kept = sources.filter { $0 != source && $0 != PackSources.normalize(source) }
        guard kept.count != sources.count else { return false }
        try write(kept)
        return true
    }

    /// URLs stay as they are; folders become absolute paths.
    public static func normalize(_ source: String) -> String {
        isURL(source) ? source : PackPaths.absolute(source)
    }

    /// Whether `text` is a valid pack name (`[a-z0-9-]+`).
    public static func isPackName(_ text: String) -> Bool { PackLoader.isValidName(text) }

    public static func isURL(_ source: String) -> Bool {
        source.hasPrefix("http://") || source.hasPrefix("https://")
    }

    private func write(_ sources: [String]) throws {
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let text = "# scamflow pack sources: one folder or http(s) URL of an index.json a line\n" + sources.map { $0 + "\n" }.joined()
        try StoreFile.writeAtomically(Array(text.utf8), to: file)
    }
}
