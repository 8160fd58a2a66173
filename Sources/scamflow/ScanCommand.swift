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
        Inputs are files, folders (read recursively: .jsonl .ndjson .json .txt .log .text files) or - for stdin. \
        Each file's format is detected (JSON lines, one message a line, or a speaker-labelled transcript); \
        --input-format overrides. Alerts go to stdout (ndjson when stdout is not a terminal), problems and the \
        summary to stderr. Exit: 0 nothing found, 1 alerts raised, 2 error.
        """
    )

    @Argument(help: "Files, folders, or - for stdin.")
    var inputs: [String] = []

    @Option(name: .customLong("packs"), help: ArgumentHelp("Add a pack folder (or a folder of packs); overrides a built-in pack of the same name. Repeatable.", valueName: "dir"))
    var packDirectories: [String] = []

    @Flag(name: .customLong("no-builtin"), help: "Do not load the built-in packs.")
    var noBuiltin = false

    @Option(name: .customLong("min-score"), help: "Alert when a record's score reaches this (overrides each pack's threshold).")
    var minScore: Int?

    @Option(help: ArgumentHelp("Output format: ndjson or text (default: text on a terminal, else ndjson).", valueName: "format"))
    var format: String?

    @Option(help: "Colour in text output: auto, always, never.")
    var color: ColorChoice = .auto

    @Option(name: .customLong("input-format"), help: "Input format: auto, jsonl, text, transcript.")
    var inputFormat: String = "auto"

    @Option(help: "Channel of plain-text lines (sms, chat, call, email); default: unknown, so every rule applies.")
    var channel: String?

    @Option(help: "Subject of records that do not name one (default: the file name).")
    var subject: String?

    @Option(name: .customLong("max-line-bytes"), help: "Skip (and report) lines longer than this many bytes.")
    var maxLineBytes: Int = 1 << 20

    @Flag(help: "Mask digits (card, ID, phone numbers, codes) in excerpts.")
    var redact = false

    @Flag(help: "Exit 2 when any input problem was found (malformed line, invalid UTF-8, oversized line, unreadable file).")
    var strict = false

    @Flag(name: .shortAndLong, help: "Do not print the summary.")
    var quiet = false

    mutating func validate() throws {
        if let format, AlertFormat(rawValue: format) == nil {
            throw ValidationError("unknown --format '\(format)'; use ndjson or text")
        }
        if inputFormat != "auto", InputFormat(rawValue: inputFormat) == nil {
            throw ValidationError("unknown --input-format '\(inputFormat)'; use auto, jsonl, text or transcript")
        }
        if maxLineBytes < 1 { throw ValidationError("--max-line-bytes must be positive") }
        if let channel, !["sms", "chat", "call", "email"].contains(channel) {
            throw ValidationError("unknown --channel '\(channel)'; use sms, chat, call or email")
        }
    }

    func run() throws {
        let console = Console.shared
        let started = Date()
        if inputs.isEmpty && isatty(0) == 1 {
            throw ValidationError("give files or folders to scan, or - to read stdin")
        }
        let loaded = PackLoading.load(builtin: !noBuiltin, directories: packDirectories)
        for d in loaded.diagnostics { console.err("scamflow: \(d)\n") }
        guard let ruleSet = loaded.ruleSet else {
            console.err("scamflow: the packs have errors; nothing was scanned\n")
            throw ExitCode(2)
        }
        if ruleSet.rules.isEmpty {
            console.err("scamflow: no rules loaded (built-in packs off and no --packs)\n")
            throw ExitCode(2)
        }

        let outputFormat = format.flatMap(AlertFormat.init) ?? (console.stdoutIsTerminal ? .text : .ndjson)
        let encoder = AlertEncoder(format: outputFormat, color: Console.colorWanted(color, terminal: console.stdoutIsTerminal), redact: redact)
        var options = ReaderOptions()
        options.format = InputFormat(rawValue: inputFormat)
        options.maxLineBytes = maxLineBytes
        options.channel = channel
        options.subject = subject

        var summary = ScanSummary()
        let scan = MessageScan(ruleSet: ruleSet, minScore: minScore)
        var reportedFailures = 0
        let emit: ([Alert]) -> Void = { alerts in
            for alert in alerts {
                summary.count(alert)
                console.out(encoder.encode(alert))
            }
        }
        let expansion = InputExpander.expand(inputs.isEmpty ? ["-"] : inputs)
        for issue in expansion.issues {
            summary.count(issue)
            if issue.kind != .unsupportedFile { console.err("scamflow: \(issue)\n") }
        }
        for path in expansion.files {
            guard !console.broken else { break }
            summary.files += 1
            var reader = RecordReader(path: path, options: options)
            reader.read { output in
                switch output {
                case .record(let record):
                    emit(scan.add(record))
                case .issue(let issue):
                    summary.count(issue)
                    console.err("scamflow: \(issue)\n")
                }
                return !console.broken
            }
            emit(scan.finish())
            summary.bytes += reader.bytesRead
            for failure in scan.failures.dropFirst(reportedFailures) {
                console.err("scamflow: \(failure.source): rule \(failure.rule) did not finish: \(failure.error.message)\n")
            }
            reportedFailures = scan.failures.count
        }
        if !console.broken { emit(scan.flowAlerts()) }
        console.flush()
        summary.records = scan.records
        summary.units = scan.units
        summary.ruleFailures = scan.failures.count
        summary.seconds = Date().timeIntervalSince(started)
        if !quiet { console.err(summary.text(color: Console.colorWanted(color, terminal: console.stderrIsTerminal))) }
        if strict && (summary.issueCount - (summary.issues[.unsupportedFile] ?? 0) > 0 || summary.ruleFailures > 0) { throw ExitCode(2) }
        if summary.alertCount > 0 { throw ExitCode(1) }
    }
}
