import Foundation
import ScamPacks

/// The folder of installed packs (`$XDG_DATA_HOME/scamflow/packs` by default).
///
/// Layout:
///
///     packs/
///       .generation          a counter bumped by every change of what is in force (streams poll it)
///       .lock                writers hold an exclusive flock(2) on it
///       .staging/            installs in progress (same filesystem, so the final rename is atomic)
///       NAME/
///         VERSION/           the pack's files, MANIFEST.json, SIGNATURE.json (if signed), install.json
///         VERSION.sfpack     the bundle as it was installed: what `pack repair` restores from
///         active -> VERSION  the version in force (a symlink, replaced atomically)
///         previous -> VERSION   the version `pack rollback` returns to
///         pinned -> VERSION  set by `pack rollback`: `pack update` leaves the pack alone
///
/// Invariants: `active` names a version folder that was complete and validated when it was
/// switched to (a folder only becomes visible by a rename once every file is written and
/// checked); at most two versions of a pack are kept (active and previous); every change takes
/// the lock, and a change of what is in force ends by bumping `.generation`. A change happens
/// whole or not at all: what can fail for want of space or permission (the staged files, the
/// new links, the next generation) is written before the first link moves (`StoreSwitch`).
///
/// Reading never writes: a version whose files no longer match its manifest is set aside at
/// load (`loadInForce`), never repaired behind the user's back.
public struct PackStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// `$XDG_DATA_HOME/scamflow/packs`, else `~/.local/share/scamflow/packs`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/scamflow/packs" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/scamflow/packs"
    }

    /// One installed version of a pack.
    public struct Version: Sendable {
        public var name: String
        public var version: String
        public var path: String
        public var manifest: BundleManifest?
        public var signature: BundleSignature?
        public var record: InstallRecord?

        public init(name: String, version: String, path: String, manifest: BundleManifest?,
                    signature: BundleSignature? = nil, record: InstallRecord? = nil) {
            self.name = name
            self.version = version
            self.path = path
            self.manifest = manifest
            self.signature = signature
            self.record = record
        }

        /// The bundle kept beside the version folder (`NAME/VERSION.sfpack`).
        public var bundlePath: String { path + ".sfpack" }
    }

    /// A pack in the store: the version in force, the one kept for rollback, and the pin.
    public struct Entry: Sendable {
        public var name: String
        public var active: Version?
        public var previous: Version?
        /// The version `pack rollback` put back, which `pack update` leaves in force.
        public var pinned: String?
    }

    // MARK: Reading

    /// The value of `.generation` ("0" when the store has never changed or does not exist).
    public func generation() -> String {
        guard let data = FileManager.default.contents(atPath: path(".generation")) else { return "0" }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every pack in the store, by name.
    public func entries() -> [Entry] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { PackLoader.isValidName($0) }.sorted()
        return names.compactMap { name in
            let active = link(name, "active").map { version(name, $0) }
            let previous = link(name, "previous").map { version(name, $0) }
            guard active != nil || previous != nil else { return nil }
            return Entry(name: name, active: active, previous: previous, pinned: link(name, "pinned"))
        }
    }

    public func entry(_ name: String) -> Entry? { entries().first { $0.name == name } }

    /// The active version of every pack, checked against its manifest and loaded. A file that
    /// differs from its manifest (the store was edited by hand or damaged) makes that pack fail
    /// with an `SF110` error instead of loading something nobody checked.
    public func loadActive() -> [PackLoader.Result] {
        entries().compactMap { $0.active.map(load) }
    }

    /// What `loadInForce` gives: a loaded version per pack, and the versions set aside.
    public struct Load: Sendable {
        /// One per pack: its active version, or its previous one standing in for a broken one.
        public var results: [PackLoader.Result]
        public var setAside: [SetAside]
    }

    /// An active version that did not verify against its manifest or did not load.
    public struct SetAside: Sendable {
        public var name: String
        public var version: String
        public var path: String
        /// Why: the first error of its check or load.
        public var diagnostics: [Diagnostic]
        /// The previous version loaded in its place, when it verified and loaded.
        public var previous: String?
    }

    /// The packs in force, failing towards protection: an active version that does not verify
    /// or load is set aside and its previous version used when that one does; else the pack is
    /// left out (the caller falls back to the built-in pack of the name). Writes nothing.
    public func loadInForce() -> Load {
        var load = Load(results: [], setAside: [])
        for entry in entries() {
            guard let active = entry.active else { continue }
            let result = self.load(active)
            if result.pack != nil {
                load.results.append(result)
                continue
            }
            let stand = entry.previous.flatMap { $0.version == active.version ? nil : self.load($0) }
            if let stand, stand.pack != nil { load.results.append(stand) }
            load.setAside.append(SetAside(name: entry.name, version: active.version, path: active.path,
                                          diagnostics: result.diagnostics.filter { $0.severity == .error },
                                          previous: stand?.pack == nil ? nil : entry.previous?.version))
        }
        return load
    }

    /// One version, checked against its manifest, then loaded.
    public func load(_ version: Version) -> PackLoader.Result {
        do throws(Diagnostic) {
            return PackLoader.load(files: try verifiedFiles(of: version), root: version.path, origin: .installed(version.path))
        } catch {
            return .failed(error)
        }
    }

    /// The files of an installed version, each checked against the SHA-256 in its manifest.
    public func verifiedFiles(of version: Version) throws(Diagnostic) -> [PackFile] {
        let at = SourceLocation(file: version.path)
        let hint = "`scamflow pack repair` restores it (or `scamflow pack install` its bundle again)"
        guard let manifest = version.manifest else {
            throw Diagnostic(.unreadable, at: at, "installed pack \(version.name) \(version.version) has no readable \(PackBundle.manifestName)", hint: hint)
        }
        guard manifest.name == version.name, manifest.version == version.version else {
            throw Diagnostic(.unreadable, at: at, "installed pack folder \(version.name)/\(version.version) holds \(manifest.label)", hint: hint)
        }
        var files: [PackFile] = []
        for entry in manifest.files {
            let file = (version.path as NSString).appendingPathComponent(entry.path)
            // Say which: a file that is gone and one that was changed call for different looks.
            guard let data = FileManager.default.contents(atPath: file) else {
                throw Diagnostic(.unreadable, at: SourceLocation(file: file),
                                 "installed pack \(manifest.label) was changed on disk: \(entry.path) is missing", hint: hint)
            }
            guard Hashing.sha256Hex(data) == entry.sha256, let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic(.unreadable, at: SourceLocation(file: file),
                                 "installed pack \(manifest.label) was changed on disk: \(entry.path) does not match its manifest "
                                 + "(\(data.count) bytes, the manifest says \(entry.size) and another SHA-256)", hint: hint)
            }
            files.append(PackFile(path: entry.path, contents: text))
        }
        return files
    }

    /// Everything wrong with an installed version against its manifest, each a short sentence:
    /// a missing or unreadable manifest, a manifest for another pack, each file missing or
    /// changed. Empty when the version is intact. Files the manifest does not list are not
    /// damage: loading reads only the files listed (`unlisted` names the others).
    public func audit(_ version: Version) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: version.path, isDirectory: &isDir), isDir.boolValue else {
            return ["the folder \(version.path) is missing"]
        }
        guard let manifest = version.manifest else { return ["\(PackBundle.manifestName) is missing or unreadable"] }
        guard manifest.name == version.name, manifest.version == version.version else {
            return ["\(PackBundle.manifestName) describes \(manifest.label)"]
        }
        var problems: [String] = []
        for entry in manifest.files {
            let file = (version.path as NSString).appendingPathComponent(entry.path)
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append("\(entry.path) is missing")
                continue
            }
            if data.count != entry.size || Hashing.sha256Hex(data) != entry.sha256 {
                problems.append("\(entry.path) does not match its manifest (\(data.count) bytes, the manifest says \(entry.size) and another SHA-256)")
            }
        }
        return problems
    }

    /// The files of an installed version its manifest does not list (scamflow's own metadata
    /// aside), relative to its folder: loading ignores them, so they are worth a word, not a
    /// repair. Empty when the manifest cannot be read (`audit` says so).
    public func unlisted(_ version: Version) -> [String] {
        guard let manifest = version.manifest else { return [] }
        let listed = Set(manifest.files.map(\.path) + PackStore.metadataFiles)
        return regularFiles(under: version.path).filter { !listed.contains($0) }
    }

    /// Files of a version folder that are scamflow's, not the pack's.
    static let metadataFiles = [PackBundle.manifestName, PackBundle.signatureName, InstallRecord.fileName]

    /// Relative paths of the regular files under `folder` (symbolic links count as files).
    func regularFiles(under folder: String) -> [String] {
        (FileManager.default.subpaths(atPath: folder) ?? []).filter { relative in
            var isDir: ObjCBool = false
            let full = (folder as NSString).appendingPathComponent(relative)
            return !(FileManager.default.fileExists(atPath: full, isDirectory: &isDir) && isDir.boolValue)
        }.sorted()
    }

    // MARK: Paths and links

    /// A path inside the store.
    public func path(_ parts: String...) -> String {
        parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// The version a link of a pack names (`active`, `previous`, `pinned`), if it is a version.
    func link(_ name: String, _ which: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path(name, which)),
              SemanticVersion(target) != nil, !target.contains("/") else { return nil }
        return target
    }

    func version(_ name: String, _ version: String) -> Version {
        let folder = path(name, version)
        func read(_ file: String) -> [UInt8]? {
            FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(file)).map(Array.init)
        }
        return Version(name: name, version: version, path: folder,
                       manifest: read(PackBundle.manifestName).flatMap { try? BundleManifest.decode($0) },
                       signature: read(PackBundle.signatureName).flatMap { try? BundleSignature.decode($0) },
                       record: read(InstallRecord.fileName).flatMap { try? JSONDecoder().decode(InstallRecord.self, from: Data($0)) })
    }
}

