import Crypto
import Foundation
import ScamPacks

/// An Ed25519 public key that may sign packs, with the name people know it by.
///
/// Key files are one line: `scamflow-pack-public-key ed25519 KEYID BASE64 NAME...`, where KEYID
/// is the first 8 bytes of the SHA-256 of the raw key in hex (checked on reading, so a damaged
/// file is caught) and NAME is free text.
public struct PublicKey: Sendable, Hashable {
    public static let tag = "scamflow-pack-public-key"
    /// The 32 raw bytes.
    public let raw: [UInt8]
    public var name: String

    public init(raw: [UInt8], name: String) {
        self.raw = raw
        self.name = name
    }

    public var keyID: String { PublicKey.keyID(of: raw) }

    /// `name (keyid)`, or the id alone.
    public var label: String { name.isEmpty ? keyID : "\(name) (\(keyID))" }

    static func keyID(of raw: [UInt8]) -> String { String(Hashing.sha256Hex(raw).prefix(16)) }

    public var fileText: String {
        "\(PublicKey.tag) ed25519 \(keyID) \(Data(raw).base64EncodedString())" + (name.isEmpty ? "" : " \(name)") + "\n"
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Parses a public key file's text. `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(KeyFileError) -> PublicKey {
        let (raw, name) = try KeyFileError.parseLine(text, tag: tag, file: file, other: SigningKey.tag,
                                                     otherHint: "this is a private key: give its .pub file (never share the .key)")
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw KeyFileError("\(file): not a valid Ed25519 public key")
        }
        return PublicKey(raw: raw, name: name)
    }

    public static func load(path: String) throws(KeyFileError) -> PublicKey {
        try parse(try KeyFileError.readText(path), file: path)
    }
}

/// An Ed25519 private key for signing packs (`pack keygen` writes it, `pack sign --key` reads it).
///
/// File: `scamflow-pack-private-key ed25519 KEYID BASE64 NAME...` (BASE64 of the 32-byte seed;
/// KEYID is the id of the matching public key). Written with mode 0600.
public struct SigningKey: Sendable {
    public static let tag = "scamflow-pack-private-key"
    private let seed: [UInt8]
    public let name: String

    /// A new random key.
    public static func generate(name: String) -> SigningKey {
        SigningKey(seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation), name: name)
    }

    private init(seed: [UInt8], name: String) {
        self.seed = seed
        self.name = name
    }

    private var key: Curve25519.Signing.PrivateKey {
        // The seed was checked when the key was made or parsed.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    public var publicKey: PublicKey { PublicKey(raw: Array(key.publicKey.rawRepresentation), name: name) }
    public var keyID: String { publicKey.keyID }

    public var fileText: String {
        "\(SigningKey.tag) ed25519 \(keyID) \(Data(seed).base64EncodedString())" + (name.isEmpty ? "" : " \(name)") + "\n"
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message))
    }

    public static func parse(_ text: String, file: String) throws(KeyFileError) -> SigningKey {
        let (seed, name) = try KeyFileError.parseLine(text, tag: tag, file: file, other: PublicKey.tag,
                                                      otherHint: "this is a public key: sign with the private key (.key) that `pack keygen` wrote next to it")
        guard seed.count == 32, (try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)) != nil else {
            throw KeyFileError("\(file): not a valid Ed25519 private key")
        }
        let key = SigningKey(seed: seed, name: name)
        return key
    }

    public static func load(path: String) throws(KeyFileError) -> SigningKey {
        try parse(try KeyFileError.readText(path), file: path)
    }
}

