import ArgumentParser
import ScamBuiltins
import ScamEngine
import ScamPacks
import ScamStore

/// `scamflow pack`: check, test, build, sign, install, update and roll back pattern packs.
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Check, test, build, sign, install, update and roll back pattern packs.",
        subcommands: [PackLint.self, PackTest.self, PackBuild.self, PackKeygen.self, PackSign.self, PackVerify.self,
                      PackInstall.self, PackUpdate.self, PackList.self, PackRemove.self, PackRollback.self, PackUnpin.self, PackRepair.self,
                      PackIndexCommand.self, PackTrust.self, PackSource.self, PackExport.self]
    )
}

/// Options shared by the pack subcommands that take folders.
struct PackFolders: ParsableArguments {
    @Argument(help: "Pack folders (or folders of packs). Default: the built-in packs.")
    var folders: [String] = []

    /// Loads the named folders (alone), or the packs in force (built-in and installed) when
    /// none are named. Strictly: lint and test exist to report a broken pack, not to run around it.
    func load() -> PackLoading.Loaded {
        folders.isEmpty ? PackLoading.load(builtin: true, directories: [], strictPacks: true)
                        : PackLoading.load(builtin: false, directories: folders, installed: false)
    }
}

struct PackLint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Report every problem in packs: diagnostics with a stable code, file:line and a hint.",
        discussion: "Exit 0 when there is no error (warnings allowed), 2 otherwise."
    )

    @OptionGroup var packs: PackFolders

    func run() throws {
        let console = Console.shared
        let loaded = packs.load()
        var diagnostics = loaded.diagnostics
        if let ruleSet = loaded.ruleSet {
            let checker = PackChecker(ruleSet: ruleSet)
            diagnostics += PackChecker.diagnostics(for: checker.runExamples())
            diagnostics += PackChecker.diagnostics(for: checker.runSequences())
            diagnostics = ModelPackChecks(loaded, alone: !packs.folders.isEmpty).apply(to: diagnostics)
            diagnostics += checker.backtrackingDiagnostics()
            diagnostics += checker.unreachableTextRuleDiagnostics()
            diagnostics += checker.duplicateRuleDiagnostics()
        } else {
            // Loading found errors: still compile what did load, so a bad regex is reported
            // together with the typo that stopped the load.
            let (_, more) = RuleSet.compile(loaded.partial)
            for d in more where d.code != .duplicatePack && !diagnostics.contains(d) { diagnostics.append(d) }
        }
        diagnostics.sort { ($0.location, $0.code.rawValue) < ($1.location, $1.code.rawValue) }
        for d in diagnostics { console.out("\(d)\n") }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        // Text and event rules counted apart, as `pack list --rules` shows them.
        let rules = loaded.ruleSet?.rules.count ?? 0, eventRules = loaded.ruleSet?.eventRules.count ?? 0
        let events = eventRules == 0 ? "" : " and \(eventRules) event rule\(eventRules == 1 ? "" : "s")"
        console.out("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                    + (loaded.ruleSet != nil ? " in \(rules) text rule\(rules == 1 ? "" : "s")\(events)" : "") + "\n")
        console.flush()
        if errors > 0 { throw ExitCode(2) }
    }
}

struct PackTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run every rule's examples and every sequence fixture; report failures like a test runner.",
        discussion: "Exit 0 when all pass, 1 when an example fails, 2 when a pack does not load."
    )

    @OptionGroup var packs: PackFolders

    @Flag(name: .shortAndLong, help: "List every example, not only failures.")
    var verbose = false

    func run() throws {
        let console = Console.shared
        let loaded = packs.load()
        guard let ruleSet = loaded.ruleSet else {
            for d in loaded.diagnostics { console.err("\(d)\n") }
            console.err("scamflow: the packs do not load; no example was run\n")
            throw ExitCode(2)
        }
        let results = PackChecker(ruleSet: ruleSet).runExamples()
        var failed = 0
        for r in results {
            let expectation = r.expectMatch ? "match" : "no_match"
            if r.passed {
                if verbose { console.out("ok    \(r.isLexicon ? r.subject : r.rule) \(expectation): \(r.text.prefix(50))\n") }
                continue
            }
            failed += 1
            console.out("FAIL  \(r.isLexicon ? r.subject : r.rule)  \(r.location)\n")
            console.out("      example (\(expectation)): \(r.text)\n")
            if let error = r.error {
                console.out("      error: \(error)\n")
            } else if let m = r.matched {
                let excerpt = String(decoding: Array(r.text.utf8)[m], as: UTF8.self)
                console.out("      expected no match, matched «\(excerpt)» at [\(m.lowerBound)..\(m.upperBound)]\n")
            } else {
                console.out("      expected a match, got none\n")
            }
        }
        let sequences = PackChecker(ruleSet: ruleSet).runSequences()
        for r in sequences {
            if r.passed {
                if verbose { console.out("ok    sequence \(r.pack): \(r.name)\n") }
                continue
            }
            failed += 1
            console.out("FAIL  sequence \(r.pack): \(r.name)  \(r.location)\n")
            for problem in r.problems { console.out("      \(problem)\n") }
            let raised = r.raised.map { "\($0.flow)@\($0.step) \($0.severity)" }
            console.out("      raised: \(raised.isEmpty ? "nothing" : raised.joined(separator: ", "))\n")
        }
        let models = ModelPackChecks(loaded, alone: !packs.folders.isEmpty).results
        for r in models {
            let expectation = r.expectAlert ? "alert" : "silent"
            let p = r.probability.map { " p \((($0 * 1000).rounded() / 1000))" } ?? ""
            if r.passed {
                if verbose { console.out("ok    model \(r.pack) \(expectation)\(p): \(r.text.prefix(50))\n") }
                continue
            }
            failed += 1
            console.out("FAIL  model \(r.pack) \(expectation)  \(r.location)\n")
            console.out("      example: \(r.text)\n")
            console.out("      raised: \(r.raised.isEmpty ? "nothing" : r.raised.joined(separator: ", "))\(p)\n")
        }
        console.out("\(results.count + sequences.count + models.count - failed) passed, \(failed) failed\n")
        console.flush()
        if failed > 0 { throw ExitCode(1) }
    }
}
