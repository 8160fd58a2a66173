import Foundation
import Testing

/// `scan`'s exit codes (README, "CLI reference"): 0 nothing found, 1 alerts, 2 when nothing at
/// all could be read, which must not pass for "nothing found".
@Suite struct ScanExitCodeTests {
    func run(_ files: [String: [UInt8]], _ extra: [String] = []) throws -> CLIRunner.Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-exit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        return try CLIRunner.run(["scan", "--format", "ndjson"] + extra + files.keys.sorted(), in: dir)
    }

    @Test func nothingReadableIsAnError() throws {
        let garbage = (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }
        #expect(try run(["garbage.bin": garbage]).status == 2, "binary data")
        #expect(try run(["page.xml": Array("<html><body><p>hello</p></body></html>\n".utf8)]).status == 2, "an XML file of no known kind")
        #expect(try run(["doc.json": Array("{\"a\": [1, 2, {\"b\": null}]}".utf8)]).status == 2, "a JSON document of no known kind")
        #expect(try run(["long.txt": Array("第一条很长的短信内容\n第二条很长的短信内容\n".utf8)], ["--max-line-bytes", "10"]).status == 2,
                "every line skipped")
    }

    @Test func readableButQuietIsZeroAndAnEmptyFileIsNotAnError() throws {
        #expect(try run(["empty.txt": []]).status == 0)
        #expect(try run(["ok.txt": Array("今晚一起吃饭吗\n".utf8)]).status == 0)
        let mixed = try run(["ok.txt": Array("今晚一起吃饭吗\n".utf8), "garbage.bin": [0, 1, 2, 3, 0xFF, 0xFE]])
        #expect(mixed.status == 0, "one readable input is enough: \(mixed.stderr)")
    }
}
