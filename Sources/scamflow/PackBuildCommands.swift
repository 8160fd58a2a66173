import ArgumentParser
import Foundation
import ScamEngine
import ScamLiterals
import ScamPacks
import ScamStore

/// Where the store and the configuration (trusted keys, sources) are; shared by the pack
/// subcommands that use them.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The pack store. Default: $SCAMFLOW_STORE, else $XDG_DATA_HOME/scamflow/packs, else ~/.local/share/scamflow/packs.", valueName: "dir"))
    var store: String?

    @Option(help: ArgumentHelp("Folder of trusted-keys/ and sources. Default: $SCAMFLOW_CONFIG_DIR, else $XDG_CONFIG_HOME/scamflow, else ~/.config/scamflow.", valueName: "dir"))
    var config: String?

    var packStore: PackStore { PackStore(root: PackPaths.store(store)) }
    var configDirectory: String { PackPaths.config(config) }
    var sources: PackSources { PackSources(configDirectory: configDirectory) }
}

/// How signatures are judged.
struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("trusted-key"), help: ArgumentHelp("Also trust this public key file. Repeatable.", valueName: "file.pub"))
    var trustedKeys: [String] = []

    @Flag(name: .customLong("allow-unsigned"), help: "Accept packs that are unsigned or signed by a key not in the trust store (never one whose signature fails).")
    var allowUnsigned = false

    func trustStore(config: String) throws -> TrustStore {
        var extra: [PublicKey] = []
        for path in trustedKeys {
            do {
                extra.append(try PublicKey.load(path: path))
            } catch {
                throw PackCommandFailure("\(error)")
            }
        }
        let store = TrustStore(directory: (config as NSString).appendingPathComponent("trusted-keys"), extraKeys: extra)
        for problem in store.keys().problems { Console.shared.err("scamflow: warning: trust store: \(problem)\n") }
        return store
    }
}

/// A pack command that could not do its work: printed as `scamflow: MESSAGE` and exit 2.
struct PackCommandFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning failures into a message on stderr and exit code 2.
    func reportingFailures(_ body: () throws -> Void) throws {
        defer { Console.shared.flush() }
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.shared.flush()
            Console.shared.err("scamflow: \(error)\n")
            throw ExitCode(2)
        }
    }
}

