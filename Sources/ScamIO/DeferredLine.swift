import ScamEngine

/// A line of a JSON lines, plain text or transcript input, read but not parsed yet, so that
/// parsing (the UTF-8 check, JSON) can happen on another thread than reading.
///
/// Invariant: `parse()` gives exactly the outputs `RecordReader.read` gives for the line, in
/// the same order (the reader emits a deferred line where it would have emitted them).
public struct DeferredLine: Sendable {
    /// The line, without its line break.
    public let bytes: [UInt8]
    /// Its 1-based line number.
    public let number: Int
    let parser: LineParser

    /// The records and issues of the line.
    public func parse() -> [ReaderOutput] {
        var parser = parser
        return parser.parse(bytes[...], line: number)
    }
}

extension RecordReader {
    /// Reads like `read(_:)`, except that each line of a line format (JSON lines, plain text,
    /// transcripts) goes to `lines` unparsed, for the caller to `parse()` where it likes; every
    /// other output (problems with the file, oversized lines, other formats' records) goes to
    /// `sink`. Calls to both come in input order; either returning false stops the reading.
    public mutating func read(deferringLines lines: (DeferredLine) -> Bool, _ sink: (ReaderOutput) -> Bool) {
        withoutActuallyEscaping(sink) { sink in
            withoutActuallyEscaping(lines) { lines in
                var emit = Emitter(sink)
                read(&emit, deferring: lines)
            }
        }
    }
}

extension LineFormatReader {
    /// `read`, handing each text line over unparsed.
    func read(_ lines: inout LineReader, _ emit: inout Emitter, deferring sink: (DeferredLine) -> Bool) {
        let parser = LineParser(format: format, file: context.file, channel: context.options.channel,
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
                // A copy: a slice would keep the reader's buffer shared and make it copy itself.
                guard sink(DeferredLine(bytes: Array(bytes), number: number, parser: parser)) else { return }
            }
        }
    }
}
