import ArgumentParser
import Foundation
import ScamBuiltins
import ScamEngine
import ScamPacks
import ScamStore

struct PackInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install packs from bundle files, http(s) URLs, or by name from the pack sources.",
        discussion: """
        Each bundle is checked (structure, SHA-256 of every file, signature against the trust store, engine \
        version), unpacked to a staging folder, linted, compiled with the packs in force and run against its own \
        examples and sequence fixtures, then renamed into place; the version it replaces is kept for \
        `pack rollback`. Anything that fails leaves the store as it was. Putting another version in force lifts the pin \
        of `pack rollback`, if any (an explicit choice of version); installing the pinned version's bundle again, \
        intact or as a repair, keeps it. Exit 0 when every pack was installed, 2 otherwise.
        """
    )

    @Argument(help: ArgumentHelp("A .sfpack file, an http(s) URL of one, or a pack name to look up in the sources.", valueName: "file|url|name"))
    var targets: [String]

    @Option(name: .customLong("source"), help: ArgumentHelp("Also look names up in this folder or index URL. Repeatable.", valueName: "dir|url"))
    var extraSources: [String] = []

    @OptionGroup var trust: TrustOptions
    @OptionGroup var location: StoreOptions

    func run() throws {
        let console = Console.shared
        let installer: PackInstaller
        do {
            installer = PackInstaller(store: location.packStore, trust: try trust.trustStore(config: location.configDirectory), allowUnsigned: trust.allowUnsigned)
        } catch {
            console.err("scamflow: \(error)\n")
            throw ExitCode(2)
        }
        var failed = 0
        var indexes: [PackFetch.SourceIndex]?
        for target in targets {
            do {
                let origin: String, bytes: [UInt8]
                var isDir: ObjCBool = false
                let isFile = FileManager.default.fileExists(atPath: target, isDirectory: &isDir) && !isDir.boolValue
                // A URL, a path, or a file here; else a pack name (even if a folder has that name).
                if PackFetch.isURL(target) || target.contains("/") || isFile || !PackSources.isPackName(target) {
                    origin = PackFetch.isURL(target) ? target : PackPaths.absolute(target)
                    bytes = try PackFetch.bytes(at: target)
                } else {
                    if indexes == nil { indexes = PackUpdate.readIndexes(location.sources.list() + extraSources.map(PackSources.normalize)) }
                    let offers = indexes!.compactMap { s in s.index.newest(target).usable.map { (s, $0) } }
                    guard let (source, entry) = offers.max(by: { $0.1.semanticVersion < $1.1.semanticVersion }) else {
                        let configured = location.sources.list().count + extraSources.count
                        let why = configured == 0
                            ? " (no pack source is configured: add a folder or an http(s) index with `scamflow pack source add`, or give a file or URL)"
                            : indexes!.isEmpty ? " (no source could be read; see `scamflow pack source list`)" : ""
                        throw PackCommandFailure("no pack source offers \(target)" + why)
                    }
                    (origin, bytes) = try PackFetch.bundle(for: entry, in: source)
                }
                try PackInstall.install(bytes, origin: origin, with: installer)
            } catch {
                failed += 1
                console.err("scamflow: install refused: \(error)\n")
                if !((error as? StoreError)?.storeChanged ?? false) { console.err("scamflow: the pack store is unchanged\n") }
            }
        }
        console.flush()
        if failed > 0 { throw ExitCode(2) }
    }

    /// Installs one bundle and says what happened.
    static func install(_ bytes: [UInt8], origin: String, with installer: PackInstaller) throws {
        let console = Console.shared
        let result = try installer.install(bytes, origin: origin)
        for w in result.warnings { console.err("\(w)\n") }
        let m = result.bundle.manifest
        let signed: String
        switch result.verdict {
        case .trusted(let key): signed = "signed by \(key.label)"
        case .unsigned: signed = "NOT SIGNED (allowed by --allow-unsigned)"
        default: signed = "\(result.verdict.summary) (allowed by --allow-unsigned)"
        }
        // Whether a pin of `pack rollback` still holds the pack, or was lifted by this install.
        let stillPinned = installer.store.entry(m.name)?.pinned == m.version
            ? "; still pinned: `scamflow pack update` leaves it until `scamflow pack unpin \(m.name)`" : ""
        func lifted(_ unpinned: String?) -> String {
            unpinned.map { "; the pin on \(m.name) \($0) is lifted: `scamflow pack update` may move it again" } ?? ""
        }
        switch result.outcome {
        case .alreadyActive:
            console.out("\(m.name) \(m.version) is already installed, intact and in force\(stillPinned)\n")
        case .repaired(let files, let replaced, let unpinned):
            var line = "repaired \(m.name) \(m.version) from \(origin), \(signed): \(files.summary)"
            line += replaced.map { "; in force again in place of \($0)" } ?? "; in force again"
            console.out(line + lifted(unpinned) + stillPinned + "\n")
        case .installed(let replaced, let unpinned):
            var line = "installed \(m.name) \(m.version) from \(origin), \(signed)"
            if let replaced { line += "; \(replaced) kept for `scamflow pack rollback \(m.name)`" }
            if let builtin = BuiltinPacks.load().compactMap(\.pack).first(where: { $0.manifest.name == m.name }) {
                line += "; overrides the built-in \(m.name) \(builtin.manifest.version)"
            }
            console.out(line + lifted(unpinned) + "\n")
        }
        console.flush()
    }
}

