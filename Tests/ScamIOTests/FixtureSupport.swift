import Foundation
import ScamEngine
import Testing
@testable import ScamIO

/// Reading fixtures (Tests/ScamIOTests/Fixtures/<format>/) and temporary inputs in tests.
enum Fixtures {
    /// The fixtures folder: the copied resource, else the source folder.
    static let root: URL = {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) { return url }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// What reading `path` gave: records, issues, the format used.
    struct Output {
        var records: [Record] = []
        var issues: [InputIssue] = []
        var format: InputFormat?
        var bytes = 0

        var texts: [String?] { records.map(\.text) }
        var lines: [Int] { records.map(\.source.line) }
    }

    static func read(_ path: String, _ configure: (inout ReaderOptions) -> Void = { _ in }) -> Output {
        var options = ReaderOptions()
        options.timeZone = TimeZoneSpec.parse("+08:00")
        configure(&options)
        var reader = RecordReader(path: path, options: options)
        var output = Output()
        reader.read { item in
            switch item {
            case .record(let r): output.records.append(r)
            case .issue(let i): output.issues.append(i)
            }
            return true
        }
        output.format = reader.format
        output.bytes = reader.bytesRead
        return output
    }

    static func fixture(_ relative: String, _ configure: (inout ReaderOptions) -> Void = { _ in }) -> Output {
        read(path(relative), configure)
    }

    /// Writes `contents` to a new temporary file named `name` and reads it.
    static func temporary(_ contents: String, name: String, _ configure: (inout ReaderOptions) -> Void = { _ in }) throws -> Output {
        try temporary(Array(contents.utf8), name: name, configure)
    }

    static func temporary(_ bytes: [UInt8], name: String, _ configure: (inout ReaderOptions) -> Void = { _ in }) throws -> Output {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return read(url.path, configure)
    }

    /// Epoch milliseconds of an RFC 3339 time, for expectations.
    static func ms(_ text: String) -> Int64 { Timestamp.parse(text)! }
}
