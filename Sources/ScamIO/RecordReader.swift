import Foundation
import ScamEngine

/// Options that shape how input becomes records.
public struct ReaderOptions: Sendable {
    /// Force a format instead of detecting it.
    public var format: InputFormat?
    /// Lines longer than this are skipped and reported.
    public var maxLineBytes: Int = 1 << 20
    /// Channel for plain-text lines (which do not say); nil lets every rule apply.
    public var channel: String?
    /// Subject for records that do not name one (plain text, transcripts); default: the file name.
    public var subject: String?

    public init() {}
}

/// Reads one input (a file path, or `-` for stdin) into records, detecting its format.
///
/// Every problem becomes a `ReaderOutput.issue` with its position, and reading goes on: a bad
/// line never hides the lines after it.
public struct RecordReader {
    public let path: String
    public let options: ReaderOptions
    /// The format used (known after `read` starts).
    public private(set) var format: InputFormat?
    public private(set) var bytesRead = 0

    public init(path: String, options: ReaderOptions) {
        self.path = path
        self.options = options
    }

    /// Reads everything, calling `sink` for each output; `sink` returns false to stop early
    /// (stdout closed, say).
    public mutating func read(_ sink: (ReaderOutput) -> Bool) {
        let display = path == "-" ? "<stdin>" : path
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            _ = sink(.issue(InputIssue(.unreadable, at: SourcePosition(file: display, line: 0), reason,
                                       hint: "check the path and its permissions")))
            return
        }
        defer { if fd != 0 { close(fd) } }
        var lines = LineReader(fd: fd, maxLineBytes: options.maxLineBytes)
        let sample = lines.peek(20).compactMap { line -> String? in
            if case .text(_, let bytes) = line { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
        let format = options.format ?? InputFormat.detect(path: path, firstLines: sample)
        self.format = format
        let subject = options.subject ?? (path == "-" ? nil : (path as NSString).lastPathComponent)
        var parser = LineParser(format: format, file: display, channel: options.channel, subject: subject)
        defer { bytesRead = lines.bytesRead }
        while let line = lines.next() {
            switch line {
            case .oversized(let number, let bytes):
                guard sink(.issue(InputIssue(.oversizedLine, at: SourcePosition(file: display, line: number),
                                             "\(bytes) bytes, over the limit of \(options.maxLineBytes)",
                                             hint: "raise it with --max-line-bytes"))) else { return }
            case .readError(let number, let code):
                _ = sink(.issue(InputIssue(.unreadable, at: SourcePosition(file: display, line: number),
                                           String(cString: strerror(code)), hint: "the rest of this file was not read")))
                return
            case .text(let number, let bytes):
                for output in parser.parse(bytes, line: number) {
                    guard sink(output) else { return }
                }
            }
        }
    }
}