struct PackUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Install the newest version each pack source offers of the packs in force (installed or built-in).",
        discussion: """
        Sources: CONFIG/sources (`pack source add`) and --source. Versions that need a newer scamflow are skipped, and \
        said so. A pack pinned by `pack rollback` stays where it is (--dry-run says so too) until `pack unpin`, or \
        --force, which updates it and lifts the pin. Exit 0 when nothing failed, 2 otherwise.
        """
    )

    @Argument(help: "Only these packs (default: every pack in force).")
    var names: [String] = []

    @Option(name: .customLong("source"), help: ArgumentHelp("Also read this folder or index URL. Repeatable.", valueName: "dir|url"))
    var extraSources: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Say what would be installed; change nothing.")
    var dryRun = false

    @Flag(name: .customLong("force"), help: "Also update packs pinned by `pack rollback` (putting another version in force lifts the pin).")
    var force = false

    @OptionGroup var trust: TrustOptions
    @OptionGroup var location: StoreOptions

    /// Reads every source's index; a source that fails is reported and skipped.
    static func readIndexes(_ sources: [String]) -> [PackFetch.SourceIndex] {
        sources.compactMap { source in
            do {
                return try PackFetch.index(of: source)
            } catch {
                Console.shared.err("scamflow: pack source \(source): \(error)\n")
                return nil
            }
        }
    }

    func run() throws {
        let console = Console.shared
        let sources = location.sources.list() + extraSources.map(PackSources.normalize)
        guard !sources.isEmpty else {
            console.err("scamflow: no pack sources; add one with `scamflow pack source add URL|DIR` or pass --source\n")
            throw ExitCode(2)
        }
        let installer: PackInstaller
        do {
            installer = PackInstaller(store: location.packStore, trust: try trust.trustStore(config: location.configDirectory), allowUnsigned: trust.allowUnsigned)
        } catch {
            console.err("scamflow: \(error)\n")
            throw ExitCode(2)
        }
        let indexes = PackUpdate.readIndexes(sources)
        var failed = sources.count - indexes.count
        guard !indexes.isEmpty else {
            console.err("scamflow: no pack source could be read; the pack store is unchanged\n")
            throw ExitCode(2)
        }
        // The version in force of each pack: installed, else built-in.
        var inForce: [String: String] = [:]
        var pinned: Set<String> = []
        for pack in BuiltinPacks.load().compactMap(\.pack) { inForce[pack.manifest.name] = pack.manifest.version.description }
        for entry in location.packStore.entries() {
            if let active = entry.active { inForce[entry.name] = active.version }
            if entry.pinned != nil { pinned.insert(entry.name) }
        }
        for name in names where inForce[name] == nil {
            console.err("scamflow: \(name) is not installed; install it with `scamflow pack install \(name)`\n")
            failed += 1
        }
        let wanted = names.isEmpty ? inForce.keys.sorted() : names.filter { inForce[$0] != nil }
        for name in wanted {
            let current = SemanticVersion(inForce[name]!) ?? SemanticVersion(0, 0, 0)
            let offers = indexes.compactMap { s in s.index.newest(name).usable.map { (s, $0) } }
            let newestOverall = indexes.compactMap { $0.index.newest(name).newest }.max { $0.semanticVersion < $1.semanticVersion }
            if let newestOverall, newestOverall.semanticVersion > current, newestOverall.semanticMinEngine > Engine.version {
                console.err("scamflow: \(name) \(newestOverall.version) needs scamflow \(newestOverall.minEngine) or newer (this is \(Engine.version)); skipped\n")
            }
            guard let (source, entry) = offers.max(by: { $0.1.semanticVersion < $1.1.semanticVersion }), entry.semanticVersion > current else {
                if newestOverall != nil || !names.isEmpty {
                    console.out(newestOverall == nil ? "\(name) \(current): no source offers it\n" : "\(name) \(current) is up to date\n")
                }
                continue
            }
            if pinned.contains(name) && !force {
                console.out("\(name) \(current) is pinned (`scamflow pack rollback` put it back): \(entry.version) left out; "
                            + "`scamflow pack unpin \(name)` or --force to update it\n")
                continue
            }
            if dryRun {
                console.out("would install \(name) \(entry.version) (now \(current)\(pinned.contains(name) ? ", pinned: --force lifts the pin" : "")) from \(source.source)\n")
                continue
            }
            do {
                let (origin, bytes) = try PackFetch.bundle(for: entry, in: source)
                try PackInstall.install(bytes, origin: origin, with: installer)
            } catch {
                failed += 1
                console.err("scamflow: update of \(name) refused: \(error)\n")
                console.err("scamflow: \(name) stays at \(current)\n")
            }
        }
        console.flush()
        if failed > 0 { throw ExitCode(2) }
    }
}

