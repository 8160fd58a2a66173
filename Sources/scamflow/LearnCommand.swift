import ArgumentParser
import Foundation
import ScamEngine
import ScamIO
import ScamLearn
import ScamPacks
import ScamStore

/// `scamflow learn`: train the learned scorer from labelled JSON lines (the `sa-learn` of this
/// tool), or continue training one with new examples (`--update`).
struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Train the learned scorer from labelled messages, or update one with new examples.",
        discussion: """
        Reads JSON lines labelled with "truth" (scam, benign or spam; the eval format), scans each record with the \
        packs in force (their signals are features), and trains a logistic regression with FTRL-proximal on \
        character n-grams of Chinese, word n-grams of English, the rules' signals and their pairs, guards and \
        context cues. The model is calibrated on out-of-fold predictions (--folds) and written to --out, ready to \
        go into a pack's model/ folder (see Patterns/README.md, "A learned scorer"). The same data, packs and \
        options give the same file, byte for byte.

        --holdout 20 never trains on 20% of the records (chosen by a hash of their id): `scamflow eval` then \
        reports only on what the model never saw. Spam is learned as not-a-scam unless its file is named in \
        --ignore-spam-in.

        --update MODEL continues training MODEL on the records given (a user's reported scams and false alarms), \
        keeping its cues and calibration; the records join its list of trained texts.

        Exit: 0 written, 2 error.
        """
    )

    @Argument(help: "Labelled JSON lines files, or folders of them.")
    var inputs: [String] = []

    @Option(name: .customLong("out"), help: ArgumentHelp("Write the model here (a .sfmodel file).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Continue training this model with the records given.", valueName: "model"))
    var update: String?

    @Option(help: ArgumentHelp("Context cues (a YAML list, as in Patterns/scam-model/model/cues.yaml).", valueName: "file"))
    var cues: String?

    @Option(help: ArgumentHelp("Percent of the records, by a hash of their id, never trained on.", valueName: "percent"))
    var holdout: Int = 0

    @Option(name: .customLong("ignore-spam-in"), help: ArgumentHelp("Leave out the spam of this file (its name without extension). Repeatable.", valueName: "name"))
    var ignoreSpamIn: [String] = []

    @Option(name: .customLong("leave-out-category"), help: ArgumentHelp("Train on no scam of this category (to measure a scam type the model never saw). Repeatable.", valueName: "name"))
    var leaveOutCategory: [String] = []

    @Option(name: .customLong("weight"), help: ArgumentHelp("How much the records of a file count, e.g. hard-negatives=2 (its name without extension). Repeatable.", valueName: "name=w"))
    var weights: [String] = []

    // Training parameters: the built-in model's recipe by default (scripts/train-builtin), or,
    // with --update, the updated model's own.
    @Option(help: "FTRL learning rate (default 0.1).") var alpha: Double?
    @Option(help: "FTRL learning-rate smoothing (default 1).") var beta: Double?
    @Option(help: "L1 regularization: larger gives fewer, stronger weights (default 0.5).") var l1: Double?
    @Option(help: "L2 regularization (default 1).") var l2: Double?
    @Option(help: "Passes over the data (default 4).") var epochs: Int?
    @Option(name: .customLong("min-count"), help: "Drop features seen in fewer records (default 2).") var minCount: Int?
    @Option(help: "Folds for the out-of-fold calibration; 0: no calibration (default 5; an update keeps the model's calibration).") var folds: Int = 5
    @Option(name: .customLong("text-scale"), help: "What a text n-gram counts: N^-value for N distinct n-grams; 0: each counts 1 (default 0).") var textScale: Double?

    @Option(help: ArgumentHelp("Show how this model pack's fusion rule does out of fold with the new model.", valueName: "dir"))
    var fusion: String?

    @Option(help: ArgumentHelp("Write every training record's out-of-fold probability and fusion facts as JSON lines.", valueName: "file"))
    var oof: String?

    /// The packs whose signals are features.
    @OptionGroup var packs: PackOptions

    @OptionGroup var packChecks: PackStrictness

    @OptionGroup var lineLimit: LineLimitOption

    @Flag(name: .shortAndLong, help: "No progress and no report.")
    var quiet = false

    func run() throws {
        let console = Console.shared
        let started = Date()
        func fail(_ message: String) -> ExitCode {
            console.err("scamflow learn: \(message)\n")
            return ExitCode(2)
        }
        guard !inputs.isEmpty else { throw fail("give labelled JSON lines files (or folders of them) to learn from") }
        guard (0..<100).contains(holdout) else { throw fail("--holdout must be between 0 and 99") }

        var previous: ModelFile?
        if let update {
            guard let text = try? String(contentsOfFile: update, encoding: .utf8) else { throw fail("cannot read \(update)") }
            do { previous = try ModelFile.parse(text, keys: true) } catch { throw fail("\(update): \(error)\(error.hint.isEmpty ? "" : "; \(error.hint)")") }
            if cues != nil { console.err("scamflow learn: --update keeps the cues of \(update); --cues is ignored\n") }
        }
        // Each parameter: as given, else the updated model's, else the recipe's.
        let kept = Dictionary(previous?.params ?? [], uniquingKeysWith: { a, _ in a })
        func parameter(_ given: Double?, _ key: String, _ recipe: Double) -> Double { given ?? kept[key].flatMap(Double.init) ?? recipe }
        var options = LearnOptions()
        options.alpha = parameter(alpha, "alpha", 0.1)
        options.beta = parameter(beta, "beta", 1)
        options.l1 = parameter(l1, "l1", 0.5)
        options.l2 = parameter(l2, "l2", 1)
        options.epochs = Int(parameter(epochs.map(Double.init), "epochs", 4))
        options.minCount = Int(parameter(minCount.map(Double.init), "min_count", 2))
        options.textScale = previous?.textScale ?? textScale ?? 0
        (options.folds, options.holdout) = (folds, holdout)
        guard options.epochs >= 1, options.minCount >= 1, folds >= 0, folds != 1 else { throw fail("--epochs and --min-count must be at least 1, --folds 0 or at least 2") }
        guard options.alpha > 0, options.beta >= 0, options.l1 >= 0, options.l2 >= 0 else { throw fail("--alpha must be positive, --beta, --l1 and --l2 not negative") }
        options.ignoreSpamIn = Set(ignoreSpamIn)
        options.leaveOutCategories = Set(leaveOutCategory)
        for spec in weights {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let w = Double(parts[1]), w > 0, w.isFinite else {
                throw fail("--weight \(spec): write NAME=W with a positive number, e.g. hard-negatives=2")
            }
            options.sourceWeights[parts[0]] = w
        }
        guard (0...1).contains(options.textScale) else { throw fail("--text-scale must be between 0 and 1") }
        if let cues { options.cues = try readCues(cues, fail: fail) } else if previous == nil && !quiet {
            console.err("scamflow learn: no --cues: the model will have no context cues, and a fusion rule that names cues (as the scam-model pack's does) will not load it; pass --cues Patterns/scam-model/model/cues.yaml for those\n")
        }

        let loaded = packs.load(models: false, strictPacks: packChecks.strict)
        for d in loaded.diagnostics where d.severity == .error { console.err("scamflow: \(d)\n") }
        guard let ruleSet = loaded.ruleSet else { throw fail("the packs have errors; nothing was learned") }
        PackLoading.warn(loaded)

        let expansion = LabelledReader.expand(inputs)
        for issue in expansion.issues { console.err("scamflow: \(issue)\n") }
        guard expansion.issues.isEmpty else { throw fail("\(expansion.issues.count) input(s) could not be read") }
        var records: [TrainingRecord] = []
        var skipped = 0
        for input in EvalCommand.read(expansion.files, maxLineBytes: lineLimit.maxLineBytes) {
            guard !input.unreadable else { throw fail("\(input.path) could not be read") }
            skipped += input.issues.count
            if !quiet { for issue in input.issues.prefix(20) { console.err("scamflow: \(issue)\n") } }
            let name = ((input.path as NSString).lastPathComponent as NSString).deletingPathExtension
            records += input.records.map { TrainingRecord(record: $0.record, label: $0.label, source: name) }
        }

        let progress = ProgressBar(terminal: console.stderrIsTerminal && !quiet)
        let learner = Learner(ruleSet: ruleSet, options: options)
        let result: (model: ModelFile, report: LearnReport)
        do {
            result = try learner.learn(records, updating: previous) { step in
                switch step {
                case .scanning(let done, let total): progress.draw("learn: scanned \(ProgressBar.grouped(done)) of \(ProgressBar.grouped(total)) records")
                case .training(let model, let models, let epoch, let epochs):
                    progress.draw("learn: model \(model) of \(models)\(model == models ? " (final)" : " (out of fold)"), pass \(epoch) of \(epochs)")
                case .naming: progress.draw("learn: naming the features")
                }
            }
        } catch {
            progress.finish()
            throw fail(error.message)
        }
        progress.finish()
        let text = result.model.encode()
        do {
            let path = (output as NSString).expandingTildeInPath
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try StoreFile.writeAtomically(Array(text.utf8), to: path)
        } catch {
            throw fail("cannot write \(output): \(error.localizedDescription)")
        }
        guard !quiet else { return try PackStrictness.exitIfSetAside(loaded) }
        console.out(LearnReportText.render(result.report, model: result.model))
        if let fusion { console.out(try fusionReport(fusion, result, fail: fail)) }
        if let oof {
            var lines = ""
            for p in result.report.outOfFold {
                var w = JSONWriter()
                w.string("id", p.id)
                w.string("source", p.source)
                w.string("truth", p.truth.rawValue)
                w.double("p", (p.probability * 10000).rounded() / 10000)
                w.double("ratio", (p.facts.ratio * 100).rounded() / 100)
                w.int("signals", p.facts.signals)
                w.int("guards", p.facts.guards)
                w.strings("cues", result.model.cues.indices.filter { p.facts.cues & (1 << UInt32($0)) != 0 }.map { result.model.cues[$0].name })
                lines += w.line()
            }
            do { try StoreFile.writeAtomically(Array(lines.utf8), to: (oof as NSString).expandingTildeInPath) } catch {
                throw fail("cannot write \(oof): \(error.localizedDescription)")
            }
        }
        console.flush()
        console.err(String(format: "scamflow learn: %@ records (%d skipped), %@ weights, %d bytes written to %@, %.1f s\n",
                           ProgressBar.grouped(records.count), skipped, ProgressBar.grouped(result.model.weights.count),
                           text.utf8.count, output, Date().timeIntervalSince(started)))
        try PackStrictness.exitIfSetAside(loaded)
    }

    /// The out-of-fold outcome of a pack's fusion rule with the model just trained.
    private func fusionReport(_ folder: String, _ result: (model: ModelFile, report: LearnReport), fail: (String) -> ExitCode) throws -> String {
        let files: [PackFile]
        do { files = try PackDirectory.read(folder) } catch { throw fail("\(error)") }
        let loaded = PackLoader.load(files: files, root: folder, origin: .directory(folder))
        guard let spec = loaded.partial?.model else { throw fail("\(folder) has no `model:` section in its pack.yaml") }
        var diagnostics: [Diagnostic] = []
        let scorer: ScoringModel
        do { scorer = try ScoringModel(result.model) } catch { throw fail("the new model: \(error)") }
        guard let compiled = CompiledModel.compile(spec, model: scorer, packIndex: 0, into: &diagnostics) else {
            for d in diagnostics { console.err("\(d)\n") }
            throw fail("the fusion rule of \(folder) does not fit the new model")
        }
        return LearnReportText.fusion(result.report, compiled)
    }

    private var console: Console { Console.shared }

    /// Reads a cue file and checks every cue's examples.
    private func readCues(_ path: String, fail: (String) -> ExitCode) throws -> [ModelFile.CueSpec] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read \(path)") }
        let (definitions, diagnostics) = CueDefinition.load(PackFile(path: path, contents: text), display: path)
        let all = diagnostics + (diagnostics.contains { $0.severity == .error } ? [] : CueCheck.run(definitions))
        for d in all { Console.shared.err("\(d)\n") }
        guard !all.contains(where: { $0.severity == .error }) else { throw fail("\(path) has errors (see above); nothing was learned") }
        return definitions.map { ModelFile.CueSpec(name: $0.name, scope: ModelFile.CueSpec.Scope(rawValue: $0.scope) ?? .record, pattern: $0.pattern.value) }
    }
}
