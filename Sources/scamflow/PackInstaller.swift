import Foundation
import ScamBuiltins
import ScamEngine
import ScamLiterals
import ScamPacks
import ScamStore

/// Installs bundles into the store, refusing any that is damaged, untrusted, too new for this
/// engine, or that does not lint, compile and pass its own tests next to the packs in force.
///
/// Order (each step must pass before the next; nothing touches the store before step 4):
/// 1. read the bundle: structure, manifest, every file's SHA-256;
/// 2. signature against the trust store (unsigned or unknown key only with `allowUnsigned`; a
///    signature that does not verify never);
/// 3. `min_engine` against this engine;
/// 4. the store unpacks it to a staging folder, and `validate` loads the unpacked files, checks
///    pack.yaml agrees with the manifest, compiles the pack with every other pack that would be
///    in force (duplicate ids are a clash), runs its examples, sequence fixtures and the
///    backtracking check, and that its literal table (if any) is what this scamflow works out
///    from its patterns; only then is it renamed into place and made active.
struct PackInstaller {
    var store: PackStore
    var trust: TrustStore
    var allowUnsigned: Bool

    /// Why an install was refused; `diagnostics` holds the pack's own problems, if any.
    struct Refusal: Error, CustomStringConvertible {
        var message: String
        var diagnostics: [Diagnostic] = []
        var description: String {
            ([message] + diagnostics.filter { $0.severity == .error }.map { "  \($0)".replacingOccurrences(of: "\n", with: "\n  ") })
                .joined(separator: "\n")
        }
    }

    struct Installed {
        var bundle: PackBundle
        var verdict: TrustVerdict
        var outcome: PackStore.InstallOutcome
        var warnings: [Diagnostic]
    }

    /// Steps 1-3: the bundle, and who signed it.
    func open(_ bytes: [UInt8], origin: String) throws(Refusal) -> (PackBundle, TrustVerdict) {
        let bundle: PackBundle
        do {
            bundle = try PackBundle.read(bytes)
        } catch {
            throw Refusal(message: "\(origin): \(error)")
        }
        let verdict = trust.check(bundle)
        switch verdict {
        case .trusted:
            break
        case .badSignature:
            throw Refusal(message: "\(origin): \(bundle.manifest.label) is refused: \(verdict.summary)")
        case .unsigned where !allowUnsigned:
            throw Refusal(message: "\(origin): \(bundle.manifest.label) is not signed; sign it with `scamflow pack sign \(origin) --key KEY` or pass --allow-unsigned")
        case .unknownKey where !allowUnsigned:
            throw Refusal(message: "\(origin): \(bundle.manifest.label) is refused: \(verdict.summary); if you trust that key, add it with `scamflow pack trust add KEY.pub`, or pass --allow-unsigned")
        case .unsigned, .unknownKey:
            break
        }
        if bundle.manifest.semanticMinEngine > Engine.version {
            throw Refusal(message: "\(origin): \(bundle.manifest.label) needs scamflow \(bundle.manifest.minEngine) or newer; this is \(Engine.version). Upgrade scamflow, or install an older version of the pack")
        }
        return (bundle, verdict)
    }

    /// Installs a bundle's bytes (steps 1-4). `origin` is recorded and shown by `pack list`.
    func install(_ bytes: [UInt8], origin: String) throws -> Installed {
        let (bundle, verdict) = try open(bytes, origin: origin)
        var warnings: [Diagnostic] = []
        let outcome = try store.install(bundle, bytes: bytes, record: record(bundle, bytes, verdict, origin)) { folder in
            warnings = try validate(folder: folder, bundle: bundle)
        }
        return Installed(bundle: bundle, verdict: verdict, outcome: outcome, warnings: warnings)
    }

    /// Rewrites an installed version, damaged on disk, from its bundle's bytes, checked as an
    /// install is (steps 1-4), without changing which version is in force. Returns what it restored.
    func restore(_ bytes: [UInt8], origin: String) throws -> RestoredFiles {
        let (bundle, verdict) = try open(bytes, origin: origin)
        return try store.restore(bundle, bytes: bytes, record: record(bundle, bytes, verdict, origin)) { folder in
            _ = try validate(folder: folder, bundle: bundle)
        }
    }

