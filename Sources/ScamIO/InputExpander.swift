import Foundation
import ScamEngine

/// Turns command-line inputs into the list of files to read: files as given, folders walked
/// recursively in sorted order (only files with input extensions), `-` for stdin.
public enum InputExpander {
    /// Extensions read when walking a folder.
    public static let extensions: Set<String> = ["jsonl", "ndjson", "json", "txt", "log", "text"]

    public static func expand(_ inputs: [String]) -> (files: [String], issues: [InputIssue]) {
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
                    found.append(path)
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
}