struct PackBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Lint and test a pack folder, then write it as one file (NAME-VERSION.sfpack) with a manifest of SHA-256s.",
        discussion: "The pack must load with no error and pass its examples, sequence fixtures and the backtracking check. With --key the bundle is signed too."
    )

    @Argument(help: "The pack folder (with pack.yaml).")
    var folder: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The bundle to write. Default: NAME-VERSION.sfpack here.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Sign with this private key (from `pack keygen`).", valueName: "file.key"))
    var key: String?

    func run() throws {
        try reportingFailures {
            let console = Console.shared
            guard PackDirectory.isPack(folder) else { throw PackCommandFailure("\(folder) is not a pack folder (no pack.yaml)") }
            let loaded = PackLoading.load(builtin: false, directories: [folder], installed: false)
            var problems = loaded.diagnostics
            if let ruleSet = loaded.ruleSet {
                let checker = PackChecker(ruleSet: ruleSet)
                problems += PackChecker.diagnostics(for: checker.runExamples())
                problems += PackChecker.diagnostics(for: checker.runSequences())
                problems = ModelPackChecks(loaded, alone: true).apply(to: problems)
                problems += checker.backtrackingDiagnostics()
                problems += checker.unreachableTextRuleDiagnostics()
            }
            for d in problems { console.err("\(d)\n") }
            guard let ruleSet = loaded.ruleSet, !problems.contains(where: { $0.severity == .error }) else {
                throw PackCommandFailure("\(folder) has errors (see above; `scamflow pack lint \(folder)`); no bundle was written")
            }
            let signingKey = try key.map { path -> SigningKey in
                do { return try SigningKey.load(path: path) } catch { throw PackCommandFailure("\(error)") }
            }
            var files: [PackFile]
            do { files = try PackDirectory.read(folder) } catch { throw PackCommandFailure("\(error)") }
            // What the loader reads, and nothing else (not a .github/ or an editor's backup).
            files = files.filter { $0.path == "pack.yaml" || ["rules/", "lexicons/", "flows/", "tests/", "model/"].contains(where: $0.path.hasPrefix) }
            // The literal requirements of its patterns, worked out once here and signed with the
            // rules, so neither an install nor a scan extracts them (see `LiteralTable`).
            if let spec = loaded.specs.first(where: { $0.manifest.name == ruleSet.packs[0].manifest.name }) {
                files.append(PackFile(path: LiteralTable.fileName, contents: LiteralTable(extracting: spec.prefilterPatterns).text))
            }
            var bundle = try PackBundle.build(manifest: ruleSet.packs[0].manifest, files: files, builtWith: "scamflow \(Engine.version)")
            if let signingKey { bundle = try bundle.signed(with: signingKey) }
            let path = output ?? bundle.suggestedFileName
            let bytes = bundle.encoded()
            try FileManager.default.createDirectory(atPath: (PackPaths.absolute(path) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try StoreFile.writeAtomically(bytes, to: PackPaths.absolute(path))
            console.out("built \(path): \(bundle.manifest.label), min_engine \(bundle.manifest.minEngine), \(bundle.files.count) files, \(bytes.count) bytes, sha256 \(Hashing.sha256Hex(bytes))\n")
            console.out(signingKey.map { "signed by \($0.publicKey.label)\n" } ?? "unsigned: sign it with `scamflow pack sign \(path) --key KEY`\n")
        }
    }
}

struct PackKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 signing key: NAME.key (private, mode 0600) and NAME.pub (give this one to installers)."
    )

    @Argument(help: "Path prefix of the key files (e.g. keys/ops writes keys/ops.key and keys/ops.pub).")
    var name: String

    @Option(help: ArgumentHelp("Who the key belongs to, written in both files. Default: the file name.", valueName: "text"))
    var signer: String?

    @Flag(help: "Overwrite existing key files.")
    var force = false

    func run() throws {
        try reportingFailures {
            let keyPath = PackPaths.absolute(name + ".key"), pubPath = PackPaths.absolute(name + ".pub")
            for path in [keyPath, pubPath] where !force && FileManager.default.fileExists(atPath: path) {
                throw PackCommandFailure("\(path) exists; pass --force to overwrite it")
            }
            let label = (signer ?? (name as NSString).lastPathComponent).replacingOccurrences(of: "\n", with: " ")
            let key = SigningKey.generate(name: label)
            try FileManager.default.createDirectory(atPath: (keyPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try StoreFile.writeAtomically(Array(key.fileText.utf8), to: keyPath, mode: 0o600)
            try StoreFile.writeAtomically(Array(key.publicKey.fileText.utf8), to: pubPath)
            Console.shared.out("""
                key \(key.keyID) (\(label))
                  private: \(keyPath)   keep it secret; sign with `scamflow pack sign FILE --key \(keyPath)`
                  public:  \(pubPath)   installers trust it with `scamflow pack trust add \(pubPath)`

                """)
        }
    }
}

struct PackSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a bundle with a private key (replacing any earlier signature)."
    )

    @Argument(help: "The bundle (.sfpack).")
    var file: String

    @Option(help: ArgumentHelp("The private key file from `pack keygen`.", valueName: "file.key"))
    var key: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the signed bundle here instead of in place.", valueName: "file"))
    var output: String?

    func run() throws {
        try reportingFailures {
            let signingKey: SigningKey
            do { signingKey = try SigningKey.load(path: key) } catch { throw PackCommandFailure("\(error)") }
            let bytes = try PackFetch.bytes(at: file)
            let bundle: PackBundle
            do { bundle = try PackBundle.read(bytes) } catch { throw PackCommandFailure("\(file): \(error); not signed") }
            let signed = try bundle.signed(with: signingKey)
            let path = output ?? file
            try StoreFile.writeAtomically(signed.encoded(), to: PackPaths.absolute(path))
            Console.shared.out("signed \(path): \(bundle.manifest.label) by \(signingKey.publicKey.label)\n")
        }
    }
}

