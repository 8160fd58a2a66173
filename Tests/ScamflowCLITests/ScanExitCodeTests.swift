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

    /// A UTF-16 file named `.jsonl` (PowerShell's `>` writes one) gave "malformed JSON" for every
    /// line. It is one issue now, naming the file, the encoding and the command that converts
    /// it, whether the format is detected or forced, and in a folder too.
    @Test func aUTF16FileIsNamedWithTheCommandThatConvertsIt() throws {
        let line = "{\"text\":\"我是公安局的，你涉嫌洗钱，请把钱转到安全账户\"}\n"
        let utf16: [UInt8] = [0xFF, 0xFE] + line.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for extra in [[], ["--input-format", "jsonl"]] {
            let r = try run(["a.jsonl": utf16], extra)
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("a.jsonl: not UTF-8 text: the file is UTF-16LE (byte-order mark FF FE)")
                    && r.stderr.contains("iconv -f UTF-16 -t UTF-8 a.jsonl > a.utf8.jsonl") && !r.stderr.contains("malformed JSON"), "\(r.stderr)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-utf16-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("export"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(utf16).write(to: dir.appendingPathComponent("export/b.jsonl"))
        let folder = try CLIRunner.run(["scan", "export"], in: dir)
        #expect(folder.status == 2 && folder.stderr.contains("export/b.jsonl: not UTF-8 text"), "\(folder.stderr)")
        let stdin = try CLIRunner.run(["scan", "-"], in: dir, stdin: Data(utf16))
        #expect(stdin.stderr.contains("<stdin>: not UTF-8 text: the input is UTF-16LE") && stdin.stderr.contains("pipe it through iconv -f UTF-16 -t UTF-8"),
                "\(stdin.stderr)")
    }

    @Test func readableButQuietIsZeroAndAnEmptyFileIsNotAnError() throws {
        #expect(try run(["empty.txt": []]).status == 0)
        #expect(try run(["ok.txt": Array("今晚一起吃饭吗\n".utf8)]).status == 0)
        let mixed = try run(["ok.txt": Array("今晚一起吃饭吗\n".utf8), "garbage.bin": [0, 1, 2, 3, 0xFF, 0xFE]])
        #expect(mixed.status == 0, "one readable input is enough: \(mixed.stderr)")
    }
}
