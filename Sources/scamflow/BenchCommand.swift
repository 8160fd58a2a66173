import ArgumentParser
import Foundation
import ScamBuiltins
import ScamEngine
import ScamIO
import ScamLiterals
import ScamPacks

/// `scamflow bench`: measurements for `Benchmarks/` (hidden from help; not a user feature).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measurements for the benchmarks (pack load time; grep-like counts to compare with rg and pcre2grep; normalizer speed).",
        shouldDisplay: false,
        subcommands: [BenchLoad.self, BenchGrep.self, BenchNormalize.self, BenchRules.self]
    )
}

extension BenchCommand {
    /// The packs of `options`, compiled (installed ones left out: a benchmark measures the
    /// packs it names); their errors printed and exit 2 when they do not load.
    static func ruleSet(_ options: PackOptions) throws -> RuleSet {
        let loaded = options.load(installed: false)
        guard let ruleSet = loaded.ruleSet else {
            for d in loaded.diagnostics where d.severity == .error { Console.shared.err("\(d)\n") }
            throw ExitCode(2)
        }
        return ruleSet
    }
}

/// `scamflow bench load`: how long loading and compiling the packs takes.
struct BenchLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time loading the packs (YAML), compiling them (PCRE2 + JIT) and building the prefilter."
    )

    @OptionGroup var packs: PackOptions

    @Option(name: [.customShort("n"), .customLong("repeat")], help: "Repetitions (the median is shown).")
    var repeat_: Int = 5

    func run() throws {
        let console = Console.shared
        // End to end (YAML, PCRE2, prefilter from the packs' literal tables), then the compile
        // step alone with the tables and without them (every pattern extracted, as for a pack
        // folder under development).
        var total: [Double] = [], withTables: [Double] = [], withoutTables: [Double] = [], jit: [Double] = [], yaml: [Double] = [],
            prefilters: [Double] = [], extraction: [Double] = [], automaton: [Double] = []
        var ruleSet: RuleSet?
        for _ in 0..<max(1, repeat_) {
            let start = DispatchTime.now()
            let loaded = packs.load(installed: false)
            total.append(Self.ms(since: start))
            guard let set = loaded.ruleSet else {
                for d in loaded.diagnostics { console.err("\(d)\n") }
                throw ExitCode(2)
            }
            let c = DispatchTime.now()
            _ = RuleSet.compile(loaded.specs)
            withTables.append(Self.ms(since: c))
            let bare = loaded.specs.map { spec -> PackSpec in
                var spec = spec
                spec.literals = LiteralTable()
                return spec
            }
            let u = DispatchTime.now()
            _ = RuleSet.compile(bare)
            withoutTables.append(Self.ms(since: u))
            // JIT waits for a rule's first match; what it costs for every rule at once.
            let j = DispatchTime.now()
            for rule in set.rules {
                rule.match.compileJIT()
                rule.unless?.compileJIT()
            }
            jit.append(Self.ms(since: j))
            ruleSet = set
            // The parts, timed again on their own.
            let y = DispatchTime.now()
            if !packs.noBuiltin { _ = BuiltinPacks.load() }
            yaml.append(Self.ms(since: y))
            var table = LiteralTable()
            for spec in loaded.specs { table.merge(spec.literals) }
            let p = DispatchTime.now()
            _ = Prefilter(patterns: set.rules.map(\.match.pattern), stated: set.rules.map(\.spec.prefilter),
                          unless: set.rules.map(\.unless?.pattern), literals: table)
            prefilters.append(Self.ms(since: p))
            let e = DispatchTime.now()
            for rule in set.rules {
                _ = LiteralExtractor.requirement(of: rule.match.pattern)
                if let unless = rule.unless { _ = LiteralExtractor.requirement(of: unless.pattern) }
            }
            extraction.append(Self.ms(since: e))
            let a = DispatchTime.now()
            _ = AhoCorasick(set.prefilter.literals)
            automaton.append(Self.ms(since: a))
        }
        guard let ruleSet else { return }
        let prefilter = ruleSet.prefilter
        console.out(String(format: "packs %d, rules %d (%d always run), literals %d, automaton states %d\n",
                           ruleSet.packs.count, ruleSet.rules.count, prefilter.alwaysCount, prefilter.literals.count,
                           prefilter.stateCount))
        if let phonetic = ruleSet.phoneticPrefilter {
            console.out(String(format: "phonetic rules %d (%d always run on the view), literals %d\n",
                               ruleSet.phoneticRules.count, phonetic.alwaysCount, phonetic.literals.count))
            for (k, index) in ruleSet.phoneticRules.enumerated() {
                console.out("  \(ruleSet.rules[Int(index)].id): \(phonetic.requirements[k])\n")
            }
        }
        console.out(String(format: "load and compile: %.1f ms (medians of %d); compile alone %.1f ms with the packs' literal "
                           + "tables, %.1f ms without (every pattern extracted)\n",
                           Self.median(total), total.count, Self.median(withTables), Self.median(withoutTables)))
        console.out(String(format: "parts: built-in YAML %.1f ms, prefilter from the tables %.1f ms (automaton %.1f ms); "
                           + "extracting every rule's literals on one thread would take %.1f ms; JIT of every rule, which waits "
                           + "for each rule's first match, %.1f ms\n",
                           Self.median(yaml), Self.median(prefilters), Self.median(automaton), Self.median(extraction),
                           Self.median(jit)))
        console.flush()
    }

    static func ms(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}

