import Foundation
import Testing
@testable import ScamIO

/// Reading with lines deferred and parsing them afterwards gives exactly what reading gives.
@Suite struct DeferredLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func describe(_ output: ReaderOutput) -> String {
        switch output {
        case .record(let r):
            return "record \(r.source) \(r.text ?? "-") \(r.channel ?? "-") \(r.subject ?? "-") \(r.speaker ?? "-") \(r.time ?? -1) \(r.conversation ?? "-") \(r.id ?? "-") \(r.lang ?? "-")"
        case .issue(let i):
            return "issue \(i)"
        }
    }

    func both(_ path: String, _ options: ReaderOptions = ReaderOptions()) -> ([String], [String]) {
        var direct: [String] = []
        var reader = RecordReader(path: path, options: options)
        reader.read { direct.append(describe($0)); return true }
        var deferred: [String] = []
        var again = RecordReader(path: path, options: options)
        again.read(deferringLines: { line in deferred += line.parse().map(describe); return true },
                   { deferred.append(describe($0)); return true })
        #expect(again.bytesRead == reader.bytesRead)
        return (direct, deferred)
    }

    @Test func corpusFilesReadTheSameDeferred() throws {
        let corpus = Self.packageRoot.appendingPathComponent("Corpus")
        var paths = [corpus.appendingPathComponent("messages.jsonl").path]
        let transcripts = corpus.appendingPathComponent("transcripts")
        paths += try FileManager.default.contentsOfDirectory(atPath: transcripts.path).sorted()
            .filter { $0.hasSuffix(".txt") }.map { transcripts.appendingPathComponent($0).path }
        for path in paths {
            let (direct, deferred) = both(path)
            #expect(!direct.isEmpty)
            #expect(deferred == direct, "\(path)")
        }
    }

    @Test func badLinesReadTheSameDeferred() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-deferred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.jsonl")
        var data = Data("{\"text\":\"ok\"}\n{broken\n\n   \n{\"id\":1}\n".utf8)
        data += Data([0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A])  // invalid UTF-8
        data += Data(("{\"text\":\"" + String(repeating: "x", count: 300) + "\"}\n").utf8)  // oversized below
        data += Data("{\"text\":\"last\"}".utf8)
        try data.write(to: file)
        var options = ReaderOptions()
        options.maxLineBytes = 200
        let (direct, deferred) = both(file.path, options)
        #expect(direct.count >= 6)
        #expect(deferred == direct)
    }
}
