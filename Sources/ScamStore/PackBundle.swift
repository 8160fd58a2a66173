import Crypto
import Foundation
import ScamPacks

/// A pack as one distributable file (`NAME-VERSION.sfpack`): a ustar archive holding
/// `MANIFEST.json` first, then the pack's files, then optionally `SIGNATURE.json`.
///
/// The manifest names the pack, its version and the oldest engine that loads it, and lists every
/// file with its size and SHA-256. The signature is an Ed25519 signature of the manifest's exact
/// bytes (behind a fixed prefix), so it covers every file through their hashes. A bundle that
/// `read` accepts is guaranteed to hold exactly the files of its manifest, each with the listed
/// hash, at safe relative paths, as valid UTF-8. The format is documented in Patterns/README.md.
public struct PackBundle: Sendable {
    public static let manifestName = "MANIFEST.json"
    public static let signatureName = "SIGNATURE.json"
    /// The largest bundle read or downloaded.
    public static let maxBytes = 64 << 20
    /// Prepended to the manifest bytes before signing, so a signature over a pack manifest can
    /// never be replayed as a signature over anything else.
    public static let signingPrefix = Array("scamflow-pack-signature/1\n".utf8)

    public struct File: Sendable, Hashable {
        public var path: String
        public var bytes: [UInt8]
    }

    public var manifest: BundleManifest
    /// The manifest exactly as stored (what the signature covers).
    public var manifestBytes: [UInt8]
    /// The pack's files in manifest order.
    public var files: [File]
    public var signature: BundleSignature?

    /// The files as the pack loader takes them.
    public var packFiles: [PackFile] {
        files.map { PackFile(path: $0.path, contents: String(decoding: $0.bytes, as: UTF8.self)) }
    }

    /// The file name `pack build` gives a bundle by default.
    public var suggestedFileName: String { "\(manifest.name)-\(manifest.version).sfpack" }