/// How and when a version was installed: `install.json` in its folder.
public struct InstallRecord: Codable, Sendable {
    public static let fileName = "install.json"
    public var name: String
    public var version: String
    /// The file or URL it was installed from.
    public var origin: String
    /// RFC 3339, UTC.
    public var installedAt: String
    /// `trusted`, `unsigned` or `untrusted` (the last two only with --allow-unsigned).
    public var trust: String
    /// The signing key's id and the trust store's name for it, when signed.
    public var signerKeyID: String?
    public var signerName: String?
    /// SHA-256 of the bundle file as received.
    public var bundleSHA256: String

    enum CodingKeys: String, CodingKey {
        case name, version, origin, trust
        case installedAt = "installed_at"
        case signerKeyID = "signer_key_id"
        case signerName = "signer_name"
        case bundleSHA256 = "bundle_sha256"
    }

    public init(name: String, version: String, origin: String, installedAt: Date = Date(), verdict: TrustVerdict, bundleSHA256: String) {
        self.name = name
        self.version = version
        self.origin = origin
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        self.installedAt = formatter.string(from: installedAt)
        self.bundleSHA256 = bundleSHA256
        switch verdict {
        case .trusted(let key):
            trust = "trusted"; signerKeyID = key.keyID; signerName = key.name
        case .unknownKey(let id, let signer):
            trust = "untrusted"; signerKeyID = id; signerName = signer
        case .unsigned, .badSignature:
            trust = "unsigned"
        }
    }
}