/// `scamflow bench grep`: count the lines any rule's `match` pattern matches, like `rg -c -f`.
struct BenchGrep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grep",
        abstract: "Count the lines of files that any rule's match pattern matches (after normalization), like rg -c -f.",
        discussion: """
        Ignores unless, channels, languages and scores: the same question rg and pcre2grep answer with the \
        patterns of `scamflow pack export --patterns`, on the same lines. --for rg keeps only the rules whose \
        pattern rg can run.
        """
    )

    @Argument(help: "Files.")
    var files: [String] = []

    @OptionGroup var packs: PackOptions

    @Option(name: .customLong("for"), help: "Only the rules this tool can run: pcre2 (all), pcre2grep, rg.")
    var tool: PatternDialect.Tool = .pcre2

    @Option(help: "Threads (default: every core).")
    var threads: Int?

    @Flag(name: .customLong("no-prefilter"), help: "Run every rule on every line.")
    var noPrefilter = false

    func run() throws {
        let console = Console.shared
        let ruleSet = try BenchCommand.ruleSet(packs)
        let allowed = ruleSet.rules.map { PatternDialect.unsupported($0.match.pattern, by: tool) == nil }
        let template = Scanner(ruleSet: ruleSet)
        template.usesPrefilter = !noPrefilter
        var count = 0
        let pipeline = ParallelScanner<String, Bool>(
            template: template, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            batchItems: 1024, weight: { $0.utf8.count },
            process: { scanner, line in scanner.firstMatchingRule(in: line, allowed: allowed) != nil },
            deliver: { _, matched in if matched { count += 1 } })
        for path in files {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                console.err("scamflow: \(path): \(String(cString: strerror(errno)))\n")
                throw ExitCode(2)
            }
            defer { close(fd) }
            var lines = LineReader(fd: fd, maxLineBytes: Int(Int32.max), chunkSize: 1 << 20)
            count = 0
            while let line = lines.next() {
                if case .text(_, let bytes) = line, !bytes.isEmpty { pipeline.submit(TextDecoding.decode(bytes).text) }
            }
            pipeline.flush()
            console.out(files.count > 1 ? "\(path):\(count)\n" : "\(count)\n")
        }
        pipeline.finish()
        console.flush()
    }
}