    /// SHA-256 of the manifest bytes: identifies the bundle's contents whatever its signature.
    public var contentID: String { Hashing.sha256Hex(manifestBytes) }

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] { PackBundle.signingPrefix + manifestBytes }

    /// Builds an unsigned bundle from a loaded pack's files.
    /// - Throws: `BundleError` when a path cannot go into a bundle (see `isSafePath`).
    public static func build(manifest pack: PackManifest, files: [PackFile], builtWith: String) throws(BundleError) -> PackBundle {
        try build(name: pack.name, version: pack.version.description, minEngine: pack.minEngine.description,
                  description: pack.description, files: files, builtWith: builtWith)
    }

    /// Builds an unsigned bundle from files and the manifest's fields as given (nothing checks
    /// that they agree with pack.yaml: installing does).
    public static func build(name: String, version: String, minEngine: String, description: String = "",
                             files: [PackFile], builtWith: String) throws(BundleError) -> PackBundle {
        var entries: [BundleManifest.Entry] = []
        var out: [File] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            guard isSafePath(file.path) else {
                throw BundleError(.unsupported, "cannot bundle \(file.path): paths may use only letters, digits, '.', '_', '-' and '/', at most 100 bytes, no hidden or '..' parts")
            }
            let bytes = Array(file.contents.utf8)
            entries.append(.init(path: file.path, size: bytes.count, sha256: Hashing.sha256Hex(bytes)))
            out.append(File(path: file.path, bytes: bytes))
        }
        let manifest = BundleManifest(name: name, version: version, minEngine: minEngine,
                                      description: description, builtWith: builtWith, files: entries)
        return PackBundle(manifest: manifest, manifestBytes: manifest.encoded(), files: out, signature: nil)
    }

    /// The bundle's bytes: a tar of the manifest, the files, and the signature when there is one.
    public func encoded() -> [UInt8] {
        var members = [Tar.Member(name: PackBundle.manifestName, bytes: manifestBytes)]
        members += files.map { Tar.Member(name: $0.path, bytes: $0.bytes) }
        if let signature { members.append(Tar.Member(name: PackBundle.signatureName, bytes: signature.encoded())) }
        return Tar.write(members)
    }

    /// Reads and checks a bundle: its structure, its manifest, and every file against its hash.
    /// Says nothing about who signed it (see `TrustStore.check`).
    public static func read(_ bytes: [UInt8]) throws(BundleError) -> PackBundle {
        guard bytes.count <= maxBytes else { throw BundleError(.unsupported, "the file is \(bytes.count) bytes; bundles are at most \(maxBytes)") }
        let members: [Tar.Member]
        do {
            members = try Tar.read(bytes)
        } catch {
            let truncated = error.message.hasPrefix("truncated")
            throw BundleError(truncated ? .truncated : .malformed,
                              "not a valid pack bundle: \(error)" + (truncated ? "; the file is incomplete (an interrupted download or copy?)" : ""))
        }
        guard let first = members.first, first.name == manifestName else {
            throw BundleError(.malformed, "not a pack bundle: the first member is \(members.first.map { "`\($0.name)`" } ?? "missing"), not \(manifestName)")
        }
        let manifest = try BundleManifest.decode(first.bytes)

        var expected: [String: BundleManifest.Entry] = [:]
        for entry in manifest.files { expected[entry.path] = entry }
        var found: [String: [UInt8]] = [:]
        var signature: BundleSignature?
        for (index, member) in members.enumerated().dropFirst() {
            if member.name == signatureName {
                guard index == members.count - 1 else { throw BundleError(.malformed, "\(signatureName) must be the last member of the bundle") }
                signature = try BundleSignature.decode(member.bytes)
                continue
            }
            guard let entry = expected[member.name] else {
                throw BundleError(.tampered, "the bundle holds `\(member.name)`, which its manifest does not list: it was modified after it was built")
            }
            guard found[member.name] == nil else { throw BundleError(.tampered, "the bundle holds `\(member.name)` twice") }
            guard member.bytes.count == entry.size, Hashing.sha256Hex(member.bytes) == entry.sha256 else {
                throw BundleError(.tampered, "`\(member.name)` does not match the SHA-256 in the manifest: the bundle was modified after it was built")
            }
            guard String(validating: member.bytes, as: UTF8.self) != nil else {
                throw BundleError(.malformed, "`\(member.name)` is not valid UTF-8")
            }
            found[member.name] = member.bytes
        }
        let files = try manifest.files.map { entry throws(BundleError) -> File in
            guard let bytes = found[entry.path] else {
                throw BundleError(.tampered, "the manifest lists `\(entry.path)`, which the bundle does not hold")
            }
            return File(path: entry.path, bytes: bytes)
        }
        return PackBundle(manifest: manifest, manifestBytes: first.bytes, files: files, signature: signature)
    }

    /// A copy signed with `key` (any earlier signature is replaced).
    public func signed(with key: SigningKey) throws -> PackBundle {
        var copy = self
        copy.signature = BundleSignature(keyID: key.keyID, signer: key.name, signature: try key.sign(signedMessage))
        return copy
    }

    /// Whether a path may appear in a bundle: relative, `/`-separated parts of `[A-Za-z0-9._-]`
    /// that do not start with '.', at most 100 bytes, and not one of the bundle's own members.
    public static func isSafePath(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard (1...100).contains(bytes.count), path != manifestName, path != signatureName else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, first != UInt8(ascii: ".") else { return false }
            return part.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x5F || b == 0x2D
            }
        }
    }
}

/// What `MANIFEST.json` says. Encoded with sorted keys so one pack always gives the same bytes.
public struct BundleManifest: Codable, Sendable, Hashable {
    public static let formatID = "scamflow-pack/1"

    public struct Entry: Codable, Sendable, Hashable {
        public var path: String
        public var size: Int
        public var sha256: String
    }

    public var format: String = formatID
    public var name: String
    public var version: String
    public var minEngine: String
    public var description: String
    /// The scamflow that built the bundle, for people.
    public var builtWith: String
    public var files: [Entry]

    enum CodingKeys: String, CodingKey {
        case format, name, version, description, files
        case minEngine = "min_engine"
        case builtWith = "built_with"
    }

    public init(name: String, version: String, minEngine: String, description: String, builtWith: String, files: [Entry]) {
        self.name = name
        self.version = version
        self.minEngine = minEngine
        self.description = description
        self.builtWith = builtWith
        self.files = files
    }

