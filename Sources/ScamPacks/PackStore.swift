import Foundation

/// The folder of installed packs (`$XDG_DATA_HOME/scamflow/packs` by default).
///
/// Layout:
///
///     packs/
///       .generation          a counter bumped after every change (a running stream polls it)
///       .lock                writers hold an exclusive flock(2) on it
///       .staging/            installs in progress (same filesystem, so the final rename is atomic)
///       NAME/
///         VERSION/           the pack's files, MANIFEST.json, SIGNATURE.json (if signed), install.json
///         active -> VERSION  the version in force (a symlink, replaced atomically)
///         previous -> VERSION   the version `pack rollback` returns to
///
/// Invariants: `active` always names a complete, validated version folder (a folder only becomes
/// visible by a rename once every file is written and checked); at most two versions of a pack are
/// kept (active and previous); every change takes the lock and ends by bumping `.generation`. A
/// failed operation leaves every file outside `.staging` as it was.
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
    }

    /// A pack in the store: the version in force and the one kept for rollback.
    public struct Entry: Sendable {
        public var name: String
        public var active: Version?
        public var previous: Version?
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
            return active == nil && previous == nil ? nil : Entry(name: name, active: active, previous: previous)
        }
    }

    public func entry(_ name: String) -> Entry? { entries().first { $0.name == name } }

    /// The active version of every pack, checked against its manifest and loaded. A file that
    /// differs from its manifest (the store was edited by hand or damaged) makes that pack fail
    /// with an `SF110` error instead of loading something nobody checked.
    public func loadActive() -> [PackLoader.Result] {
        entries().compactMap { entry -> PackLoader.Result? in
            guard let active = entry.active else { return nil }
            do throws(Diagnostic) {
                let files = try verifiedFiles(of: active)
                return PackLoader.load(files: files, root: active.path, origin: .installed(active.path))
            } catch {
                return PackLoader.Result(pack: nil, diagnostics: [error])
            }
        }
    }

    /// The files of an installed version, each checked against the SHA-256 in its manifest.
    public func verifiedFiles(of version: Version) throws(Diagnostic) -> [PackFile] {
        let at = SourceLocation(file: version.path)
        let hint = "reinstall the pack, or `scamflow pack rollback \(version.name)`"
        guard let manifest = version.manifest else {
            throw Diagnostic(.unreadable, at: at, "installed pack \(version.name) \(version.version) has no readable \(PackBundle.manifestName)", hint: hint)
        }
        guard manifest.name == version.name, manifest.version == version.version else {
            throw Diagnostic(.unreadable, at: at, "installed pack folder \(version.name)/\(version.version) holds \(manifest.label)", hint: hint)
        }
        var files: [PackFile] = []
        for entry in manifest.files {
            let file = (version.path as NSString).appendingPathComponent(entry.path)
            guard let data = FileManager.default.contents(atPath: file), Hashing.sha256Hex(data) == entry.sha256,
                  let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic(.unreadable, at: SourceLocation(file: file),
                                 "installed pack \(manifest.label) was changed on disk: \(entry.path) is missing or does not match its manifest", hint: hint)
            }
            files.append(PackFile(path: entry.path, contents: text))
        }
        return files
    }

    // MARK: Writing

    /// What `install` did.
    public enum InstallOutcome: Sendable, Equatable {
        /// The version is now active; `replaced` is the version it replaced, if any.
        case installed(replaced: String?)
        /// That exact bundle was already the active version: nothing changed.
        case alreadyActive
    }

    /// Installs a bundle atomically: writes its files to a staging folder, runs `validate` on
    /// that folder (lint, compile, tests: the caller's), renames it into place, then switches
    /// `active` to it and keeps the version it replaces as `previous`. When anything fails,
    /// the staging folder is removed and the store is as it was.
    ///
    /// Installing a version that is already there with different contents is refused: a version
    /// number names one set of rules.
    public func install(_ bundle: PackBundle, record: InstallRecord, validate: (String) throws -> Void) throws -> InstallOutcome {
        let name = bundle.manifest.name, version = bundle.manifest.version
        return try withLock {
            let target = path(name, version)
            if FileManager.default.fileExists(atPath: target) {
                let existing = FileManager.default.contents(atPath: (target as NSString).appendingPathComponent(PackBundle.manifestName))
                guard let existing, Hashing.sha256Hex(existing) == bundle.contentID else {
                    throw StoreError("a different build of \(name) \(version) is already installed; give the new one a new version number in pack.yaml")
                }
                if link(name, "active") == version { return .alreadyActive }
                // The same bundle kept as `previous`: check it again with today's packs, then switch.
                try validate(target)
                let replaced = link(name, "active")
                try switchActive(name, to: version)
                try bumpGeneration()
                return .installed(replaced: replaced)
            }
            let staging = try stage(bundle, record: record)
            do {
                try validate(staging)
                try createDirectory(path(name))
                try rename(staging, target)
            } catch {
                try? FileManager.default.removeItem(atPath: staging)
                throw error
            }
            let replaced = link(name, "active")
            try switchActive(name, to: version)
            prune(name)
            try bumpGeneration()
            return .installed(replaced: replaced)
        }
    }

    /// Makes the previous version active again, and the one it replaces the previous (so a
    /// second rollback undoes the first). Returns (from, to).
    @discardableResult
    public func rollback(_ name: String) throws -> (from: String, to: String) {
        try withLock {
            guard let active = link(name, "active") else { throw StoreError("\(name) is not installed") }
            guard let previous = link(name, "previous"), FileManager.default.fileExists(atPath: path(name, previous)) else {
                throw StoreError("\(name) has no previous version to roll back to (\(active) is the only one installed); `scamflow pack remove \(name)` goes back to the built-in pack, if there is one")
            }
            try setLink(name, "active", to: previous)
            try setLink(name, "previous", to: active)
            try bumpGeneration()
            return (active, previous)
        }
    }

    /// Removes every installed version of a pack. Returns the version that was active.
    @discardableResult
    public func remove(_ name: String) throws -> String {
        try withLock {
            guard PackLoader.isValidName(name), let active = link(name, "active") ?? link(name, "previous") else {
                throw StoreError("\(name) is not installed")
            }
            let trash = path(".staging", "removed-\(name)-\(UUID().uuidString)")
            try rename(path(name), trash)
            try? FileManager.default.removeItem(atPath: trash)
            try bumpGeneration()
            return active
        }
    }

    // MARK: Internals

    /// A path inside the store.
    public func path(_ parts: String...) -> String {
        parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) }
    }

    private func link(_ name: String, _ which: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path(name, which)),
              SemanticVersion(target) != nil, !target.contains("/") else { return nil }
        return target
    }

    private func version(_ name: String, _ version: String) -> Version {
        let folder = path(name, version)
        func read(_ file: String) -> [UInt8]? {
            FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(file)).map(Array.init)
        }
        return Version(name: name, version: version, path: folder,
                       manifest: read(PackBundle.manifestName).flatMap { try? BundleManifest.decode($0) },
                       signature: read(PackBundle.signatureName).flatMap { try? BundleSignature.decode($0) },
                       record: read(InstallRecord.fileName).flatMap { try? JSONDecoder().decode(InstallRecord.self, from: Data($0)) })
    }

    /// Runs `body` holding the store's lock, after making sure the store is a writable folder
    /// and clearing what crashed installs left in `.staging`.
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        do {
            try createDirectory(root)
            try createDirectory(path(".staging"))
        } catch {
            throw StoreError("cannot write to the pack store at \(root): \(StoreError.reason(error))")
        }
        let fd = open(path(".lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError("cannot write to the pack store at \(root): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw StoreError("cannot lock the pack store at \(root): \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: path(".staging"))) ?? [] {
            try? FileManager.default.removeItem(atPath: path(".staging", leftover))
        }
        return try body()
    }

    /// Writes the bundle's files and metadata to a new folder under `.staging`.
    private func stage(_ bundle: PackBundle, record: InstallRecord) throws -> String {
        let staging = path(".staging", "\(bundle.manifest.name)-\(bundle.manifest.version)-\(UUID().uuidString)")
        do {
            try createDirectory(staging)
            func write(_ relative: String, _ bytes: [UInt8]) throws {
                let file = (staging as NSString).appendingPathComponent(relative)
                try createDirectory((file as NSString).deletingLastPathComponent)
                try Data(bytes).write(to: URL(fileURLWithPath: file))
            }
            for file in bundle.files { try write(file.path, file.bytes) }
            try write(PackBundle.manifestName, bundle.manifestBytes)
            if let signature = bundle.signature { try write(PackBundle.signatureName, signature.encoded()) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try write(InstallRecord.fileName, Array(try encoder.encode(record)))
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw StoreError("cannot write to the pack store at \(root): \(StoreError.reason(error))")
        }
        return staging
    }

    private func switchActive(_ name: String, to version: String) throws {
        let old = link(name, "active")
        try setLink(name, "active", to: version)
        if let old, old != version { try setLink(name, "previous", to: old) }
    }

    /// Points `NAME/which` at `version` by renaming a new symlink over the old one (atomic).
    private func setLink(_ name: String, _ which: String, to version: String) throws {
        let temp = path(name, ".\(which)-\(UUID().uuidString)")
        guard symlink(version, temp) == 0 else { throw StoreError("cannot update \(path(name, which)): \(String(cString: strerror(errno)))") }
        try rename(temp, path(name, which))
    }

    /// Removes versions other than the active and previous ones.
    private func prune(_ name: String) {
        let keep = Set([link(name, "active"), link(name, "previous")].compactMap { $0 })
        for item in (try? FileManager.default.contentsOfDirectory(atPath: path(name))) ?? [] where SemanticVersion(item) != nil && !keep.contains(item) {
            let trash = path(".staging", "pruned-\(name)-\(item)-\(UUID().uuidString)")
            if (try? rename(path(name, item), trash)) != nil { try? FileManager.default.removeItem(atPath: trash) }
        }
    }

    private func bumpGeneration() throws {
        let next = (Int(generation()) ?? 0) + 1
        try StoreFile.writeAtomically(Array("\(next)\n".utf8), to: path(".generation"))
    }

    private func createDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw POSIXError(.ENOTDIR) }
            return
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    private func rename(_ from: String, _ to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            throw StoreError("cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
        }
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

/// A store operation that could not be done; the store is as it was.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
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
        let temp = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
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
        guard ok, rename(temp, path) == 0 else {
            let reason = String(cString: strerror(ok ? errno : code))
            unlink(temp)
            throw StoreError("cannot write \(path): \(reason)")
        }
    }
}

extension PackLoader.Result {
    /// A load that failed with one diagnostic (a pack that could not even be read).
    public static func failed(_ diagnostic: Diagnostic) -> PackLoader.Result {
        PackLoader.Result(pack: nil, diagnostics: [diagnostic])
    }
}
