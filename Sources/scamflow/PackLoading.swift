import ArgumentParser
import ScamBuiltins
import ScamEngine
import ScamPacks
import ScamStore

/// Loads the built-in packs, the packs installed in the store and any `--packs` folders into one
/// compiled rule set.
///
/// Installed packs fail towards protection: one that no longer matches its manifest, does not
/// load, or does not compile with the others is set aside (`QuarantinedPack`) and the next
/// candidate of its name stands in: the version a running stream has in memory, then the
/// store's previous version, then the built-in pack; the other packs run. `--strict-packs`
/// refuses instead. Packs of `--packs` folders and built-in packs are never set aside: a folder
/// is the user's explicit request, and running without it would answer another question than
/// the one asked (and a folder has no previous version); a built-in pack is part of the binary.
enum PackLoading {
    struct Loaded {
        var ruleSet: RuleSet?
        var diagnostics: [Diagnostic]
        /// Whatever loaded of packs with errors (for lint's one-pass report).
        var partial: [PackSpec] = []
        /// Installed packs set aside, by name.
        var quarantined: [QuarantinedPack] = []
        /// The packs compiled into `ruleSet` (a stream hands them to its next reload).
        var specs: [PackSpec] = []
    }

    /// The packs a model pack is checked with when it is linted, tested or built on its own:
    /// the packs in force (built-in and installed) with the given ones in place of those of the
    /// same name, so its examples and its signals (SF119) are judged with the rules it was
    /// trained beside. Nil when none of `specs` carries a model.
    static func modelContext(_ specs: [PackSpec], store: String? = nil) -> (ruleSet: RuleSet?, diagnostics: [Diagnostic])? {
        guard specs.contains(where: { $0.model != nil }) else { return nil }
        let names = Set(specs.map(\.manifest.name))
        let inForce = load(builtin: true, directories: [], store: store)
        var all = inForce.specs.filter { !names.contains($0.manifest.name) }
        all += specs
        let (ruleSet, diagnostics) = RuleSet.compile(all)
        return (ruleSet, diagnostics)
    }

    /// One installed version that may be used for a pack name.
    private struct Candidate {
        var spec: PackSpec
        var replacement: QuarantinedPack.Replacement
        var path: String
    }