/// A store operation that could not be done. Unless `storeChanged`, the store is as it was.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// True only when the operation failed half way and could not put everything back (the
    /// message then says what is left and how to fix it).
    public var storeChanged = false
    public init(_ message: String, storeChanged: Bool = false) {
        self.message = message
        self.storeChanged = storeChanged
    }
    public var description: String { message }

    static func reason(_ error: any Error) -> String {
        if let e = error as? StoreError { return e.message }
        if let e = error as? POSIXError { return String(cString: strerror(e.code.rawValue)) }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

/// Small-file writes that are never seen half done.
public enum StoreFile {
    /// Writes to a temporary file in the same folder, fsyncs it, and renames it over `path`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let temp = try writeTemporary(bytes, beside: path, mode: mode)
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw StoreError("cannot write \(path): \(reason)")
        }
    }

    /// Writes `bytes` to a new temporary file in the folder of `path` and fsyncs it; returns its
    /// path. Renaming it over `path` then needs no space: a full disk fails here, before.
    public static func writeTemporary(_ bytes: [UInt8], beside path: String, mode: mode_t = 0o644) throws -> String {
        let temp = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreError("cannot write \(path): \(String(cString: strerror(errno)))") }
        var offset = 0
        var ok = true
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 { if errno == EINTR { continue }; ok = false; break }
            offset += n
        }
        ok = ok && fsync(fd) == 0
        let code = errno
        close(fd)
        guard ok else {
            unlink(temp)
            throw StoreError("cannot write \(path): \(String(cString: strerror(code)))")
        }
        return temp
    }
}

extension PackLoader.Result {
    /// A load that failed with one diagnostic (a pack that could not even be read).
    public static func failed(_ diagnostic: Diagnostic) -> PackLoader.Result {
        PackLoader.Result(pack: nil, diagnostics: [diagnostic])
    }
}
