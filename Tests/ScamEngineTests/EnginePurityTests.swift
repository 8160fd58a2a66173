import Foundation
import Testing

/// The engine is pure (ARCHITECTURE.md): what it needs comes in as values, so a scan's result
/// depends on its inputs and packs alone, and the engine can run anywhere (a test, a fuzzer, a
/// service) without touching the machine. Checked on its sources, as written.
@Suite struct EnginePurityTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Code lines (comments dropped) of every Swift file of a target.
    static func codeLines(of target: String) throws -> [(file: String, line: Int, text: String)] {
        let folder = sources.appendingPathComponent(target)
        let files = (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".swift") }
        var out: [(String, Int, String)] = []
        for file in files.sorted() {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for (i, line) in text.components(separatedBy: "\n").enumerated() {
                let code = line.components(separatedBy: "//").first ?? ""
                if !code.trimmingCharacters(in: .whitespaces).isEmpty { out.append((file, i + 1, code)) }
            }
        }
        return out
    }

    @Test(arguments: ["ScamEngine", "ScamLiterals"])
    func noFileIOClockOrEnvironment(target: String) throws {
        let lines = try Self.codeLines(of: target)
        #expect(lines.count > 100, "\(target) sources found")
        let forbidden = ["FileManager", "Date()", "Date.now", "ProcessInfo", "getenv", "fopen(", "FileHandle", "contentsOfFile",
                         "contentsOf: URL", "gettimeofday", "clock_gettime", "time(nil)"]
        let found = lines.filter { line in forbidden.contains { line.text.contains($0) } }.map { "\($0.file):\($0.line): \($0.text)" }
        #expect(found.isEmpty, "\(target) must not touch files, the clock or the environment:\n\(found.joined(separator: "\n"))")
    }
}