    public var semanticVersion: SemanticVersion { SemanticVersion(version) ?? SemanticVersion(0, 0, 0) }
    public var semanticMinEngine: SemanticVersion { SemanticVersion(minEngine) ?? SemanticVersion(0, 0, 0) }
    public var label: String { "\(name)@\(version)" }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    /// Decodes and validates a manifest: known format, a valid name and versions, safe unique
    /// paths, hashes of 64 lowercase hex digits, `pack.yaml` listed.
    static func decode(_ bytes: [UInt8]) throws(BundleError) -> BundleManifest {
        let manifest: BundleManifest
        do {
            manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(bytes))
        } catch {
            throw BundleError(.malformed, "\(PackBundle.manifestName) is not a valid manifest: \(Hashing.describe(error))")
        }
        guard manifest.format == formatID else {
            throw BundleError(.unsupported, "bundle format `\(manifest.format)` is not supported (this scamflow reads \(formatID)); upgrade scamflow")
        }
        guard PackLoader.isValidName(manifest.name) else { throw BundleError(.malformed, "the manifest's pack name `\(manifest.name)` is not allowed") }
        guard SemanticVersion(manifest.version) != nil else { throw BundleError(.malformed, "the manifest's version `\(manifest.version)` is not a version") }
        guard SemanticVersion(manifest.minEngine) != nil else { throw BundleError(.malformed, "the manifest's min_engine `\(manifest.minEngine)` is not a version") }
        var seen = Set<String>()
        for entry in manifest.files {
            guard PackBundle.isSafePath(entry.path) else { throw BundleError(.malformed, "the manifest lists an unsafe path `\(entry.path)`") }
            guard seen.insert(entry.path).inserted else { throw BundleError(.malformed, "the manifest lists `\(entry.path)` twice") }
            guard entry.size >= 0, Hashing.isSHA256Hex(entry.sha256) else { throw BundleError(.malformed, "the manifest entry for `\(entry.path)` has a bad size or SHA-256") }
        }
        guard seen.contains("pack.yaml") else { throw BundleError(.malformed, "the manifest does not list pack.yaml") }
        return manifest
    }
}

/// What `SIGNATURE.json` says: who signed, and the Ed25519 signature of `PackBundle.signedMessage`.
public struct BundleSignature: Codable, Sendable, Hashable {
    public var algorithm = "ed25519"
    /// The signing key's id (see `PublicKey.keyID`).
    public var keyID: String
    /// The name in the signer's key file. A claim, shown only next to the trust store's own name.
    public var signer: String
    /// Base64 of the 64-byte signature.
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case algorithm, signer, signature
        case keyID = "key_id"
    }

    public init(keyID: String, signer: String, signature: [UInt8]) {
        self.keyID = keyID
        self.signer = signer
        self.signature = Data(signature).base64EncodedString()
    }

    public var signatureBytes: [UInt8] { Array(Data(base64Encoded: signature) ?? Data()) }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    static func decode(_ bytes: [UInt8]) throws(BundleError) -> BundleSignature {
        let s: BundleSignature
        do {
            s = try JSONDecoder().decode(BundleSignature.self, from: Data(bytes))
        } catch {
            throw BundleError(.malformed, "\(PackBundle.signatureName) is not valid: \(Hashing.describe(error))")
        }
        guard s.algorithm == "ed25519" else { throw BundleError(.unsupported, "signature algorithm `\(s.algorithm)` is not supported (ed25519 only)") }
        guard s.keyID.utf8.count == 16, s.keyID.utf8.allSatisfy(Hashing.isLowerHex) else { throw BundleError(.malformed, "the signature's key_id is not 16 hex digits") }
        guard let raw = Data(base64Encoded: s.signature), raw.count == 64 else { throw BundleError(.malformed, "the signature is not 64 bytes of base64") }
        return s
    }
}

/// Why a bundle was refused.
public struct BundleError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not a bundle, or a member is not what the format says.
        case malformed
        /// The bytes end early.
        case truncated
        /// A file differs from its manifest entry, or is added or missing.
        case tampered
        /// A format, algorithm or size this scamflow does not handle.
        case unsupported
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// SHA-256 helpers.
public enum Hashing {
    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(Array(SHA256.hash(data: data)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func isLowerHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }

    public static func isSHA256Hex(_ s: String) -> Bool { s.utf8.count == 64 && s.utf8.allSatisfy(isLowerHex) }

    /// A one-line description of a decoding error.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing `\(key.stringValue)`"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at `\(c.codingPath.map(\.stringValue).joined(separator: "."))`"
        case DecodingError.dataCorrupted(let c):
            return c.codingPath.isEmpty ? "not JSON" : "bad value at `\(c.codingPath.map(\.stringValue).joined(separator: "."))`"
        default: return "\(error)"
        }
    }
}
