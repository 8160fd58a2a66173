import ArgumentParser
import Foundation
import ScamEngine
import ScamIO

/// `scamflow scan`: find scams in message dumps and transcripts.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan messages and call transcripts for scams.",
        discussion: """
        Inputs are files, folders (read recursively: .jsonl .ndjson .json .txt .log .text .xml .csv .tsv .srt .vtt \
        .db .sqlite files) or - for stdin. Each file's format is detected from its content and extension (JSON lines, plain \
        text, transcripts, SMS Backup & Restore XML, adb content query output, WhatsApp, Telegram, WeChat CSV, \
        iMessage chat.db, Whisper JSON/SRT/VTT/TSV, CSV); --input-format overrides. Alerts go to stdout (ndjson when stdout is not a terminal), problems and the \
        summary to stderr. Exit: 0 nothing found, 1 alerts raised, 2 error, 3 nothing found but an installed pack was \
        broken and set aside (a pack.broken finding says which; --strict-packs makes that an error).
        """
    )

    @Argument(help: "Files, folders, or - for stdin.")
    var inputs: [String] = []

    @OptionGroup var packs: PackOptions

    @Option(name: .customLong("min-score"), help: "Alert when a record's score reaches this (overrides each pack's threshold).")
    var minScore: Int?

    @OptionGroup var output: AlertOutputOptions

    @OptionGroup(title: "HTML report")
    var report: ReportOptions

    @OptionGroup var input: InputOptions

    @OptionGroup(title: "Reading exports")
    var export: ExportArguments

    @Flag(name: .customLong("show-info"), help: "Also show info findings: rule alerts the learned scorer set aside (a retelling, a warning). They never change the exit status.")
    var showInfo = false

    @Flag(help: "Exit 2 when any input problem was found (malformed line, invalid UTF-8, oversized line, unreadable file).")
    var strict = false

    @Flag(name: .shortAndLong, help: "Do not print the summary.")
    var quiet = false

    @OptionGroup var packChecks: PackStrictness

    @Option(help: ArgumentHelp("Threads that scan (default: every core). Alerts come out in the same order whatever the number.", valueName: "n"))
    var threads: Int?

    @Flag(name: .customLong("no-prefilter"), help: .hidden)
    var noPrefilter = false

    mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let console = Console.shared
        let started = Date()
        if inputs.isEmpty && isatty(0) == 1 {
            throw ValidationError("give files or folders to scan, or - to read stdin")
        }
        // The output and reader settings, resolved once before any work (`AlertOutput`,
        // `ReaderOptions`): what follows reads these, not the flags.
        let output = self.output.resolve(defaultFormat: console.stdoutIsTerminal ? .text : .ndjson, console: console)
        let options = try input.readerOptions(export: export)
        let loaded = packs.load(strictPacks: packChecks.strict)
        for d in loaded.diagnostics { console.err("scamflow: \(d)\n") }
        guard let ruleSet = loaded.ruleSet else {
            console.err("scamflow: the packs have errors; nothing was scanned" + (packChecks.strict ? " (--strict-packs: a broken installed pack is an error)" : "") + "\n")
            throw ExitCode(2)
        }
        PackLoading.warn(loaded)
        if ruleSet.rules.isEmpty {
            console.err("scamflow: no rules loaded (built-in packs off and no --packs)\n")
            throw ExitCode(2)
        }

        let encoder = output.encoder

        var summary = ScanSummary()
        // Before any alert: whoever reads the alerts learns first that a pack is not in force.
        for pack in loaded.quarantined { console.out(encoder.encode(pack)) }
        summary.packsSetAside = loaded.quarantined.map(\.summary)
        // With --report, what the page shows is gathered from this very scan: the records as
        // they are added, the alerts as they are written.
        var report: Report? = self.report.path == nil ? nil : Report()
        report?.packs = ruleSet.packs.map(\.manifest.label)
        report?.flows = ruleSet.flows.map(ReportFlow.init)
        let scan = MessageScan(ruleSet: ruleSet, minScore: minScore)
        scan.assessor.keepsInfo = showInfo
        var reportedFailures = 0
        let write: ([Alert]) -> Void = { alerts in
            for alert in alerts {
                summary.count(alert)
                console.out(encoder.encode(alert))
            }
            report?.alerts += alerts
        }
        // With flows, a message alert waits for the end of the input, where the flows run: a
        // flow alert on the same record is then folded into it (one scam, one alert,
        // `AlertMerger`). Without flows, alerts are written as they come.
        var held: [Alert] = []
        let holds = !ruleSet.flows.isEmpty
        let emit: ([Alert]) -> Void = { alerts in if holds { held += alerts } else { write(alerts) } }
        let expansion = InputExpander.expand(inputs.isEmpty ? ["-"] : inputs, options: options)
        for issue in expansion.issues {
            summary.count(issue)
            if issue.kind != .unsupportedFile { console.err("scamflow: \(issue)\n") }
        }
        // Records are scanned on every core; everything else happens here, in input order.
        scan.scanner.usesPrefilter = !noPrefilter
        let progress = ProgressBar(terminal: console.stderrIsTerminal && !quiet)
        // The scan's assessor as it is now (settings included): records are assessed where
        // they are scanned with it.
        let assessor = scan.assessor
        let pipeline = ParallelScanner<ScanItem, ScanItem.Result>(
            template: scan.scanner, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            weight: ScanItem.weight, process: { ScanItem.process($0, $1, assessor: assessor) }
        ) { item, results in
            for (output, scanned) in results {
                switch output {
                case .record(let record):
                    report?.add(record, lang: scanned!.lang)
                    emit(scan.add(record, scanned: scanned!))
                    progress.update(records: scan.records, bytes: scan.textBytes, alerts: summary.alertCount + held.count)
                case .issue(let issue):
                    summary.count(issue)
                    console.err("scamflow: \(issue)\n")
                }
            }
            if case .fileEnd(let bytes) = item {
                emit(scan.finish())
                summary.bytes += bytes
                for failure in scan.failures.dropFirst(reportedFailures) {
                    console.err("scamflow: \(failure.source): rule \(failure.rule) did not finish: \(failure.error.message)\n")
                }
                reportedFailures = scan.failures.count
            }
        }
        for path in expansion.files {
            guard !console.broken else { break }
            summary.files += 1
            var reader = RecordReader(path: path, options: options)
            // Lines are parsed on the scanning threads too (JSON parsing is much of the work).
            reader.read(deferringLines: { line in
                pipeline.submit(.line(line))
                return !console.broken
            }, { output in
                pipeline.submit(.output(output))
                return !console.broken
            })
            pipeline.submit(.fileEnd(bytes: reader.bytesRead))
        }
        pipeline.finish()
        progress.finish()
        if !console.broken {
            let attempts = scan.flowAlerts()
            // Everything held till now is folded and encoded on every core (the scanning threads
            // are done), then written in order: the same lines as `write` gives.
            let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let alerts = holds ? AlertMerger.merged(held + attempts, threads: threads) : attempts
            held = []
            let lines = ParallelMap.map(alerts, threads: threads) { encoder.encode($0) }
            for (alert, line) in zip(alerts, lines) {
                summary.count(alert)
                console.out(line)
            }
            report?.alerts += alerts
            report?.attempts = attempts
        }
        console.flush()
        summary.records = scan.records
        summary.units = scan.units
        summary.ruleFailures = scan.failures.count
        summary.setAside = scan.setAside
        summary.seconds = Date().timeIntervalSince(started)
        if !quiet { console.err(summary.text(color: output.colorErr)) }
        if var report {
            if console.broken {
                console.err("scamflow: the report was not written: the output closed before the input was read\n")
            } else {
                report.packsSetAside = summary.packsSetAside
                report.inputProblems = summary.issueCount
                try self.report.write(report, redact: output.redact, quiet: quiet, console: console)
            }
        }
        if strict && (summary.issueCount > 0 || summary.ruleFailures > 0) {
            console.err("scamflow: --strict: \(summary.issueCount) input problem\(summary.issueCount == 1 ? "" : "s") and "
                        + "\(summary.ruleFailures) rule failure\(summary.ruleFailures == 1 ? "" : "s") (see above); exit 2\n")
            throw ExitCode(2)
        }
        // Nothing could be read at all: that is an error, not "nothing found".
        // (Every input refused, every line skipped, or a folder with no input in it; an empty
        // file is not an error.)
        if summary.records == 0, summary.issueCount > 0 || !summary.skippedFiles.isEmpty {
            console.err("scamflow: nothing could be read from the input (see above); exit 2\n")
            console.flush()
            throw ExitCode(2)
        }
        if summary.alertCount > 0 { throw ExitCode(1) }
        try PackStrictness.exitIfSetAside(loaded)
    }
}