/// `scamflow bench normalize`: how fast the normalizer and the phonetic view run, one thread.
struct BenchNormalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Time the normalizer and the phonetic view over the lines of files (one thread, in memory)."
    )

    @Argument(help: "Files, read as one text a line.")
    var files: [String] = []

    @Option(name: [.customShort("n"), .customLong("repeat")], help: "Repetitions (the best is shown).")
    var repeat_: Int = 5

    func run() throws {
        let console = Console.shared
        var lines: [String] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                console.err("scamflow: \(path): cannot read\n")
                throw ExitCode(2)
            }
            lines += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let megabytes = Double(lines.reduce(0) { $0 + $1.utf8.count }) / 1e6
        let normalizer = Normalizer()
        let normalized = lines.map { normalizer.normalize($0) }
        var normalize = Double.infinity, view = Double.infinity, both = Double.infinity
        var checksum = 0
        for _ in 0..<max(1, repeat_) {
            var start = DispatchTime.now()
            for line in lines { checksum &+= normalizer.normalize(line).subject.bytes.count }
            normalize = min(normalize, BenchLoad.ms(since: start))
            start = DispatchTime.now()
            for text in normalized { checksum &+= PhoneticText(of: text).subject.bytes.count }
            view = min(view, BenchLoad.ms(since: start))
            start = DispatchTime.now()
            for line in lines { checksum &+= normalizer.phonetic(line).subject.bytes.count }
            both = min(both, BenchLoad.ms(since: start))
        }
        func rate(_ ms: Double) -> String { String(format: "%.0f MB/s (%.0f ms)", megabytes / (ms / 1000), ms) }
        console.out(String(format: "%d lines, %.1f MB; best of %d\n", lines.count, megabytes, max(1, repeat_)))
        console.out("normalize: \(rate(normalize))\nphonetic view of the normalized text: \(rate(view))\n"
                    + "normalize then phonetic view: \(rate(both))\n")
        if checksum == 42 { console.out("\n") }  // keeps the work from being optimized away
        console.flush()
    }
}

/// `scamflow bench rules`: which rules' patterns cost the most on some texts (one thread), for
/// a rule author looking for the pattern that slows a scan down.
struct BenchRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Time each rule's patterns on the texts of JSON lines files (one thread); list the costliest.",
        discussion: """
        Reads the "text" of every JSON line (a line that is not JSON is read as text), runs every rule \
        the prefilter lets through on it (match, then unless when the match was found; no channels, \
        languages or phonetic pass) and prints the rules by total time: time, share, calls, matches and \
        time per call. Times are wall clock on one thread: compare rules within one run.
        """
    )

    @Argument(help: "JSON lines files (or plain text, a text a line).")
    var files: [String] = []

    @OptionGroup var packs: PackOptions

    @Option(help: "How many rules to list.")
    var top: Int = 20

    @Flag(name: .customLong("no-prefilter"), help: "Run every rule on every text.")
    var noPrefilter = false

    func run() throws {
        let console = Console.shared
        let ruleSet = try BenchCommand.ruleSet(packs)
        // JIT compiles at a rule's first match; done here, it is not counted against the rule.
        for rule in ruleSet.rules {
            rule.match.compileJIT()
            rule.unless?.compileJIT()
        }
        let scanner = Scanner(ruleSet: ruleSet)
        scanner.usesPrefilter = !noPrefilter
        let n = ruleSet.rules.count
        var cost = [UInt64](repeating: 0, count: n), calls = [Int](repeating: 0, count: n), matches = [Int](repeating: 0, count: n)
        var texts = 0
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                console.err("scamflow: \(path): cannot read\n")
                throw ExitCode(2)
            }
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                let text: String
                if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] {
                    guard let t = object["text"] as? String else { continue }
                    text = t
                } else {
                    text = String(decoding: line, as: UTF8.self)
                }
                scanner.profile(text, cost: &cost, calls: &calls, matches: &matches)
                texts += 1
            }
        }
        let total = max(1, cost.reduce(0, +))
        console.out(String(format: "%d texts, %d rules; rule patterns took %.1f ms in all\n", texts, n, Double(total) / 1e6))
        console.out("      ms   share     calls   matches   µs/call  rule\n")
        for i in cost.indices.sorted(by: { (cost[$0], $1) > (cost[$1], $0) }).prefix(max(0, top)) where calls[i] > 0 {
            console.out(String(format: "%8.1f  %5.1f%%  %8d  %8d  %8.2f  ", Double(cost[i]) / 1e6, 100 * Double(cost[i]) / Double(total),
                               calls[i], matches[i], Double(cost[i]) / 1e3 / Double(calls[i])) + ruleSet.rules[i].id + "\n")
        }
        console.flush()
    }
}
