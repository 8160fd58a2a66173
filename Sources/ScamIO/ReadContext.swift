import Foundation
import ScamEngine

/// What every format reader needs to know about the input it reads: where positions point, the
/// subject of its records and the resolved options.
struct ReadContext {
    /// The path as given (`-` for stdin).
    let path: String
    /// The name positions use (`<stdin>` for stdin).
    let file: String
    /// Subject of records that do not name one: `--subject`, else the file name (`<stdin>` for
    /// stdin, the name the flows already key an unnamed conversation by, so a transcript's rule
    /// and flow alerts carry the same subject).
    let subject: String?
    let options: ReaderOptions

    init(path: String, options: ReaderOptions) {
        self.path = path
        self.file = path == "-" ? "<stdin>" : path
        self.subject = options.subject ?? (path == "-" ? "<stdin>" : String(path.split(separator: "/").last ?? Substring(path)))
        self.options = options
    }

    func at(_ line: Int) -> SourcePosition { SourcePosition(file: file, line: line) }

    func issue(_ kind: InputIssue.Kind, line: Int, _ message: String, hint: String = "", skipped: Bool = true) -> ReaderOutput {
        .issue(InputIssue(kind, at: at(line), message, hint: hint, skipped: skipped))
    }

    /// Text from bytes, with an issue when they were not valid UTF-8 (the text is repaired).
    func decode<C: Collection<UInt8>>(_ bytes: C, line: Int, what: String = "the line") -> (String, ReaderOutput?) where C.Index == Int {
        let (text, invalidAt) = TextDecoding.decode(bytes)
        guard let invalidAt else { return (text, nil) }
        return (text, issue(.invalidUTF8, line: line, "invalid UTF-8 at byte \(invalidAt) of \(what)",
                            hint: "bad bytes were replaced with U+FFFD and the text was still scanned", skipped: false))
    }

    /// An issue for a read error: the rest of the input is lost.
    func readError(_ errno: Int32, line: Int) -> ReaderOutput {
        issue(.unreadable, line: line, String(cString: strerror(errno)), hint: "the rest of this file was not read")
    }
}

/// The outputs of a reader on their way to the sink, stopping when it says so.
struct Emitter {
    let sink: (ReaderOutput) -> Bool
    private(set) var stopped = false

    init(_ sink: @escaping (ReaderOutput) -> Bool) { self.sink = sink }

    /// Sends `output`; returns false once the sink wants no more.
    @discardableResult
    mutating func callAsFunction(_ output: ReaderOutput?) -> Bool {
        guard !stopped else { return false }
        guard let output else { return true }
        if !sink(output) { stopped = true }
        return !stopped
    }
}
