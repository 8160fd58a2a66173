import ArgumentParser
import Foundation
import ScamBuiltins
import ScamEngine
import ScamIO

/// `scamflow bench`: measurements for `Benchmarks/` (hidden from help; not a user feature).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measurements for the benchmarks (pack load time; grep-like counts to compare with rg and pcre2grep).",
        shouldDisplay: false,
        subcommands: [BenchLoad.self, BenchGrep.self]
    )
}

/// `scamflow bench load`: how long loading and compiling the packs takes.
struct BenchLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time loading the packs (YAML), compiling them (PCRE2 + JIT) and building the prefilter."
    )

    @Option(name: .customLong("packs"), help: ArgumentHelp("Add a pack folder. Repeatable.", valueName: "dir"))
    var packDirectories: [String] = []

    @Flag(name: .customLong("no-builtin"), help: "Leave out the built-in packs.")
    var noBuiltin = false

    @Option(name: [.customShort("n"), .customLong("repeat")], help: "Repetitions (the median is shown).")
    var repeat_: Int = 5

    func run() throws {
        let console = Console.shared
        // Cold: no literal cache, every pattern's literals extracted. Warm: a fresh cache,
        // filled by the first load (not counted) and read by the others.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = LiteralCache(file: folder.appendingPathComponent("literals.bin"))
        var cold: [Double] = [], warm: [Double] = [], jit: [Double] = [], yaml: [Double] = [], prefilters: [Double] = [], extraction: [Double] = [],
            automaton: [Double] = []
        var ruleSet: RuleSet?
        func load(_ cache: LiteralCache?) throws -> (RuleSet, Double) {
            let start = DispatchTime.now()
            let loaded = PackLoading.load(builtin: !noBuiltin, directories: packDirectories, installed: false, literalCache: cache)
            let elapsed = Self.ms(since: start)
            guard let set = loaded.ruleSet else {
                for d in loaded.diagnostics { console.err("\(d)\n") }
                throw ExitCode(2)
            }
            return (set, elapsed)
        }
        _ = try load(cache)
        // Let the first load's background write of the cache finish.
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: cache.file.path) { usleep(10_000) }
        for _ in 0..<max(1, repeat_) {
            let (set, coldMs) = try load(nil)
            cold.append(coldMs)
            // JIT waits for a rule's first match; what it costs for every rule at once.
            let j = DispatchTime.now()
            for rule in set.rules {
                rule.match.compileJIT()
                rule.unless?.compileJIT()
            }
            jit.append(Self.ms(since: j))
            warm.append(try load(cache).1)
            ruleSet = set
            // The parts, timed again on their own.
            let y = DispatchTime.now()
            if !noBuiltin { _ = BuiltinPacks.load() }
            yaml.append(Self.ms(since: y))
            let p = DispatchTime.now()
            _ = Prefilter(patterns: set.rules.map(\.match.pattern), stated: set.rules.map(\.spec.prefilter),
                          unless: set.rules.map(\.unless?.pattern))
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
        console.out(String(format: "load and compile: %.1f ms with the literal cache, %.1f ms without (medians of %d)\n",
                           Self.median(warm), Self.median(cold), cold.count))
        console.out(String(format: "parts, one thread each: built-in YAML %.1f ms, prefilter %.1f ms (literal extraction %.1f ms, "
                           + "automaton %.1f ms); PCRE2 compiles beside the prefilter; JIT of every rule, which waits for "
                           + "each rule's first match, %.1f ms\n",
                           Self.median(yaml), Self.median(prefilters), Self.median(extraction), Self.median(automaton),
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

    @Option(name: .customLong("packs"), help: ArgumentHelp("Add a pack folder. Repeatable.", valueName: "dir"))
    var packDirectories: [String] = []

    @Flag(name: .customLong("no-builtin"), help: "Leave out the built-in packs.")
    var noBuiltin = false

    @Option(name: .customLong("for"), help: "Only the rules this tool can run: pcre2 (all), pcre2grep, rg.")
    var tool: PatternDialect.Tool = .pcre2

    @Option(help: "Threads (default: every core).")
    var threads: Int?

    @Flag(name: .customLong("no-prefilter"), help: "Run every rule on every line.")
    var noPrefilter = false

    func run() throws {
        let console = Console.shared
        let loaded = PackLoading.load(builtin: !noBuiltin, directories: packDirectories, installed: false)
        guard let ruleSet = loaded.ruleSet else {
            for d in loaded.diagnostics where d.severity == .error { console.err("\(d)\n") }
            throw ExitCode(2)
        }
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
