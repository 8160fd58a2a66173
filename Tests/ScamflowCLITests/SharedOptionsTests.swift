import Foundation
import Testing

/// The options declared once (`PackOptions`, `AlertOutputOptions`, `InputOptions`,
/// `LineLimitOption`) read and behave the same in every command that takes them.
@Suite struct SharedOptionsTests {
    static let packCommands = [["scan"], ["stream"], ["eval"], ["learn"], ["flows"], ["pack", "list"], ["pack", "export"],
                               ["bench", "load"]]

    func help(_ command: [String]) throws -> String {
        let r = try CLIRunner.run(command + ["--help"], in: CLIRunner.packageRoot)
        #expect(r.status == 0, "\(command): \(r.stderr)")
        return r.stdout
    }

    /// The help lines of `--packs` (with its wrapped continuation lines), as printed.
    func packsHelp(_ text: String) -> String {
        var lines: [Substring] = [], inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("--packs") { inside = true; lines.append(line); continue }
            if inside, line.hasPrefix("                  ") { lines.append(line); continue }
            inside = false
        }
        return lines.joined(separator: "\n")
    }

    @Test func packsReadsTheSameEverywhere() throws {
        var texts: [String: [String]] = [:]
        for command in Self.packCommands {
            let h = try help(command)
            #expect(h.contains("--no-builtin"), "\(command) takes --no-builtin")
            let text = packsHelp(h)
            #expect(!text.isEmpty, "\(command) takes --packs")
            texts[text, default: []].append(command.joined(separator: " "))
        }
        #expect(texts.count == 1, "one help text for --packs, found: \(texts)")
    }

    @Test func scanAndStreamShareTheOutputOptions() throws {
        for command in [["scan"], ["stream"]] {
            let h = try help(command)
            for flag in ["--format <format>", "--color <color>", "--redact", "--verbose", "--max-line-bytes"] {
                #expect(h.contains(flag), "\(command) lacks \(flag)")
            }
        }
    }

    @Test(arguments: [
        ["scan", "--format", "xml", "-"], ["stream", "--format", "xml"], ["scan", "--channel", "fax", "-"],
        ["scan", "--input-format", "docx", "-"], ["scan", "--color", "sometimes", "-"], ["scan", "--max-line-bytes", "0", "-"],
        ["stream", "--max-line-bytes", "0"], ["eval", "--max-line-bytes", "0", "x.jsonl"], ["scan", "--tz", "Mars/Base", "-"],
    ])
    func badValuesAreUsageErrors(arguments: [String]) throws {
        let r = try CLIRunner.run(arguments, in: CLIRunner.packageRoot, stdin: Data())
        #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("Error") || r.stderr.contains("error"), "\(r.stderr)")
    }

    /// `--no-builtin` now means the same on `flows` as everywhere: no flow without a --packs folder.
    @Test func flowsHonoursNoBuiltin() throws {
        let all = try CLIRunner.run(["flows"], in: CLIRunner.packageRoot)
        #expect(all.status == 0 && !all.stdout.isEmpty)
        let none = try CLIRunner.run(["flows", "--no-builtin"], in: CLIRunner.packageRoot)
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none.stdout) \(none.stderr)")
    }

    /// A text stream honours --color like scan (NO_COLOR is set in the tests' environment;
    /// `always` overrides it).
    @Test func streamTextColour() throws {
        let input = Data("{\"text\":\"我是网银工作人员，请把验证码发给我\"}\n".utf8)
        let plain = try CLIRunner.run(["stream", "-q", "--format", "text"], in: CLIRunner.packageRoot, stdin: input)
        let coloured = try CLIRunner.run(["stream", "-q", "--format", "text", "--color", "always"], in: CLIRunner.packageRoot, stdin: input)
        #expect(!plain.stdout.isEmpty && !plain.stdout.contains("\u{1B}["))
        #expect(coloured.stdout.contains("\u{1B}["))
    }
}
