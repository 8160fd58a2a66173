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
        for key in ["HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "SCAMFLOW_STORE", "SCAMFLOW_CONFIG_DIR", "SCAMFLOW_CACHE_DIR"] {
            #expect(env[key]?.hasPrefix(temp) == true, "\(key) = \(env[key] ?? "unset")")
        }
        let r = try CLIRunner.run(["pack", "list", "--json"], in: CLIRunner.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.isEmpty && !r.stdout.contains(#""kind":"installed""#), "no installed pack of this machine is loaded: \(r.stdout)")
    }
}
