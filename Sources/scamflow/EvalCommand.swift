import ArgumentParser
import Foundation
import ScamEngine
import ScamIO

/// `scamflow eval`: measure detection quality on labelled JSON lines.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure recall, precision and false alarms on labelled messages.",
        discussion: """
        Reads JSON lines labelled with "truth" (scam, benign or spam) and optionally "category", runs the whole \
        pipeline (rules, the learned scorer and flows) and reports per file and per category: recall on scams, \
        precision, false alarms on benign messages, spam called a scam, and a confusion table. A record counts as \
        flagged when any rule, model or flow alert names it. Records whose text the model in force was trained on \
        are left out of every count (--include-trained counts them); --scorer rules or model measures one half alone.

        --fail-under takes comma-separated key=value pairs: metrics recall and precision (floors), false-alarm and \
        spam (ceilings), as fractions or percentages, and optionally file=NAME (a file's path, base name, or base \
        name without extension) and category=NAME to choose the slice; without file= it applies to every file. \
        Repeatable. Examples: --fail-under recall=0.9,false-alarm=0.5%,spam=0.05 \
        --fail-under file=mishra-soni-sms-phishing-5971,recall=0.8 --fail-under category=loan,recall=0.5

        Exit: 0 every threshold met, 1 a threshold not met, 2 error (unreadable input, no labelled record, bad \
        packs, a bad --fail-under or one that matches no file or category; with --strict, any unusable line).
        """
    )

    @Argument(help: "Labelled JSON lines files, or folders of them.")
    var inputs: [String] = []

    @OptionGroup var packs: PackOptions

    @OptionGroup var packChecks: PackStrictness

    @Option(name: .customLong("min-score"), help: "Alert when a record's score reaches this (overrides each pack's threshold).")
    var minScore: Int?

    @Option(help: ArgumentHelp("Output format: text or json.", valueName: "format"))
    var format: String = "text"

    @Option(help: ArgumentHelp("Write the missed scams, false alarms and flagged spam of each file as JSON lines into this folder.", valueName: "dir"))
    var misses: String?

    @Option(name: .customLong("fail-under"), help: ArgumentHelp("Quality bar, e.g. recall=0.9,false-alarm=0.005,spam=0.05 or file=NAME,category=NAME,recall=0.8. Repeatable.", valueName: "spec"))
    var failUnder: [String] = []

    @OptionGroup var lineLimit: LineLimitOption

    @Option(help: ArgumentHelp("What decides: both (rules, flows and the model, as scan runs them), rules (no model) or model (the model alone).", valueName: "scorer"))
    var scorer: String = "both"

    @Flag(name: .customLong("include-trained"), help: "Count records whose text the model was trained on (left out by default: they measure memory, not detection).")
    var includeTrained = false

    @Flag(help: "Exit 2 when any line could not be used (malformed JSON, missing or unknown truth, invalid UTF-8, too long).")
    var strict = false

    @Flag(name: .shortAndLong, help: "Do not print input problems and the timing summary on stderr.")
    var quiet = false

    func run() throws {
        let console = Console.shared
        let started = Date()
        func fail(_ message: String) -> ExitCode {
            console.err("scamflow eval: \(message)\n")
            return ExitCode(2)
        }
        guard ["text", "json"].contains(format) else { throw fail("unknown --format '\(format)'; use text or json") }
        guard let scorer = Scorer(rawValue: self.scorer) else { throw fail("unknown --scorer '\(self.scorer)'; use both, rules or model") }
        guard !inputs.isEmpty else { throw fail("give labelled JSON lines files (or folders of them) to evaluate") }
        var thresholds: [EvalThreshold] = []
        for spec in failUnder {
            do { thresholds += try EvalThreshold.parse(spec) } catch { throw fail("--fail-under \(spec): \(error)") }
        }

        let loaded = packs.load(strictPacks: packChecks.strict)
        for d in loaded.diagnostics { console.err("scamflow: \(d)\n") }
        guard let ruleSet = loaded.ruleSet else { throw fail("the packs have errors; nothing was evaluated") }
        PackLoading.warn(loaded)
        guard !ruleSet.rules.isEmpty else { throw fail("no rules loaded (built-in packs off and no --packs)") }
        if scorer == .model && ruleSet.model == nil { throw fail("--scorer model: no pack in force carries a model") }
        let model = ruleSet.model.map { (label: ruleSet.packs[$0.packIndex].manifest.label, file: $0.model.file) }

        let expansion = LabelledReader.expand(inputs)
        var problems = expansion.issues.count
        for issue in expansion.issues { console.err("scamflow: \(issue)\n") }
        let files = expansion.files
        let inputsRead = Self.read(files, maxLineBytes: lineLimit.maxLineBytes)
        var issues = 0
        for input in inputsRead {
            if input.unreadable { problems += 1 }
            issues += input.issues.count
            if !quiet { for issue in input.issues { console.err("scamflow: \(issue)\n") } }
        }
        let results = Self.evaluate(inputsRead, ruleSet: ruleSet, minScore: minScore, scorer: scorer,
                                    trained: includeTrained ? nil : model?.file)
        for result in results {
            for failure in result.ruleFailures.prefix(20) {
                console.err("scamflow: \(failure.source): rule \(failure.rule) did not finish: \(failure.error.message)\n")
            }
        }
        guard problems == 0 else { throw fail("\(problems) input\(problems == 1 ? "" : "s") could not be read") }
        guard results.contains(where: { !$0.outcomes.isEmpty }) else {
            if results.contains(where: { $0.seenInTraining > 0 }) {
                throw fail("the model of \(model?.label ?? "") was trained on every labelled record given: there is nothing it has not seen to measure (--include-trained counts them anyway)")
            }
            throw fail("no labelled record found in the input")
        }

        let checks: [ThresholdCheck]
        do { checks = try EvalThreshold.check(thresholds, on: results) } catch { throw fail("\(error)") }

        if let misses {
            do { try Self.writeMisses(results, inputs: inputsRead, ruleSet: ruleSet, minScore: minScore, to: misses) } catch {
                throw fail("cannot write --misses into \(misses): \(error.localizedDescription)")
            }
        }
        var report = EvalReport(files: results, checks: checks)
        report.scorer = scorer
        report.model = model.map { EvalReport.ModelNote(label: $0.label, file: $0.file, includeTrained: includeTrained) }
        console.out(format == "json" ? report.json() : report.text())
        console.flush()
        if !quiet {
            let records = results.reduce(0) { $0 + $1.outcomes.count }
            let seconds = Date().timeIntervalSince(started)
            console.err(String(format: "scamflow eval: %d labelled records in %d file%@, %d skipped, %.2f s\n",
                               records, results.count, results.count == 1 ? "" : "s", issues, seconds))
            if let misses { console.err("scamflow eval: misses, false alarms and flagged spam written to \(misses)/\n") }
        }
        if strict && issues > 0 { throw fail("\(issues) line\(issues == 1 ? "" : "s") could not be used (--strict)") }
        if checks.contains(where: { !$0.passed }) { throw ExitCode(1) }
        try PackStrictness.exitIfSetAside(loaded)
    }

    /// Reads the files, several at a time.
    static func read(_ files: [String], maxLineBytes: Int) -> [LabelledInput] {
        let slots = ResultSlots<LabelledInput>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            slots[i] = LabelledReader.read(path: files[i], maxLineBytes: maxLineBytes)
        }
        return slots.values
    }

    /// Evaluates each file on its own (its own scan state and flows), spreading the work over
    /// the cores: the records of a file are split by flow key (subject, else conversation, else
    /// the record), so every subject's sequence and every conversation stays in one piece and
    /// in order, which gives exactly the outcome of one sequential pass.
    static func evaluate(_ inputs: [LabelledInput], ruleSet: RuleSet, minScore: Int?, scorer: Scorer = .both,
                         trained: ModelFile? = nil) -> [FileEvaluation] {
        let shardsPerFile = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var jobs: [(file: Int, records: [Int])] = []
        for (f, input) in inputs.enumerated() {
            var shards = Array(repeating: [Int](), count: shardsPerFile)
            for (i, item) in input.records.enumerated() {
                var hash = StableHash()
                hash.add(item.record.subject ?? item.record.conversation ?? "\(i)")
                shards[Int(hash.value % UInt64(shardsPerFile))].append(i)
            }
            for shard in shards where !shard.isEmpty { jobs.append((f, shard)) }
        }
        let slots = ResultSlots<FileEvaluation>(count: jobs.count)
        let work = jobs
        DispatchQueue.concurrentPerform(iterations: work.count) { j in
            let job = work[j]
            let input = inputs[job.file]
            let evaluator = Evaluator(ruleSet: ruleSet, minScore: minScore, trained: trained)
            evaluator.scorer = scorer
            slots[j] = evaluator.evaluate(file: input.path, records: job.records.map { input.records[$0] })
        }
        // Put the shards of each file back together, in input order.
        var results = inputs.map { FileEvaluation(file: $0.path) }
        for (j, part) in slots.values.enumerated() {
            let job = jobs[j]
            results[job.file].total.add(part.total)
            for (name, tally) in part.categories { results[job.file].categories[name, default: EvalTally()].add(tally) }
            results[job.file].outcomes += part.outcomes.map { var o = $0; o.index = job.records[o.index]; return o }
            results[job.file].ruleFailures += part.ruleFailures
            results[job.file].seenInTraining += part.seenInTraining
        }
        for f in results.indices {
            results[f].outcomes.sort { $0.index < $1.index }
            results[f].ruleFailures.sort { ($0.source.line, $0.rule) < ($1.source.line, $1.rule) }
        }
        return results
    }

    /// `DIR/<file>.missed.jsonl`, `.false-alarms.jsonl`, `.spam-flagged.jsonl`: each record's
    /// original line with an `eval` object added (the alerts that named it, the rules that matched).
    static func writeMisses(_ results: [FileEvaluation], inputs: [LabelledInput], ruleSet: RuleSet, minScore: Int?, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let evaluator = Evaluator(ruleSet: ruleSet, minScore: minScore)
        var used: Set<String> = []
        for (result, input) in zip(results, inputs) {
            var name = ((input.path as NSString).lastPathComponent as NSString).deletingPathExtension
            var n = 2
            while used.contains(name) { name = "\(((input.path as NSString).lastPathComponent as NSString).deletingPathExtension)-\(n)"; n += 1 }
            used.insert(name)
            let kinds: [(String, String, (EvalOutcome) -> Bool)] = [
                ("missed", "missed", \.isMiss), ("false-alarms", "false-alarm", \.isFalseAlarm), ("spam-flagged", "spam-flagged", \.isSpamFlagged),
            ]
            for (suffix, outcomeName, wanted) in kinds {
                var out = ""
                for outcome in result.outcomes where wanted(outcome) {
                    let hits = evaluator.hits(of: input.records[outcome.index].record)
                    var eval = JSONWriter()
                    eval.string("outcome", outcomeName)
                    eval.string("source", input.records[outcome.index].record.source.description)
                    eval.strings("alerts", outcome.alerts)
                    if let view = evaluator.modelView(of: input.records[outcome.index].record) {
                        eval.object("model") { m in
                            m.double("p", (view.probability * 10000).rounded() / 10000)
                            m.string("effect", view.effect.rawValue)
                        }
                    }
                    eval.raw("hits", "[" + hits.map { hit in
                        var w = JSONWriter()
                        w.string("rule", hit.rule); w.string("signal", hit.signal); w.int("score", hit.score); w.string("excerpt", hit.excerpt)
                        return w.finished()
                    }.joined(separator: ",") + "]")
                    out += appending(eval.finished(), to: input.lines[outcome.index]) + "\n"
                }
                let url = URL(fileURLWithPath: directory).appendingPathComponent("\(name).\(suffix).jsonl")
                try Data(out.utf8).write(to: url)
            }
        }
    }

    /// The original JSON object with `"eval": value` as its last key.
    static func appending(_ value: String, to line: String) -> String {
        var object = Substring(line)
        while let last = object.last, last == " " || last == "\t" { object = object.dropLast() }
        guard object.last == "}" else { return line }
        object = object.dropLast()
        let empty = object.drop { $0 == " " || $0 == "\t" }.dropFirst().allSatisfy { $0 == " " || $0 == "\t" }
        return object + (empty ? "" : ",") + "\"eval\":" + value + "}"
    }
}

/// Results written from concurrent iterations, one slot each.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(i: Int) -> T? {
        get { lock.withLock { slots[i] } }
        set { lock.withLock { slots[i] = newValue } }
    }

    var values: [T] { lock.withLock { slots.map { $0! } } }
}
