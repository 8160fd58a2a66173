import ScamEngine
import ScamPacks

/// The checks of a pack's model when packs are linted, tested or built: its examples, and
/// whether it was trained with the signals of the packs it will run beside (SF119).
///
/// A model pack given on its own carries no rules: its examples and its signals are judged with
/// the packs in force (built-in and installed, the given ones in place of those of the same
/// name), as `pack install` judges them. Given with its rule packs, or with none named (the
/// packs in force), it is judged with those.
struct ModelPackChecks {
    var results: [PackChecker.ModelExampleResult] = []
    /// The SF119 diagnostics that replace those of the given packs alone.
    var stale: [Diagnostic]?

    init(_ loaded: PackLoading.Loaded, alone: Bool) {
        guard let ruleSet = loaded.ruleSet else { return }
        let names = Set(loaded.specs.map(\.manifest.name))
        let carriesRules = loaded.specs.contains { !$0.rules.isEmpty }
        if alone, !carriesRules, let context = PackLoading.modelContext(loaded.specs), let contextSet = context.ruleSet {
            results = PackChecker(ruleSet: contextSet).runModelExamples(packs: names)
            stale = context.diagnostics.filter { $0.code == .staleModel }
        } else {
            results = PackChecker(ruleSet: ruleSet).runModelExamples()
        }
    }

    /// `diagnostics` with the SF119 of the packs alone replaced, and SF118 for failed examples.
    func apply(to diagnostics: [Diagnostic]) -> [Diagnostic] {
        var out = diagnostics
        if let stale {
            out.removeAll { $0.code == .staleModel }
            out += stale
        }
        return out + PackChecker.diagnostics(for: results)
    }
}
