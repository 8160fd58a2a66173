import ArgumentParser
import Foundation
import ScamIO

/// `--color`'s values.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

extension AlertFormat: ExpressibleByArgument {}

/// `--format`, `--color`, `--redact` and `--verbose`: how `scan` and `stream` write alerts.
/// Declared once here; `resolve` turns them into `AlertOutput` before any input is read.
struct AlertOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Alert format (default: scan writes text to a terminal, else ndjson; stream writes ndjson).",
        valueName: "format"))
    var format: AlertFormat?

    @Option(help: "Colour in text output (auto: on a terminal, unless NO_COLOR is set or TERM=dumb).")
    var color: ColorChoice = .auto

    @Flag(help: "Mask numbers (card, ID, phone numbers, codes) in excerpts, record ids and the report; subject, peer and speakers become pseudonyms.")
    var redact = false

    @Flag(name: .shortAndLong, help: "Text format: every piece of evidence and every rule behind it (default: the \(AlertEncoder.strongest) strongest pieces).")
    var verbose = false

    /// The settings these options give on this console: `defaultFormat` when `--format` is
    /// absent; colour decided once per stream (stdout for alerts, stderr for the summary).
    func resolve(defaultFormat: AlertFormat, console: Console) -> AlertOutput {
        let environment = ProcessInfo.processInfo.environment
        return AlertOutput(
            format: format ?? defaultFormat,
            colorOut: Self.colorWanted(color, terminal: console.stdoutIsTerminal, environment: environment),
            colorErr: Self.colorWanted(color, terminal: console.stderrIsTerminal, environment: environment),
            redact: redact, verbose: verbose)
    }

    /// Whether colour should be used on a stream, honouring NO_COLOR and TERM=dumb.
    static func colorWanted(_ choice: ColorChoice, terminal: Bool, environment: [String: String]) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return terminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        }
    }
}

/// How alerts are written, resolved once from `AlertOutputOptions`: every later decision
/// (the encoder, the summary's colour) reads these fields, never the flags.
struct AlertOutput: Sendable {
    var format: AlertFormat
    /// Colour for alerts on stdout (text format only).
    var colorOut: Bool
    /// Colour for the summary on stderr.
    var colorErr: Bool
    var redact: Bool
    var verbose: Bool

    var encoder: AlertEncoder { AlertEncoder(format: format, color: colorOut, redact: redact, verbose: verbose) }
}