struct PackRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an installed pack (every version of it); the built-in pack of that name, if any, is in force again."
    )

    @Argument(help: "Pack names.")
    var names: [String]

    @OptionGroup var location: StoreOptions

    func run() throws {
        try reportingFailures {
            for name in names {
                let version = try location.packStore.remove(name)
                var line = "removed \(name) \(version)"
                if let builtin = BuiltinPacks.load().compactMap(\.pack).first(where: { $0.manifest.name == name }) {
                    line += "; the built-in \(name) \(builtin.manifest.version) is in force again"
                }
                Console.shared.out(line + "\n")
            }
        }
    }
}

struct PackRollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Put the previous installed version of a pack back in force and pin it there (running it again undoes it).",
        discussion: "The version put back is pinned: `pack update` leaves the pack alone until `pack unpin` or `pack update --force`. Refused when the previous version is damaged on disk (`pack repair` first)."
    )

    @Argument(help: "The pack name.")
    var name: String

    @OptionGroup var location: StoreOptions

    func run() throws {
        try reportingFailures {
            let (from, to) = try location.packStore.rollback(name)
            Console.shared.out("rolled back \(name) from \(from) to \(to); \(from) kept (roll back again to return to it); "
                               + "pinned: `scamflow pack update` leaves \(name) at \(to) until `scamflow pack unpin \(name)`\n")
        }
    }
}

struct PackSource: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source",
        abstract: "Manage where `pack update` and `pack install NAME` look (CONFIG/sources): folders and http(s) index URLs.",
        subcommands: [Add.self, List.self, Remove.self],
        defaultSubcommand: List.self
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a folder (of bundles, or with an index.json) or the http(s) URL of an index.")
        @Argument(help: "Folder or URL.") var source: String
        @OptionGroup var location: StoreOptions

        func run() throws {
            try reportingFailures {
                if !PackSources.isURL(source) {
                    guard !source.contains("://") else { throw PackCommandFailure("\(source): only http:// and https:// URLs and folders are supported") }
                    guard FileManager.default.fileExists(atPath: source) else { throw PackCommandFailure("\(source): no such folder") }
                }
                let added = try location.sources.add(source)
                Console.shared.out(added ? "added \(PackSources.normalize(source))\n" : "\(PackSources.normalize(source)) is already a source\n")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the pack sources.")
        @OptionGroup var location: StoreOptions

        func run() throws {
            let sources = location.sources.list()
            for s in sources { Console.shared.out(s + "\n") }
            Console.shared.flush()
            if sources.isEmpty { Console.shared.err("scamflow: no pack sources in \(location.sources.file)\n") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a pack source.")
        @Argument(help: "Folder or URL.") var source: String
        @OptionGroup var location: StoreOptions

        func run() throws {
            try reportingFailures {
                guard try location.sources.remove(source) else { throw PackCommandFailure("\(source) is not a pack source") }
                Console.shared.out("removed \(source)\n")
            }
        }
    }
}
