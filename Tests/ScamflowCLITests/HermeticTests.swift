import Foundation
import Testing

/// The tests never read or write the user's folders: the packs installed on this machine would
/// change what the tests see, and a test must not leave files in someone's home.
@Suite struct HermeticTests {
    /// Every place in the tests that starts the `scamflow` binary with its own `Process` gives
    /// it an environment (a `Process` without one inherits the user's HOME and XDG folders).
    @Test func everyProcessThatRunsScamflowIsGivenAnEnvironment() throws {
        let tests = CLIRunner.packageRoot.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(atPath: tests.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 20)
        var unset: [String] = []
        for file in files {
            let lines = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
            for (i, line) in lines.enumerated() where line.contains(".executableURL = ") && line.contains("binary") {
                if !lines[i...].prefix(12).contains(where: { $0.contains(".environment = ") }) { unset.append("\(file):\(i + 1)") }
            }
        }
        #expect(unset.isEmpty, "these start scamflow with the user's environment: \(unset)")
    }

    @Test func theCLISeesAnEmptyStoreInATemporaryHome() throws {
        let env = CLIRunner.hermeticEnvironment
        let temp = FileManager.default.temporaryDirectory.path
        for key in ["HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "SCAMFLOW_STORE", "SCAMFLOW_CONFIG_DIR"] {
            #expect(env[key]?.hasPrefix(temp) == true, "\(key) = \(env[key] ?? "unset")")
        }
        let r = try CLIRunner.run(["pack", "list", "--json"], in: CLIRunner.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.isEmpty && !r.stdout.contains(#""kind":"installed""#), "no installed pack of this machine is loaded: \(r.stdout)")
    }

    /// A scan and a stream write nothing but their output: no cache, no state unless asked
    /// (issue 16: the literal cache, which anyone who could write it could use to make a rule
    /// skip text, is gone; the literals come with the packs).
    @Test func aScanAndAStreamLeaveTheirHomeEmpty() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-empty-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        var env: [String: String] = [:]
        for (key, folder) in [("HOME", ""), ("XDG_DATA_HOME", "/data"), ("XDG_CONFIG_HOME", "/config"), ("XDG_CACHE_HOME", "/cache"),
                              ("SCAMFLOW_STORE", "/store"), ("SCAMFLOW_CONFIG_DIR", "/scamflow-config")] {
            env[key] = home.path + folder
        }
        let input = Data("我是银行客服，请把验证码念给我\n".utf8)
        let scan = try CLIRunner.run(["scan", "-q", "-"], in: home, stdin: input, environment: env)
        #expect(scan.status == 1, "\(scan.stderr)")
        let stream = try CLIRunner.run(["stream"], in: home, stdin: Data(#"{"text":"我是银行客服，请把验证码念给我"}"#.utf8 + [0x0A]), environment: env)
        #expect(stream.status == 0 || stream.status == 1, "\(stream.stderr)")
        #expect(FileManager.default.subpaths(atPath: home.path)?.isEmpty == true, "written: \(FileManager.default.subpaths(atPath: home.path) ?? [])")
    }
}
