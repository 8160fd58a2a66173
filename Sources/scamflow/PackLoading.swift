import ScamBuiltins
import ScamEngine
import ScamPacks

/// Loads the built-in packs, the packs installed in the store and any `--packs` folders into one
/// compiled rule set.
enum PackLoading {
    struct Loaded {
        var ruleSet: RuleSet?
        var diagnostics: [Diagnostic]
        /// Whatever loaded of packs with errors (for lint's one-pass report).
        var partial: [PackSpec] = []
        /// The packs that loaded.
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

    /// - Parameters:
    ///   - builtin: include the packs compiled into the binary.
    ///   - directories: pack folders, or folders of pack folders; later ones override earlier
    ///     packs of the same name (and all override built-in and installed packs).
    ///   - installed: include the active packs of the store (default: when `builtin` is true, so
    ///     `--no-builtin --packs DIR` means exactly the packs in DIR). An installed pack replaces
    ///     the built-in pack of the same name, silently: that is what installing it asked for.
    ///   - store: the store folder (default: `$SCAMFLOW_STORE`, else the XDG data folder).
    /// - Parameter literalCache: where literal requirements of earlier runs are kept (the
    ///   user's cache unless turned off, see `LiteralCache.standard`).
    /// - Parameter models: load the packs' models (off for `learn`, which trains a new one:
    ///   a pack whose model file is missing or damaged then still gives its rules).
    static func load(builtin: Bool, directories: [String], installed: Bool? = nil, store: String? = nil,
                     literalCache: LiteralCache? = LiteralCache.standard(), models: Bool = true) -> Loaded {
        var specs: [PackSpec] = []
        var diagnostics: [Diagnostic] = []
        var results: [PackLoader.Result] = builtin ? BuiltinPacks.load() : []
        if installed ?? builtin {
            let fromStore = PackStore(root: PackPaths.store(store)).loadActive()
            let names = Set(fromStore.compactMap { $0.pack?.manifest.name })
            results.removeAll { $0.pack.map { names.contains($0.manifest.name) } ?? false }
            results += fromStore
        }
        for directory in directories {
            let folders = PackDirectory.packFolders(at: directory)
            if folders.isEmpty {
                diagnostics.append(Diagnostic(.unreadable, at: SourceLocation(file: directory), "no pack found here",
                                              hint: "a pack is a folder with pack.yaml; pass it or its parent folder"))
            }
            for folder in folders {
                do {
                    let files = try PackDirectory.read(folder)
                    results.append(PackLoader.load(files: files, root: folder, origin: .directory(folder)))
                } catch {
                    diagnostics.append(error)
                }
            }
        }
        for result in results {
            if !models, var partial = result.partial,
               !result.diagnostics.contains(where: { $0.severity == .error && $0.code != .badModel }) {
                partial.model = nil
                specs.append(partial)
                continue
            }
            diagnostics += result.diagnostics.filter { $0.severity == .error }
            if let pack = result.pack { specs.append(pack) }
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            return Loaded(ruleSet: nil, diagnostics: diagnostics, partial: results.compactMap(\.partial))
        }
        let (ruleSet, compileDiagnostics) = RuleSet.compile(specs, literalCache: literalCache)
        return Loaded(ruleSet: ruleSet, diagnostics: diagnostics + compileDiagnostics, specs: specs)
    }
}