    /// - Parameters:
    ///   - builtin: include the packs compiled into the binary.
    ///   - directories: pack folders, or folders of pack folders; later ones override earlier
    ///     packs of the same name (and all override built-in and installed packs).
    ///   - installed: include the active packs of the store (default: when `builtin` is true, so
    ///     `--no-builtin --packs DIR` means exactly the packs in DIR). An installed pack replaces
    ///     the built-in pack of the same name, silently: that is what installing it asked for.
    ///   - store: the store folder (default: `$SCAMFLOW_STORE`, else the XDG data folder).
    ///   - models: load the packs' models (off for `learn`, which trains a new one: a pack whose
    ///     model file is missing or damaged then still gives its rules).
    ///   - strictPacks: an installed pack that would be set aside is an error (no rule set).
    ///   - running: the packs a running stream has in force, preferred to the store's previous
    ///     version when the installed one is broken.
    static func load(builtin: Bool, directories: [String], installed: Bool? = nil, store: String? = nil,
                     models: Bool = true,
                     strictPacks: Bool = false, running: [PackSpec] = []) -> Loaded {
        var diagnostics: [Diagnostic] = []
        var partial: [PackSpec] = []
        /// The pack of a load result, as this command uses it (without its model for `learn`).
        func usable(_ result: PackLoader.Result) -> PackSpec? {
            if !models, var spec = result.partial,
               !result.diagnostics.contains(where: { $0.severity == .error && $0.code != .badModel }) {
                spec.model = nil
                return spec
            }
            if let spec = result.partial { partial.append(spec) }
            return result.pack
        }
        func take(_ result: PackLoader.Result) -> PackSpec? {
            guard let spec = usable(result) else {
                diagnostics += result.diagnostics.filter { $0.severity == .error }
                return nil
            }
            return spec
        }

        let builtins = builtin ? BuiltinPacks.load().compactMap(take) : []
        var queues: [(name: String, candidates: [Candidate])] = []
        var quarantined: [String: QuarantinedPack] = [:]
        if installed ?? builtin {
            let packStore = PackStore(root: PackPaths.store(store))
            for entry in packStore.entries() {
                guard let active = entry.active else { continue }
                var candidates: [Candidate] = []
                let result = packStore.load(active)
                if let spec = usable(result) {
                    candidates.append(Candidate(spec: spec, replacement: .none, path: active.path))
                } else {
                    quarantined[entry.name] = QuarantinedPack(name: entry.name, version: active.version, path: active.path,
                                                              diagnostics: result.diagnostics.filter { $0.severity == .error })
                }
                if let spec = running.first(where: { $0.manifest.name == entry.name }), case .installed(let path) = spec.origin,
                   candidates.first?.spec.manifest.version != spec.manifest.version {
                    candidates.append(Candidate(spec: spec, replacement: .running(spec.manifest.version.description), path: path))
                }
                if let previous = entry.previous, previous.version != active.version, let spec = usable(packStore.load(previous)) {
                    candidates.append(Candidate(spec: spec, replacement: .previous(previous.version), path: previous.path))
                }
                queues.append((entry.name, candidates))
            }
        }
        var folders: [PackSpec] = []
        for directory in directories {
            let found = PackDirectory.packFolders(at: directory)
            if found.isEmpty {
                diagnostics.append(Diagnostic(.unreadable, at: SourceLocation(file: directory), "no pack found here",
                                              hint: "a pack is a folder with pack.yaml; pass it or its parent folder"))
            }
            for folder in found {
                do {
                    let files = try PackDirectory.read(folder)
                    if let spec = take(PackLoader.load(files: files, root: folder, origin: .directory(folder))) { folders.append(spec) }
                } catch {
                    diagnostics.append(error)
                }
            }
        }
        if strictPacks && !quarantined.isEmpty {
            diagnostics += quarantined.values.sorted { $0.name < $1.name }.flatMap(\.diagnostics)
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            return Loaded(ruleSet: nil, diagnostics: diagnostics, partial: partial)
        }

        // Compile; an installed pack an error points into is set aside and the next candidate
        // of its name tried, until the set compiles or an error is no installed pack's.
        while true {
            let installedSpecs = queues.compactMap(\.candidates.first?.spec)
            let names = Set(installedSpecs.map(\.manifest.name))
            let specs = builtins.filter { !names.contains($0.manifest.name) } + installedSpecs + folders
            let (ruleSet, compileDiagnostics) = RuleSet.compile(specs)
            let errors = compileDiagnostics.filter { $0.severity == .error }
            let culprits = strictPacks ? [] : queues.indices.filter { i in
                guard let path = queues[i].candidates.first?.path else { return false }
                return errors.contains { $0.location.file == path || $0.location.file.hasPrefix(path + "/") }
            }
            guard ruleSet == nil, !culprits.isEmpty else {
                var out = Loaded(ruleSet: ruleSet, diagnostics: diagnostics + compileDiagnostics, specs: ruleSet == nil ? [] : specs)
                out.quarantined = quarantined.values.sorted { $0.name < $1.name }.map { q in
                    var q = q
                    let name = q.name
                    q.replacement = queues.first { $0.name == name }?.candidates.first?.replacement
                        ?? builtins.first { $0.manifest.name == name }.map { .builtin($0.manifest.version.description) } ?? .none
                    return q
                }
                return out
            }
            for i in culprits {
                let failed = queues[i].candidates.removeFirst()
                let mine = errors.filter { $0.location.file == failed.path || $0.location.file.hasPrefix(failed.path + "/") }
                if quarantined[queues[i].name] == nil {
                    quarantined[queues[i].name] = QuarantinedPack(name: queues[i].name, version: failed.spec.manifest.version.description,
                                                                  path: failed.path, diagnostics: mine)
                }
            }
        }
    }

    /// Says on stderr which installed packs were set aside, why, and what stands in.
    static func warn(_ loaded: Loaded) {
        for q in loaded.quarantined {
            var reason = q.reason
            reason.hint = ""  // the advice below says what to do
            Console.shared.err("scamflow: warning: installed pack \(q.name) \(q.version) is broken and set aside; \(q.inPlace)\n"
                               + "  \(reason)\n  \(q.advice)\n")
        }
    }
}

/// `--strict-packs`, for the commands that load the packs in force.
struct PackStrictness: ParsableArguments {
    @Flag(name: .customLong("strict-packs"), help: ArgumentHelp(
        "Refuse to run (exit 2) when an installed pack is broken. Default: set it aside, run the others and exit 3 when nothing else decides the status."))
    var strict = false

    /// Exit 3, the code that says an installed pack was set aside, when one was.
    static func exitIfSetAside(_ loaded: PackLoading.Loaded) throws {
        if !loaded.quarantined.isEmpty { throw ExitCode(3) }
    }
}

extension PackLoading {
    /// Swaps a running stream's packs for those just loaded, keeping its flow state, and says
    /// what was set aside on the way. When they failed, says why and returns nil: the running
    /// packs stay in force.
    static func swap(_ loaded: Loaded, into processor: StreamProcessor) -> RuleSet? {
        guard let ruleSet = loaded.ruleSet else {
            Console.shared.err("scamflow: reload failed; the running packs stay in force:\n")
            for d in loaded.diagnostics where d.severity == .error { Console.shared.err("  \(d)\n") }
            return nil
        }
        processor.reload(ruleSet)
        warn(loaded)
        return ruleSet
    }

    /// "reloaded packs (...); N flow attempts kept", on stderr.
    static func sayReloaded(_ ruleSet: RuleSet, processor: StreamProcessor) {
        let names = ruleSet.packs.map(\.manifest.label).joined(separator: ", ")
        let kept = processor.engine.activeAttempts
        Console.shared.err("scamflow: reloaded packs (\(names)); \(kept) flow attempt\(kept == 1 ? "" : "s") kept\n")
    }
}
