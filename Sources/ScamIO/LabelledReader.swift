import Foundation
import ScamEngine

/// The labelled records of one file, for `scamflow eval`.
public struct LabelledInput: Sendable {
    public var path: String
    public var records: [LabelledRecord]
    /// The original line of each record (same order; invalid UTF-8 repaired, no line break), for
    /// writing misses out as they came in.
    public var lines: [String]
    /// Each with its position: every issue scan reports for the file (malformed JSON, a bad field,
    /// a line too long, invalid UTF-8 repaired while the record is kept), and each line left out
    /// for its `truth`.
    public var issues: [InputIssue]
    public var bytes: Int
    /// Whether the file, or the rest of it after a read error, could not be read.
    public var unreadable: Bool { issues.contains { $0.kind == .unreadable } }
}

/// Reads labelled JSON lines, as in `../shared/eval` and `Corpus/messages.jsonl`: each line's
/// Record exactly as `scamflow scan` reads a `.jsonl` file, plus its labels: `truth` (`scam`,
/// `benign`, `spam`), `category` and `dataset`.
///
/// Scan's reading is not imitated but run: the same `RecordReader` with the `jsonl` format (what
/// scan detects for `.jsonl`; forced here, so a labelled file of any name is read as JSON lines),
/// each line parsed by the same `DeferredLine.parse()` scan's threads call. Eval's measures are
/// only worth something if they are measures of what scan does; a reader of its own had drifted
/// (`"peer_known": 1` was true in eval and absent in scan).
///
/// Invariants: `records` are scan's records of the labelled lines, in line order, field for field;
/// every issue scan reports for the file is in `issues`, at the same line, in order; a line
/// without a valid `truth` is reported and left out, never counted as benign.
public enum LabelledReader {
    /// Extensions taken when walking a folder.
    public static let extensions: Set<String> = ["jsonl", "ndjson"]

    /// Files to read: files as given, folders walked recursively (JSON lines files only), sorted.
    public static func expand(_ inputs: [String]) -> (files: [String], issues: [InputIssue]) {
        var files: [String] = []
        var issues: [InputIssue] = []
        let fm = FileManager.default
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                issues.append(InputIssue(.unreadable, at: SourcePosition(file: input, line: 0), "no such file or folder"))
                continue
            }
            guard isDir.boolValue else { files.append(input); continue }
            let found = (fm.enumerator(atPath: input)?.allObjects as? [String] ?? [])
                .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) && !($0 as NSString).lastPathComponent.hasPrefix(".") }
                .map { (input as NSString).appendingPathComponent($0) }
            if found.isEmpty {
                issues.append(InputIssue(.unreadable, at: SourcePosition(file: input, line: 0), "no .jsonl or .ndjson file in this folder"))
            }
            files += found.sorted()
        }
        return (files, issues)
    }

    /// Reads one labelled file; lines over `maxLineBytes` are skipped and reported, as by scan's
    /// `--max-line-bytes`. A file that cannot be opened gives one `unreadable` issue.
    public static func read(path: String, maxLineBytes: Int = 1 << 20) -> LabelledInput {
        var options = ReaderOptions()
        options.format = .jsonl
        options.maxLineBytes = maxLineBytes
        var reader = RecordReader(path: path, options: options)
        var input = LabelledInput(path: path, records: [], lines: [], issues: [], bytes: 0)
        reader.read(deferringLines: { line in
            input.add(line)
            return true
        }, { output in
            // What is not a line: problems with the file, oversized lines (never a record here).
            if case .issue(let issue) = output { input.issues.append(issue) }
            return true
        })
        input.bytes = reader.bytesRead
        return input
    }

    /// The labels of a JSON line: `truth` must be `scam`, `benign` or `spam`; `category` and
    /// `dataset` are kept when they are non-empty strings.
    static func label(_ bytes: [UInt8], source: SourcePosition) -> Result<EvalLabel, InputIssue> {
        guard case .object(let fields)? = try? JSONLite.parse(bytes) else {
            return .failure(InputIssue(.malformedJSON, at: source, ByteOrderMark.problem(startingLine: bytes) ?? "not one JSON object",
                                       hint: "each line must be one complete JSON object"))
        }
        guard case .string(let name)? = fields["truth"], let truth = Truth(rawValue: name) else {
            return .failure(InputIssue(.badField, at: source, "`truth` is \(shown(fields["truth"]))",
                                       hint: "label each line with \"truth\": \"scam\", \"benign\" or \"spam\""))
        }
        func text(_ key: String) -> String? {
            guard case .string(let s)? = fields[key], !s.isEmpty else { return nil }
            return s
        }
        return .success(EvalLabel(truth: truth, category: text("category"), dataset: text("dataset")))
    }

    /// A `truth` that is not one of the three, as a message shows it.
    private static func shown(_ value: JSONLite.Value?) -> String {
        switch value {
        case nil: return "missing"
        case .string(let s)?: return String(s.prefix(30))
        case .number(let d)?: return AttributeValue.number(d).text
        case .bool(let b)?: return b ? "true" : "false"
        case .null?: return "null"
        case .array?: return "an array"
        case .object?: return "an object"
        }
    }
}

extension LabelledInput {
    /// Adds one line: what scan makes of it, kept when the line also has a valid `truth`.
    mutating func add(_ line: DeferredLine) {
        // A JSON line gives a repaired-UTF-8 notice (not skipping) if it needs one, then its
        // record or the issue that stops it; a blank line gives neither.
        var outcome: ReaderOutput?
        for output in line.parse() {
            if case .issue(let issue) = output, !issue.skipped { issues.append(issue) } else { outcome = output }
        }
        guard let outcome else { return }
        let source: SourcePosition
        switch outcome {
        case .issue(let issue) where issue.kind == .malformedJSON:
            issues.append(issue)
            return
        case .issue(let issue): source = issue.source
        case .record(let record): source = record.source
        }
        // The label first: a line without a valid truth is reported for that, whatever else it lacks.
        switch (LabelledReader.label(line.bytes, source: source), outcome) {
        case (.failure(let issue), _), (.success, .issue(let issue)):
            issues.append(issue)
        case (.success(let label), .record(let record)):
            records.append(LabelledRecord(record: record, label: label))
            lines.append(TextDecoding.decode(line.bytes).text)
        }
    }
}
