import Foundation
import ScamEngine

/// Turns command-line inputs into the list of files to read: files as given, folders walked
/// recursively in sorted order (only files with input extensions, and of those only the ones
/// whose content is a format scamflow reads: a `LABELS.tsv` or a stray `.db` beside the exports
/// is counted as skipped, not reported as an error), `-` for stdin.
public enum InputExpander {
    /// Extensions read when walking a folder.
    public static let extensions: Set<String> = ["jsonl", "ndjson", "json", "txt", "log", "text", "xml", "csv", "tsv", "srt",
                                                 "vtt", "db", "sqlite", "sqlitedb"]

    public static func expand(_ inputs: [String], options: ReaderOptions = ReaderOptions()) -> (files: [String], issues: [InputIssue]) {
        var files: [String] = []
        var issues: [InputIssue] = []
        let fm = FileManager.default
        for input in inputs {
            if input == "-" { files.append(input); continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                issues.append(InputIssue(.unreadable, at: SourcePosition(file: input, line: 0), "no such file or folder"))
                continue
            }
            guard isDir.boolValue else { files.append(input); continue }
            guard let walker = fm.enumerator(atPath: input) else {
                issues.append(InputIssue(.unreadable, at: SourcePosition(file: input, line: 0), "cannot list the folder"))
                continue
            }
            var found: [String] = []
            for case let relative as String in walker {
                let path = (input as NSString).appendingPathComponent(relative)
                var sub: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &sub), !sub.boolValue else { continue }
                if (relative as NSString).lastPathComponent.hasPrefix(".") { continue }
                if extensions.contains((relative as NSString).pathExtension.lowercased()) {
                    let detection = detect(path, options: options)
                    if options.format == nil, case .unknown(let reason, _) = detection.format, !detection.foreignEncoding {
                        issues.append(InputIssue(.unsupportedFile, at: SourcePosition(file: path, line: 0), "skipped: \(reason)",
                                                 hint: "pass the file by name, with --input-format, to read it anyway", skipped: false))
                    } else {
                        found.append(path)
                    }
                } else {
                    issues.append(InputIssue(.unsupportedFile, at: SourcePosition(file: path, line: 0),
                                             "skipped: not a recognised input extension", hint: "pass the file by name to read it anyway",
                                             skipped: false))
                }
            }
            files += found.sorted()
        }
        return (files, issues)
    }

    /// The format of a file found in a folder, from its head, and whether it is text in another
    /// encoding than UTF-8: such a file is an input in the wrong encoding, not a file of another
    /// kind, so it is read and the reader reports it as an input issue with the conversion.
    private static func detect(_ path: String, options: ReaderOptions) -> (format: FormatDetection, foreignEncoding: Bool) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return (.format(.text), false) }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: FormatDetector.headSize)) ?? Data())
        return (FormatDetector.detect(path: path, head: head, options: options), ForeignEncoding.detect(head) != nil)
    }
}