/// `scan`'s options for exports (chats, phone backups, speech-to-text), each resolved into one
/// `ReaderOptions` field before any file is read.
struct ExportArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Your name in chat exports (WhatsApp, Telegram): your messages are outgoing.", valueName: "name"))
    var me: String?

    @Option(help: ArgumentHelp("Time zone of local times in exports: +08:00, UTC or Asia/Shanghai (default: this machine's).", valueName: "zone"))
    var tz: String?

    @Option(name: .customLong("date-order"), help: ArgumentHelp("Day and month order of WhatsApp dates: dmy, mdy or auto.", valueName: "order"))
    var dateOrder: String = "auto"

    @Option(name: .customLong("call-start"), help: ArgumentHelp("When the call began (2025-03-06T10:15:00+08:00, or local in --tz): transcript offsets become times.", valueName: "time"))
    var callStart: String?

    @Option(name: .customLong("speaker-map"), help: ArgumentHelp("Rename transcript speakers: SPEAKER_00=caller,SPEAKER_01=me.", valueName: "map"))
    var speakerMap: String?

    @Option(name: .customLong("map"), help: ArgumentHelp("CSV columns of record fields: text=body,time=date,peer=from (others by their usual names).", valueName: "map"))
    var columnMap: String?

    /// Checked when parsed, so a bad value is a usage error before anything is loaded.
    func validate() throws { _ = try resolve(into: ReaderOptions()) }

    /// `options` with these settings, or a validation error naming the bad option.
    func resolve(into options: ReaderOptions) throws -> ReaderOptions {
        var options = options
        if let me, !me.isEmpty { options.me = me }
        if let tz {
            guard let zone = TimeZoneSpec.parse(tz) else {
                throw ValidationError("unknown --tz '\(tz)'; use an offset such as +08:00, UTC, or a zone name such as Asia/Shanghai")
            }
            options.timeZone = zone
        }
        guard let order = DateOrder(rawValue: dateOrder) else {
            throw ValidationError("unknown --date-order '\(dateOrder)'; use dmy, mdy or auto")
        }
        options.dateOrder = order
        if let callStart {
            guard let ms = LocalTime.parse(callStart, zone: options.timeZone ?? .local) else {
                throw ValidationError("--call-start '\(callStart)' is not a time; write 2025-03-06T10:15:00+08:00 or 2025-03-06 10:15:00")
            }
            options.callStart = ms
        }
        if let speakerMap {
            var map: [String: String] = [:]
            for pair in speakerMap.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("--speaker-map: '\(pair)' is not SPEAKER=name")
                }
                map[parts[0]] = parts[1]
            }
            options.speakerMap = map
        }
        if let columnMap {
            do {
                options.columnMap = try ColumnMap.parse(columnMap)
            } catch {
                throw ValidationError("--map: \(error.description)")
            }
        }
        return options
    }
}