struct PackVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check bundles (structure, every file's SHA-256, the signature, the engine version), or with --installed the store.",
        discussion: """
        Exit 0 when every bundle would be installed, 2 otherwise. With --installed: every installed version (active \
        and previous) against its manifest (each file missing or changed), and whether its bundle is kept for \
        `pack repair`; a file the manifest does not list is a warning (loading ignores it). Exit 0 when all are \
        intact, 2 when one is damaged (it is set aside at load).
        """
    )

    @Argument(help: ArgumentHelp("Bundle files or URLs; with --installed, pack names (default: every installed pack).", valueName: "file|url|name"))
    var files: [String] = []

    @Flag(name: .customLong("installed"), help: "Check the packs installed in the store against their manifests instead of bundles.")
    var installed = false

    @OptionGroup var trust: TrustOptions
    @OptionGroup var location: StoreOptions

    func validate() throws {
        if !installed && files.isEmpty { throw ValidationError("give bundle files or URLs to verify, or --installed to check the store") }
    }

    func run() throws {
        if installed { return try verifyInstalled() }
        let console = Console.shared
        let installer = PackInstaller(store: location.packStore, trust: try trustOrExit(), allowUnsigned: trust.allowUnsigned)
        var failed = 0
        for file in files {
            do {
                let (bundle, verdict) = try installer.open(try PackFetch.bytes(at: file), origin: file)
                let m = bundle.manifest
                // Loaded as install loads it (a bundle, not a folder): the table is read, and
                // `literalTableProblem` checks it once.
                let loaded = PackLoader.load(files: bundle.packFiles, root: bundle.suggestedFileName, origin: .installed(file))
                if let spec = loaded.partial, let problem = PackInstaller.literalTableProblem(loaded, spec: spec) {
                    failed += 1
                    console.out("FAIL  \(file): \(m.label): \(problem)\n")
                    continue
                }
                console.out("ok    \(file): \(m.label), min_engine \(m.minEngine), \(m.files.count) files, \(verdict.summary)\n")
            } catch {
                failed += 1
                console.out("FAIL  \(error)\n")
            }
        }
        console.flush()
        if failed > 0 { throw ExitCode(2) }
    }

    func trustOrExit() throws -> TrustStore {
        do {
            return try trust.trustStore(config: location.configDirectory)
        } catch {
            Console.shared.err("scamflow: \(error)\n")
            throw ExitCode(2)
        }
    }
}

struct PackIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Write DIR/index.json listing the bundles (*.sfpack) in DIR, for serving DIR over http(s) or sharing it as a folder source."
    )

    @Argument(help: "The folder of bundles.")
    var folder: String

    func run() throws {
        try reportingFailures {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sfpack") }.sorted()
            var bundles: [(fileName: String, bytes: [UInt8], bundle: PackBundle)] = []
            for name in names {
                let bytes = try PackFetch.bytes(at: (folder as NSString).appendingPathComponent(name))
                do {
                    bundles.append((name, bytes, try PackBundle.read(bytes)))
                } catch {
                    throw PackCommandFailure("\(folder)/\(name): \(error); index not written")
                }
            }
            let index = PackIndex.of(bundles: bundles)
            let path = (folder as NSString).appendingPathComponent(PackIndex.fileName)
            try StoreFile.writeAtomically(index.encoded(), to: path)
            for e in index.packs { Console.shared.out("\(e.name)\t\(e.version)\tmin_engine \(e.minEngine)\t\(e.url)\n") }
            Console.shared.out("wrote \(path) (\(index.packs.count) bundle\(index.packs.count == 1 ? "" : "s"))\n")
        }
    }
}

struct PackTrust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Manage the public keys whose signatures are trusted (CONFIG/trusted-keys/*.pub).",
        subcommands: [Add.self, List.self, Remove.self],
        defaultSubcommand: List.self
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a public key file (from `pack keygen`).")
        @Argument(help: "The .pub file.") var file: String
        @Option(help: "Name to show for the key (default: the name in the file).") var name: String?
        @OptionGroup var location: StoreOptions

        func run() throws {
            try reportingFailures {
                var key: PublicKey
                do { key = try PublicKey.load(path: file) } catch { throw PackCommandFailure("\(error)") }
                if let name { key.name = name }
                let store = TrustStore(directory: (location.configDirectory as NSString).appendingPathComponent("trusted-keys"))
                let path = try store.add(key)
                Console.shared.out("trusted \(key.label): \(path)\n")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trusted keys.")
        @OptionGroup var location: StoreOptions

        func run() throws {
            let store = TrustStore(directory: (location.configDirectory as NSString).appendingPathComponent("trusted-keys"))
            let (keys, problems) = store.keys()
            for p in problems { Console.shared.err("scamflow: warning: \(p)\n") }
            for key in keys { Console.shared.out("\(key.keyID)\t\(key.name)\n") }
            Console.shared.flush()
            if keys.isEmpty { Console.shared.err("scamflow: no trusted keys in \(store.directory)\n") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a key (by id or name). Installed packs stay; `pack list` marks them.")
        @Argument(help: "Key id or name.") var key: String
        @OptionGroup var location: StoreOptions

        func run() throws {
            try reportingFailures {
                let store = TrustStore(directory: (location.configDirectory as NSString).appendingPathComponent("trusted-keys"))
                let removed = try store.remove(key)
                guard !removed.isEmpty else { throw PackCommandFailure("no trusted key \(key)") }
                for k in removed { Console.shared.out("removed \(k.label)\n") }
            }
        }
    }
}