    private func record(_ bundle: PackBundle, _ bytes: [UInt8], _ verdict: TrustVerdict, _ origin: String) -> InstallRecord {
        InstallRecord(name: bundle.manifest.name, version: bundle.manifest.version, origin: origin,
                      verdict: verdict, bundleSHA256: Hashing.sha256Hex(bytes))
    }

    /// Step 4 on the unpacked folder. Returns the warnings; throws a `Refusal` on any error.
    /// What is wrong with the literal table a bundle carries, nil when nothing: it must be what
    /// this scamflow works out from the pack's patterns, since a table that said otherwise could
    /// make a rule skip text. (A table of another extractor version is not used at all, so it
    /// is not checked.) `pack install` refuses such a bundle and `pack verify` fails it.
    static func literalTableProblem(_ loaded: PackLoader.Result, spec: PackSpec) -> String? {
        if let damaged = loaded.diagnostics.first(where: { $0.code == .badLiterals }) {
            return "\(damaged.location): \(damaged.message); rebuild the bundle with `scamflow pack build`"
        }
        for pattern in spec.prefilterPatterns {
            guard let stated = spec.literals.requirement(of: pattern), stated != LiteralExtractor.requirement(of: pattern) else { continue }
            return "its literal table (\(LiteralTable.fileName)) does not match its patterns (for `\(pattern.prefix(60))`); "
                + "rebuild the bundle with `scamflow pack build`"
        }
        return nil
    }

    func validate(folder: String, bundle: PackBundle) throws(Refusal) -> [Diagnostic] {
        let name = bundle.manifest.name
        let label = bundle.manifest.label
        let staged = PackStore.Version(name: name, version: bundle.manifest.version, path: folder, manifest: bundle.manifest)
        let files: [PackFile]
        do throws(Diagnostic) {
            files = try store.verifiedFiles(of: staged)
        } catch {
            throw Refusal(message: "\(label): the unpacked files do not match the manifest", diagnostics: [error])
        }
        let root = bundle.suggestedFileName
        let loaded = PackLoader.load(files: files, root: root, origin: .installed(store.path(name, bundle.manifest.version)))
        guard let spec = loaded.pack else {
            throw Refusal(message: "\(label) does not load:", diagnostics: loaded.diagnostics)
        }
        if let problem = PackInstaller.literalTableProblem(loaded, spec: spec) { throw Refusal(message: "\(label): \(problem)") }
        let m = spec.manifest
        guard m.name == name, m.version.description == bundle.manifest.version, m.minEngine.description == bundle.manifest.minEngine else {
            throw Refusal(message: "\(label): pack.yaml says \(m.label) (min_engine \(m.minEngine)) but the manifest says \(label) (min_engine \(bundle.manifest.minEngine)); rebuild the bundle")
        }
        // The packs that would be in force once this one is: built-in, then installed (a broken
        // one's previous version standing in, as at load), with this pack replacing any of its name.
        let others = store.loadInForce().results.filter { $0.pack?.manifest.name != name }
        let installedNames = Set(others.compactMap { $0.pack?.manifest.name })
        var specs = BuiltinPacks.load().compactMap(\.pack).filter { $0.manifest.name != name && !installedNames.contains($0.manifest.name) }
        specs += others.compactMap(\.pack)
        specs.append(spec)
        let (ruleSet, diagnostics) = RuleSet.compile(specs)
        let mine = diagnostics.filter { $0.location.file.hasPrefix(root + "/") || $0.location.file == root }
        guard let ruleSet else {
            let clash = diagnostics.contains { $0.code == .duplicateID }
            throw Refusal(message: "\(label) does not compile with the packs in force" + (clash ? " (an id clashes with another pack's; ids are unique across packs)" : "") + ":",
                          diagnostics: diagnostics.filter { $0.severity == .error })
        }
        let checker = PackChecker(ruleSet: ruleSet)
        var failures = PackChecker.diagnostics(for: checker.runExamples(packs: [name]))
        failures += PackChecker.diagnostics(for: checker.runSequences(packs: [name]))
        failures += PackChecker.diagnostics(for: checker.runModelExamples(packs: [name]))
        if let alone = RuleSet.compile([spec]).0 {
            failures += PackChecker(ruleSet: alone).backtrackingDiagnostics()
        }
        guard !failures.contains(where: { $0.severity == .error }) else {
            throw Refusal(message: "\(label) fails its own tests:", diagnostics: failures)
        }
        return mine.filter { $0.severity == .warning }
    }
}
