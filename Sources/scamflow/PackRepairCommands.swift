import ArgumentParser
import Foundation
import ScamPacks
import ScamStore

/// The installed versions `pack verify --installed` and `pack repair` look at: each pack's
/// active version and its previous one, with the role each plays.
struct InstalledVersions {
    struct Item {
        var version: PackStore.Version
        /// `active` or `previous`.
        var role: String
        var label: String { "\(version.name) \(version.version) (\(role))" }
    }

    /// The versions of `names` (every installed pack when empty); a name not installed is an error.
    static func list(_ store: PackStore, names: [String]) throws -> [Item] {
        let entries = store.entries()
        if let unknown = names.first(where: { name in !entries.contains { $0.name == name } }) {
            throw PackCommandFailure("\(unknown) is not installed")
        }
        return entries.filter { names.isEmpty || names.contains($0.name) }.flatMap { entry in
            [entry.active.map { Item(version: $0, role: "active") },
             entry.previous.flatMap { $0.version == entry.active?.version ? nil : Item(version: $0, role: "previous") }].compactMap { $0 }
        }
    }
}

extension PackVerify {
    /// `pack verify --installed`: every installed version against its manifest, and whether the
    /// bundle `pack repair` would restore it from is there.
    func verifyInstalled() throws {
        let console = Console.shared
        let store = location.packStore
        var damaged = 0
        try reportingFailures {
            let items = try InstalledVersions.list(store, names: files)
            if items.isEmpty { console.err("scamflow: no pack is installed in \(store.root)\n") }
            for item in items {
                let problems = store.audit(item.version)
                damaged += problems.isEmpty ? 0 : 1
                console.out((problems.isEmpty ? "ok    " : "FAIL  ") + item.label + "\n")
                for problem in problems { console.out("        \(problem)\n") }
                for file in store.unlisted(item.version) { console.out("        warning: \(file) is not in the manifest; ignored at load\n") }
                if let note = PackRepair.bundleNote(item.version) { console.out("        \(note)\n") }
            }
        }
        if damaged > 0 {
            console.err("scamflow: \(damaged) installed version\(damaged == 1 ? " is" : "s are") damaged and set aside at load; `scamflow pack repair` restores them\n")
            throw ExitCode(2)
        }
    }
}

struct PackRepair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Restore every installed pack damaged on disk from its bundle, or put its previous version back in force.",
        discussion: """
        Each installed version (active and previous) is checked against its manifest, as `pack verify --installed` \
        does. A damaged one is rewritten from the bundle kept beside it in the store (NAME/VERSION.sfpack), else from \
        the file or URL it was installed from, when that bundle is the one installed (its SHA-256 is in install.json); \
        the bundle goes through every check of `pack install`. A bundle that was installed unsigned or by an untrusted \
        key is accepted again only when it is that same bundle. A damaged active version with no bundle is deleted and \
        its previous version, when intact, put back in force. Exit 0 when every installed version is intact at the end, \
        2 otherwise.
        """
    )

    @Argument(help: "Only these packs (default: every installed pack).")
    var names: [String] = []

    @OptionGroup var trust: TrustOptions
    @OptionGroup var location: StoreOptions

    func run() throws {
        let console = Console.shared
        let store = location.packStore
        var failed = 0
        try reportingFailures {
            let trustStore = try trust.trustStore(config: location.configDirectory)
            let items = try InstalledVersions.list(store, names: names)
            for item in items {
                let problems = store.audit(item.version)
                guard !problems.isEmpty else { continue }
                do {
                    console.out(try repair(item, problems: problems, store: store, trust: trustStore) + "\n")
                } catch {
                    failed += 1
                    console.err("scamflow: \(item.label) is not repaired: \(error)\n")
                }
            }
            let damaged = try InstalledVersions.list(store, names: names).filter { !store.audit($0.version).isEmpty }
            if damaged.isEmpty && failed == 0 {
                console.out("every installed pack is intact\n")
            }
            failed = max(failed, damaged.count)
        }
        if failed > 0 { throw ExitCode(2) }
    }

    /// Repairs one damaged version; returns what was done, as a line.
    private func repair(_ item: InstalledVersions.Item, problems: [String], store: PackStore, trust: TrustStore) throws -> String {
        let version = item.version
        var tried: [String] = []
        for (place, origin) in PackRepair.bundlePlaces(version) {
            guard let bytes = try? PackFetch.bytes(at: origin) else {
                tried.append("\(place) cannot be read")
                continue
            }
            let sha = Hashing.sha256Hex(bytes)
            if let recorded = version.record?.bundleSHA256, recorded != sha {
                tried.append("\(place) is not the bundle installed (another SHA-256 than install.json's)")
                continue
            }
            // What was allowed at install is allowed again for that very bundle, and only for it.
            let sameBundle = version.record?.bundleSHA256 == sha
            let allowedAtInstall = sameBundle && (version.record?.trust ?? "trusted") != "trusted"
            let installer = PackInstaller(store: store, trust: trust, allowUnsigned: allowedAtInstall || self.trust.allowUnsigned)
            let files = try installer.restore(bytes, origin: version.record?.origin ?? origin)
            return "repaired \(item.label) from \(place): \(files.summary)"
        }
        guard item.role == "active" else {
            throw PackCommandFailure("no bundle to restore it from (\(tried.joined(separator: "; "))); `scamflow pack install` its bundle again, or leave it: it is not in force")
        }
        let (removed, active) = try store.dropDamagedActive(version.name)
        return "\(version.name) \(removed) could not be restored (\(tried.joined(separator: "; "))): deleted it; \(active), the previous version, is in force again. "
            + "`scamflow pack install` the bundle of \(removed) to get it back"
    }

    /// Where a version's bundle may be found, best first: the copy kept in the store, then the
    /// file or URL it was installed from.
    static func bundlePlaces(_ version: PackStore.Version) -> [(place: String, origin: String)] {
        var places = [("its kept bundle", version.bundlePath)]
        if let origin = version.record?.origin, origin != version.bundlePath { places.append((origin, origin)) }
        return places
    }

    /// What `pack verify --installed` says of the bundle a repair would use, when it is not the kept one.
    static func bundleNote(_ version: PackStore.Version) -> String? {
        guard let data = FileManager.default.contents(atPath: version.bundlePath) else {
            return "no kept bundle (\(version.bundlePath)): a repair fetches it from " + (version.record?.origin ?? "where it was installed from, if install.json says")
        }
        if let recorded = version.record?.bundleSHA256, Hashing.sha256Hex(data) != recorded {
            return "the kept bundle is not the one installed (its SHA-256 differs from install.json's): a repair fetches it from \(version.record?.origin ?? "?")"
        }
        return nil
    }
}

struct PackUnpin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin",
        abstract: "Let `pack update` move a pack again after `pack rollback` pinned it (what is in force does not change)."
    )

    @Argument(help: "Pack names.")
    var names: [String]

    @OptionGroup var location: StoreOptions

    func run() throws {
        try reportingFailures {
            for name in names {
                if let pinned = try location.packStore.unpin(name) {
                    Console.shared.out("unpinned \(name) (was pinned at \(pinned)); `scamflow pack update` may move it again\n")
                } else {
                    Console.shared.out("\(name) is not pinned\n")
                }
            }
        }
    }
}
