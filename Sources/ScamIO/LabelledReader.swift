import Foundation
import ScamEngine

/// The labelled records of one file, for `scamflow eval`.
public struct LabelledInput: Sendable {
    public var path: String
    public var records: [LabelledRecord]
    /// The original line of each record (same order), for writing misses out as they came in.
    public var lines: [String]
    /// Lines that could not be used (malformed JSON, no `truth`), each with its position.
    public var issues: [InputIssue]
    public var bytes: Int
    /// Whether the file could not be read at all.
    public var unreadable: Bool { issues.contains { $0.kind == .unreadable } }
}

/// Reads labelled JSON lines: the Record fields (decoded exactly as `scamflow scan` decodes them)
/// plus `truth` (`scam`, `benign`, `spam`) and `category`, as in `../shared/eval` and
/// `Corpus/messages.jsonl`.
///
/// A line without a valid `truth` is reported and left out; it never counts as benign.
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

    public static func read(path: String, maxLineBytes: Int = 1 << 20) -> LabelledInput {
        var input = LabelledInput(path: path, records: [], lines: [], issues: [], bytes: 0)
        guard let data = FileManager.default.contents(atPath: path) else {
            input.issues.append(InputIssue(.unreadable, at: SourcePosition(file: path, line: 0), "cannot read the file",
                                           hint: "check the path and its permissions"))
            return input
        }
        input.bytes = data.count
        let bytes = [UInt8](data)
        var start = 0
        var number = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            number += 1
            var last = end
            if last > start && bytes[last - 1] == 0x0D { last -= 1 }
            defer { start = end + 1 }
            let source = SourcePosition(file: path, line: number)
            guard last - start <= maxLineBytes else {
                input.issues.append(InputIssue(.oversizedLine, at: source, "\(last - start) bytes, over the limit of \(maxLineBytes)",
                                               hint: "raise it with --max-line-bytes"))
                continue
            }
            let (line, invalidAt) = TextDecoding.decode(bytes[start..<last])
            if let invalidAt {
                input.issues.append(InputIssue(.invalidUTF8, at: source, "invalid UTF-8 at byte \(invalidAt) of the line",
                                               hint: "bad bytes were replaced with U+FFFD and the line was still scanned", skipped: false))
            }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            switch parse(line, source: source) {
            case .success(let item):
                input.records.append(item)
                input.lines.append(line)
            case .failure(let issue):
                input.issues.append(issue)
            }
        }
        return input
    }

    static func parse(_ line: String, source: SourcePosition) -> Result<LabelledRecord, InputIssue> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: []),
              let fields = object as? [String: Any] else {
            return .failure(InputIssue(.malformedJSON, at: source, "not one JSON object",
                                       hint: "each line must be one complete JSON object"))
        }
        guard let truthText = fields["truth"] as? String, let truth = Truth(rawValue: truthText) else {
            let shown = (fields["truth"]).map { "\($0)".prefix(30) } ?? "missing"
            return .failure(InputIssue(.badField, at: source, "`truth` is \(shown)",
                                       hint: "label each line with \"truth\": \"scam\", \"benign\" or \"spam\""))
        }
        switch JSONRecordParser.record(from: fields, source: source) {
        case .record(let record):
            let category = (fields["category"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            return .success(LabelledRecord(record: record, label: EvalLabel(truth: truth, category: category)))
        case .issue(let issue):
            return .failure(issue)
        }
    }
}
