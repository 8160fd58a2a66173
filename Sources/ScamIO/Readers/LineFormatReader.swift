/// Reads the line formats scamflow started with (JSON lines, plain text, speaker-labelled
/// transcripts): each line is parsed on its own by `LineParser`.
///
/// Invariants: records come out in line order with the line they came from; an oversized line
/// is reported and skipped; a read error ends the file with an issue.
struct LineFormatReader {
    let format: InputFormat
    let context: ReadContext

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        var parser = LineParser(format: format, file: context.file, channel: context.options.channel,
                                subject: context.subject, options: context.options)
        while let line = lines.next() {
            switch line {
            case .oversized(let number, let bytes):
                guard emit(context.issue(.oversizedLine, line: number, "\(bytes) bytes, over the limit of \(lines.maxLineBytes)",
                                         hint: "raise it with --max-line-bytes")) else { return }
            case .readError(let number, let code):
                emit(context.readError(code, line: number))
                return
            case .text(let number, let bytes):
                for output in parser.parse(bytes, line: number) {
                    guard emit(output) else { return }
                }
            }
        }
    }
}