/// A key file that cannot be used, and why.
public struct KeyFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func readText(_ path: String) throws(KeyFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyFileError("\(path): cannot read the key file") }
        guard data.count < 4096, let text = String(data: data, encoding: .utf8) else { throw KeyFileError("\(path): not a scamflow key file") }
        return text
    }

    /// Splits `TAG ed25519 KEYID BASE64 [NAME...]`, checking the tag, the algorithm, the base64
    /// and that KEYID is the id of the public key the bytes give.
    static func parseLine(_ text: String, tag: String, file: String, other: String, otherHint: String) throws(KeyFileError) -> ([UInt8], String) {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let parts = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true).map(String.init)
        if parts.first == other { throw KeyFileError("\(file): \(otherHint)") }
        guard parts.count >= 4, parts[0] == tag else { throw KeyFileError("\(file): not a scamflow key file (expected a line starting with `\(tag)`)") }
        guard parts[1] == "ed25519" else { throw KeyFileError("\(file): key algorithm `\(parts[1])` is not supported (ed25519 only)") }
        guard let data = Data(base64Encoded: parts[3]), data.count == 32 else { throw KeyFileError("\(file): the key is not 32 bytes of base64") }
        let raw = Array(data)
        let publicRaw: [UInt8]
        if tag == SigningKey.tag {
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else { throw KeyFileError("\(file): not a valid Ed25519 private key") }
            publicRaw = Array(key.publicKey.rawRepresentation)
        } else {
            publicRaw = raw
        }
        guard PublicKey.keyID(of: publicRaw) == parts[2] else {
            throw KeyFileError("\(file): the key id \(parts[2]) does not match the key (the file is damaged)")
        }
        return (raw, parts.count > 4 ? parts[4].trimmingCharacters(in: .whitespaces) : "")
    }
}

/// Who signed a bundle, judged against the trusted keys.
public enum TrustVerdict: Sendable, Equatable {
    /// Signed, and the signature verifies with a trusted key.
    case trusted(PublicKey)
    /// No signature.
    case unsigned
    /// Signed by a key the trust store does not hold.
    case unknownKey(keyID: String, signer: String)
    /// Signed in the name of a trusted key, but the signature does not verify: the manifest was
    /// changed after signing, or the signature was made with another key.
    case badSignature(PublicKey)

    public var isTrusted: Bool { if case .trusted = self { return true } else { return false } }

    /// One line for people.
    public var summary: String {
        switch self {
        case .trusted(let key): return "signed by \(key.label), a trusted key"
        case .unsigned: return "not signed"
        case .unknownKey(let id, let signer):
            return "signed by key \(id)" + (signer.isEmpty ? "" : " (calling itself \"\(signer)\")") + ", which is not in the trust store"
        case .badSignature(let key):
            return "the signature does not verify with \(key.label): the bundle was changed after it was signed, or signed with another key"
        }
    }
}

/// The public keys whose signatures make a pack trusted: every `*.pub` file in one folder
/// (`$XDG_CONFIG_HOME/scamflow/trusted-keys` by default), plus keys given on the command line.
public struct TrustStore: Sendable {
    public let directory: String
    public var extraKeys: [PublicKey]

    public init(directory: String, extraKeys: [PublicKey] = []) {
        self.directory = directory
        self.extraKeys = extraKeys
    }

    /// The keys, and a message for each file in the folder that is not a usable key.
    public func keys() -> (keys: [PublicKey], problems: [String]) {
        var keys = extraKeys
        var problems: [String] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".pub") }.sorted()
        for name in names {
            do {
                keys.append(try PublicKey.load(path: (directory as NSString).appendingPathComponent(name)))
            } catch {
                problems.append("\(error); ignored")
            }
        }
        return (keys, problems)
    }

    /// Judges a bundle's signature.
    public func check(_ bundle: PackBundle) -> TrustVerdict {
        guard let signature = bundle.signature else { return .unsigned }
        guard let key = keys().keys.first(where: { $0.keyID == signature.keyID }) else {
            return .unknownKey(keyID: signature.keyID, signer: signature.signer)
        }
        return key.isValidSignature(signature.signatureBytes, for: bundle.signedMessage) ? .trusted(key) : .badSignature(key)
    }

    /// Adds a key as `KEYID.pub`; returns the file written.
    @discardableResult
    public func add(_ key: PublicKey) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("\(key.keyID).pub")
        try Data(key.fileText.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// Removes the keys whose id or name is `idOrName`; returns them (empty when none matched).
    public func remove(_ idOrName: String) throws -> [PublicKey] {
        var removed: [PublicKey] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".pub") }
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let key = try? PublicKey.load(path: path), key.keyID == idOrName || key.name == idOrName else { continue }
            try FileManager.default.removeItem(atPath: path)
            removed.append(key)
        }
        return removed
    }
}
