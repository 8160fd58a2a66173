import ScamBuiltins
import ScamEngine
import ScamPacks

/// Loads the built-in packs and any `--packs` folders into one compiled rule set.
enum PackLoading {
    struct Loaded {
        var ruleSet: RuleSet?
        var diagnostics: [Diagnostic]
        /// Whatever loaded of packs with errors (for lint's one-pass report).
        var partial: [PackSpec] = []
    }

    /// - Parameters:
    ///   - builtin: include the packs compiled into the binary.
    ///   - directories: pack folders, or folders of pack folders; later ones override earlier
    ///     packs of the same name (and all override built-in packs).
    static func load(builtin: Bool, directories: [String]) -> Loaded {
        var specs: [PackSpec] = []
        var diagnostics: [Diagnostic] = []
        var results: [PackLoader.Result] = builtin ? BuiltinPacks.load() : []
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
            diagnostics += result.diagnostics.filter { $0.severity == .error }
            if let pack = result.pack { specs.append(pack) }
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            return Loaded(ruleSet: nil, diagnostics: diagnostics, partial: results.compactMap(\.partial))
        }
        let (ruleSet, compileDiagnostics) = RuleSet.compile(specs)
        return Loaded(ruleSet: ruleSet, diagnostics: diagnostics + compileDiagnostics)
    }
}
