import Foundation
import ScamPacks

extension PackStore {
    /// What `install` did. `unpinned` is the version `pack rollback` had pinned, when the
    /// install put another version in force and so lifted the pin.
    public enum InstallOutcome: Sendable, Equatable {
        /// The version is now active; `replaced` is the version it replaced, if any.
        case installed(replaced: String?, unpinned: String? = nil)
        /// That exact bundle was already the active version, intact: nothing changed (a pin stays).
        case alreadyActive
        /// The version was installed but damaged on disk: `files` were restored from the
        /// bundle. `replaced` is the version it replaced when it was not the active one.
        case repaired(files: RestoredFiles, replaced: String?, unpinned: String? = nil)
    }

    /// Installs a bundle: writes its files to a staging folder, runs `validate` on that folder
    /// (lint, compile, tests: the caller's), renames it into place, keeps the bundle beside it,
    /// then switches `active` to it and keeps the version it replaces as `previous`. When
    /// anything fails, the staging folder is removed and the store is as it was (`StoreSwitch`).
    ///
    /// The version may be there already. The same build, intact and active: nothing to do. The
    /// same build kept as `previous`: validated again and switched to. Damaged on disk (a file
    /// that no longer matches its manifest, whichever build it was): its files are rewritten
    /// from the bundle, which passed every check a new install does. Another build, intact: refused,
    /// because a version number names one set of rules.
    ///
    /// - Parameter bytes: the bundle file as received, kept for `pack repair` (default: the
    ///   bundle encoded again).
    ///
    /// A pin (`pack rollback`) stays while the version it names stays in force: installing that
    /// same bundle again, or repairing it, keeps it, so a later `pack update` still leaves the
    /// rollback alone. Putting another version in force, the user's explicit choice, lifts it.
    public func install(_ bundle: PackBundle, bytes: [UInt8]? = nil, record: InstallRecord,
                        validate: (String) throws -> Void) throws -> InstallOutcome {
        let name = bundle.manifest.name, version = bundle.manifest.version
        return try withLock {
            let existing = self.version(name, version)
            let active = link(name, "active"), pinned = link(name, "pinned")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: existing.path, isDirectory: &isDir), isDir.boolValue else {
                return .installed(replaced: try installNew(bundle, bytes: bytes, record: record, validate: validate), unpinned: pinned)
            }
            let intact = audit(existing).isEmpty
            let sameBuild = FileManager.default.contents(atPath: (existing.path as NSString).appendingPathComponent(PackBundle.manifestName))
                .map { Hashing.sha256Hex($0) == bundle.contentID } ?? false
            if intact && !sameBuild {
                throw StoreError("a different build of \(name) \(version) is already installed; give the new one a new version number in pack.yaml")
            }
            if intact && active == version {
                keepBundle(bundle, bytes: bytes, of: existing)
                return .alreadyActive
            }
            var change = try StoreSwitch(self)
            defer { change.discard() }
            if active != version { try change.activate(name, version, replacing: active) }
            var repaired = RestoredFiles()
            if intact {
                // The same bundle kept as `previous`: check it again with today's packs.
                try validate(existing.path)
            } else {
                let staging = try stage(bundle, record: record)
                defer { try? FileManager.default.removeItem(atPath: staging) }
                try validate(staging)
                repaired = try restore(existing, from: staging)
            }
            keepBundle(bundle, bytes: bytes, of: existing)
            do {
                try change.commit()
            } catch let error as StoreError where !repaired.isEmpty {
                throw StoreError(error.message + "; the files of \(name) \(version) were repaired, but it was not switched to", storeChanged: true)
            }
            prune(name)
            let unpinned = active == version ? nil : pinned
            return repaired.isEmpty ? .installed(replaced: active, unpinned: unpinned)
                : .repaired(files: repaired, replaced: active == version ? nil : active, unpinned: unpinned)
        }
    }

    /// Rewrites a damaged installed version from a bundle of that version, in place, without
    /// switching any link (`pack repair` of a `previous` version). Returns what it restored.
    public func restore(_ bundle: PackBundle, bytes: [UInt8]? = nil, record: InstallRecord,
                        validate: (String) throws -> Void) throws -> RestoredFiles {
        let name = bundle.manifest.name, version = bundle.manifest.version
        return try withLock {
            let existing = self.version(name, version)
            guard link(name, "active") == version || link(name, "previous") == version else {
                throw StoreError("\(name) \(version) is not installed")
            }
            var change = try StoreSwitch(self)
            defer { change.discard() }
            let staging = try stage(bundle, record: record)
            defer { try? FileManager.default.removeItem(atPath: staging) }
            try validate(staging)
            let repaired = try restore(existing, from: staging)
            keepBundle(bundle, bytes: bytes, of: existing)
            // A running stream reloads only when the version in force changed on disk.
            if link(name, "active") == version { try change.commit() }
            return repaired
        }
    }

    /// Makes the previous version active again, and the one it replaces the previous (so a
    /// second rollback undoes the first), and pins it: `pack update` leaves the pack alone
    /// until `pack unpin`. Refused when the previous version is damaged on disk. Returns (from, to).
    @discardableResult
    public func rollback(_ name: String) throws -> (from: String, to: String) {
        try withLock {
            guard let active = link(name, "active") else { throw StoreError("\(name) is not installed") }
            guard let previous = link(name, "previous"), FileManager.default.fileExists(atPath: path(name, previous)) else {
                throw StoreError("\(name) has no previous version to roll back to (\(active) is the only one installed); `scamflow pack remove \(name)` goes back to the built-in pack, if there is one")
            }
            let problems = audit(version(name, previous))
            guard problems.isEmpty else {
                throw StoreError("\(name) \(previous) is damaged on disk (\(problems[0])); `scamflow pack repair` restores it first")
            }
            var change = try StoreSwitch(self)
            defer { change.discard() }
            try change.activate(name, previous, replacing: active)
            try change.set(name, "pinned", to: previous)
            try change.commit()
            return (active, previous)
        }
    }

    /// Removes a pin (`pack rollback` sets one); returns the version that was pinned, if any.
    @discardableResult
    public func unpin(_ name: String) throws -> String? {
        try withLock {
            guard link(name, "active") != nil else { throw StoreError("\(name) is not installed") }
            guard let pinned = link(name, "pinned") else { return nil }
            // What is in force does not change: no generation bump, no reload.
            var change = try StoreSwitch(self, announcing: false)
            defer { change.discard() }
            try change.set(name, "pinned", to: nil)
            try change.commit()
            return pinned
        }
    }

    /// Puts the previous version back in force in place of a damaged active version that
    /// cannot be restored (`pack repair` with no bundle to restore it from), and deletes the
    /// damaged one: kept as `previous`, it could only be rolled back to and refused. No pin: a
    /// `pack update` may bring an intact build of the newer version back. Refused unless the
    /// active version is damaged and the previous one intact. Returns (removed, active).
    @discardableResult
    public func dropDamagedActive(_ name: String) throws -> (removed: String, active: String) {
        try withLock {
            guard let active = link(name, "active") else { throw StoreError("\(name) is not installed") }
            guard !audit(version(name, active)).isEmpty else { throw StoreError("\(name) \(active) is intact") }
            guard let previous = link(name, "previous"), previous != active, audit(version(name, previous)).isEmpty else {
                throw StoreError("\(name) has no intact previous version to put in force in place of \(active)")
            }
            var change = try StoreSwitch(self)
            defer { change.discard() }
            try change.set(name, "active", to: previous)
            try change.set(name, "previous", to: nil)
            if let pinned = link(name, "pinned"), pinned != previous { try change.set(name, "pinned", to: nil) }
            try change.commit()
            prune(name)
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
            var change = try StoreSwitch(self)
            defer { change.discard() }
            let trash = path(".staging", "removed-\(name)-\(UUID().uuidString)")
            try rename(path(name), trash)
            do {
                try change.commit()
            } catch {
                try? rename(trash, path(name))
                throw error
            }
            try? FileManager.default.removeItem(atPath: trash)
            return active
        }
    }

    // MARK: Internals

    /// A new version: staged, validated, renamed into place with its bundle, then switched to.
    /// Returns the version it replaced.
    private func installNew(_ bundle: PackBundle, bytes: [UInt8]?, record: InstallRecord, validate: (String) throws -> Void) throws -> String? {
        let name = bundle.manifest.name, version = bundle.manifest.version
        let staging = try stage(bundle, record: record)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try validate(staging)
        let kept = try writeStaged(bytes ?? bundle.encoded(), name: "\(name)-\(version).sfpack")
        defer { unlink(kept) }
        let packFolder = path(name)
        let madeFolder = !FileManager.default.fileExists(atPath: packFolder)
        do {
            try createDirectory(packFolder)
        } catch {
            throw StoreError("cannot write to the pack store at \(root): \(StoreError.reason(error))")
        }
        let active = link(name, "active")
        var change: StoreSwitch
        do {
            change = try StoreSwitch(self)
            try change.activate(name, version, replacing: active)
        } catch {
            if madeFolder { rmdir(packFolder) }
            throw error
        }
        defer { change.discard() }
        let target = path(name, version)
        try rename(staging, target)
        do {
            try rename(kept, target + ".sfpack")
            try change.commit()
        } catch {
            // Out of sight again before saying the store is unchanged.
            try? rename(target, staging)
            unlink(target + ".sfpack")
            if madeFolder { rmdir(packFolder) }
            throw error
        }
        prune(name)
        return active
    }

    /// Rewrites, from a staged copy of the bundle, the files of `version` that differ from it,
    /// each by an atomic rename (the manifest last), and deletes files the manifest does not
    /// list. A scan that starts meanwhile sees the damaged version (and sets it aside) or the
    /// repaired one. Returns the files written again or deleted, by what was wrong with each.
    private func restore(_ version: Version, from staging: String) throws -> RestoredFiles {
        var done = RestoredFiles()
        let staged = regularFiles(under: staging)
        let order = staged.filter { !PackStore.metadataFiles.contains($0) }
            + [PackBundle.signatureName, PackBundle.manifestName].filter(staged.contains)
        do {
            for relative in order {
                let from = (staging as NSString).appendingPathComponent(relative)
                let to = (version.path as NSString).appendingPathComponent(relative)
                let before = FileManager.default.contents(atPath: to)
                if before == FileManager.default.contents(atPath: from) { continue }
                try createDirectory((to as NSString).deletingLastPathComponent)
                try rename(from, to)
                if before == nil { done.missing.append(relative) } else { done.changed.append(relative) }
            }
            // The record of the first install stays (its origin and time), unless it is gone.
            if version.record?.version != version.version {
                try rename((staging as NSString).appendingPathComponent(InstallRecord.fileName),
                           (version.path as NSString).appendingPathComponent(InstallRecord.fileName))
            }
            for extra in regularFiles(under: version.path) where !staged.contains(extra) && extra != InstallRecord.fileName {
                try FileManager.default.removeItem(atPath: (version.path as NSString).appendingPathComponent(extra))
                done.removed.append(extra)
            }
        } catch {
            throw StoreError("the repair of \(version.name) \(version.version) stopped half way (\(StoreError.reason(error))); "
                             + "it is still damaged and set aside at load: free space or fix permissions, then run `scamflow pack repair`",
                             storeChanged: !done.isEmpty)
        }
        return done
    }

    /// Keeps the bundle beside its version folder when it is not there yet (a version installed
    /// before bundles were kept, or a kept bundle that was damaged). Best effort: a bundle that
    /// cannot be kept only means `pack repair` must fetch it from its origin.
    private func keepBundle(_ bundle: PackBundle, bytes: [UInt8]?, of version: Version) {
        let bytes = bytes ?? bundle.encoded()
        guard FileManager.default.contents(atPath: version.bundlePath).map(Array.init) != bytes else { return }
        try? StoreFile.writeAtomically(bytes, to: version.bundlePath)
    }

    /// Runs `body` holding the store's lock, after making sure the store is a writable folder
    /// and clearing what crashed installs left in `.staging`.
    func withLock<T>(_ body: () throws -> T) throws -> T {
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
        // A next generation written by a change that crashed before its commit.
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where leftover.hasPrefix(".generation.tmp-") {
            unlink(path(leftover))
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
                try StoreFile.writeAtomically(bytes, to: file)
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

    /// Writes one file under `.staging` (fsynced); returns its path.
    private func writeStaged(_ bytes: [UInt8], name: String) throws -> String {
        let file = path(".staging", "\(UUID().uuidString)-\(name)")
        do {
            try StoreFile.writeAtomically(bytes, to: file)
        } catch {
            throw StoreError("cannot write to the pack store at \(root): \(StoreError.reason(error))")
        }
        return file
    }

    /// Removes versions other than the active, previous and pinned ones (and their bundles),
    /// and temporary links a crash left. Best effort: what stays is only disk space.
    func prune(_ name: String) {
        let keep = Set(["active", "previous", "pinned"].compactMap { link(name, $0) })
        for item in (try? FileManager.default.contentsOfDirectory(atPath: path(name))) ?? [] {
            let version = item.hasSuffix(".sfpack") ? String(item.dropLast(".sfpack".count)) : item
            if item.hasPrefix(".") {
                unlink(path(name, item))
            } else if SemanticVersion(version) != nil && !keep.contains(version) {
                let trash = path(".staging", "pruned-\(name)-\(item)-\(UUID().uuidString)")
                if (try? rename(path(name, item), trash)) != nil { try? FileManager.default.removeItem(atPath: trash) }
            }
        }
    }

    func createDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw POSIXError(.ENOTDIR) }
            return
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func rename(_ from: String, _ to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            throw StoreError("cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }
}

/// One change of a pack's links, and the generation bump that announces it, made so that it
/// happens whole or not at all.
///
/// Everything that needs space or permission is written first: a temporary symlink for each
/// new link, one holding each link's old value (to put it back), and the next `.generation` in
/// a temporary file, fsynced. Only then do renames move them into place; a rename needs no new
/// space, and when one still fails the links already moved are put back from their old values.
/// So a full disk during `pack install` can no longer leave `active` on the new version while
/// `.generation` says nothing changed (a running stream would never reload).
struct StoreSwitch {
    private let store: PackStore
    private struct Move {
        var at: String
        /// A temporary symlink to rename over `at`, or nil to remove `at`.
        var new: String?
        /// A temporary symlink holding the old value, or nil when `at` did not exist.
        var old: String?
    }
    private var moves: [Move] = []
    /// The next generation, written and fsynced, or nil when this change does not announce.
    private var generation: String?

    /// - Parameter announcing: bump `.generation` at commit (false only for a change that does
    ///   not change what is in force, like a pin).
    init(_ store: PackStore, announcing: Bool = true) throws {
        self.store = store
        guard announcing else { return }
        let next = (Int(store.generation()) ?? 0) + 1
        generation = try StoreFile.writeTemporary(Array("\(next)\n".utf8), beside: store.path(".generation"))
    }

    /// Prepares `active` to name `version`, and `previous` the version it replaces; clears a pin.
    mutating func activate(_ name: String, _ version: String, replacing active: String?) throws {
        try set(name, "active", to: version)
        if let active, active != version { try set(name, "previous", to: active) }
        if store.link(name, "pinned") != nil { try set(name, "pinned", to: nil) }
    }

    /// Prepares `NAME/which` to name `version` (nil: to be removed).
    mutating func set(_ name: String, _ which: String, to version: String?) throws {
        let at = store.path(name, which)
        func temporary(_ target: String) throws -> String {
            let temp = store.path(name, ".\(which)-\(UUID().uuidString)")
            guard symlink(target, temp) == 0 else { throw StoreError("cannot update \(at): \(String(cString: strerror(errno)))") }
            return temp
        }
        var move = Move(at: at)
        moves.append(move)  // recorded first, so `discard` removes whatever was made
        let old = try? FileManager.default.destinationOfSymbolicLink(atPath: at)
        if let old { move.old = try temporary(old); moves[moves.count - 1] = move }
        if let version { move.new = try temporary(version); moves[moves.count - 1] = move }
    }

    /// Moves every prepared link into place, then the generation. On a failure, puts back the
    /// links already moved and throws (`storeChanged` only if even that failed).
    mutating func commit() throws {
        for (i, move) in moves.enumerated() {
            let moved = move.new.map { Foundation.rename($0, move.at) == 0 } ?? (unlink(move.at) == 0 || errno == ENOENT)
            if !moved {
                let reason = String(cString: strerror(errno))
                try undo(moves[..<i], after: "cannot update \(move.at): \(reason)")
            }
            moves[i].new = nil
        }
        if let generation {
            guard Foundation.rename(generation, store.path(".generation")) == 0 else {
                let reason = String(cString: strerror(errno))
                try undo(moves[...], after: "cannot write \(store.path(".generation")): \(reason)")
            }
            self.generation = nil
        }
    }

    /// Puts back the old values of `done` (last first), then throws the failure that led here.
    private mutating func undo(_ done: ArraySlice<Move>, after failure: String) throws -> Never {
        var stuck: [String] = []
        for move in done.reversed() {
            let back = move.old.map { Foundation.rename($0, move.at) == 0 } ?? (unlink(move.at) == 0 || errno == ENOENT)
            if back { if let i = moves.firstIndex(where: { $0.at == move.at }) { moves[i].old = nil } } else { stuck.append(move.at) }
        }
        if stuck.isEmpty { throw StoreError(failure) }
        throw StoreError(failure + "; could not put back \(stuck.joined(separator: ", ")): run `scamflow pack verify --installed`, then `scamflow pack repair`",
                         storeChanged: true)
    }

    /// Removes every temporary file and link still prepared (after a commit, the old values).
    mutating func discard() {
        for move in moves {
            if let new = move.new { unlink(new) }
            if let old = move.old { unlink(old) }
        }
        moves.removeAll()
        if let generation { unlink(generation) }
        generation = nil
    }
}
