import ArgumentParser
import ScamIO

/// `--max-line-bytes`: the longest input line a command reads (longer ones are skipped and
/// reported). Shared by every command that reads lines: scan, stream, eval, learn.
struct LineLimitOption: ParsableArguments {
    @Option(name: .customLong("max-line-bytes"), help: "Skip (and report) lines longer than this many bytes.")
    var maxLineBytes: Int = 1 << 20

    func validate() throws {
        if maxLineBytes < 1 { throw ValidationError("--max-line-bytes must be positive") }
    }
}

/// `--input-format`'s values: `auto` (detect each file's format) or one `InputFormat`.
struct InputFormatChoice: ExpressibleByArgument, Equatable {
    /// Nil for `auto`.
    var format: InputFormat?

    init(_ format: InputFormat?) { self.format = format }

    init?(argument: String) {
        if argument == "auto" { format = nil; return }
        guard let format = InputFormat(rawValue: argument) else { return nil }
        self.format = format
    }

    static var allValueStrings: [String] { ["auto"] + InputFormat.allCases.map(\.rawValue) }
    var defaultValueDescription: String { format?.rawValue ?? "auto" }
}

/// `--channel`'s values: the channels a rule can be limited to.
enum ChannelChoice: String, ExpressibleByArgument, CaseIterable {
    case sms, chat, call, email
}

/// How `scan` reads its inputs: `--input-format`, `--channel`, `--subject`, `--max-line-bytes`;
/// with the export options, resolved once into the `ReaderOptions` every reader gets.
struct InputOptions: ParsableArguments {
    @Option(name: .customLong("input-format"), help: ArgumentHelp(
        "Input format (auto: each file's, from its content and extension).", valueName: "format"))
    var inputFormat = InputFormatChoice(nil)

    @Option(help: "Channel of plain-text lines (default: unknown, so every rule applies).")
    var channel: ChannelChoice?

    @Option(help: "Subject of records that do not name one (default: the file name for transcripts and exports; plain-text lines have none).")
    var subject: String?

    @OptionGroup var lineLimit: LineLimitOption

    /// The reader settings of these options and the export options (validated when parsed:
    /// `ExportArguments.validate`).
    func readerOptions(export: ExportArguments) throws -> ReaderOptions {
        var options = ReaderOptions()
        options.format = inputFormat.format
        options.maxLineBytes = lineLimit.maxLineBytes
        options.channel = channel?.rawValue
        options.subject = subject
        return try export.resolve(into: options)
    }
}
