import Foundation
import Testing

/// Runs the built `scamflow` binary, as a user would, and captures what it prints.
struct CLIRunner {
    struct Result {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    /// The `scamflow` executable next to the test bundle (SwiftPM builds it because the test
    /// target depends on it).
    static let binary: URL = {
        var candidates: [URL] = []
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("scamflow"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("scamflow"))
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("scamflow"))
        }
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
        fatalError("scamflow binary not found next to the tests; looked in \(candidates.map(\.path))")
    }()

    /// The folder of golden files.
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A home of its own for the test run: an empty pack store, configuration and cache, and
    /// `HOME` and the XDG folders pointing inside it, so no test loads the packs installed on
    /// this machine or writes to the user's folders (a test that needs a store passes its own).
    static let home = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-test-home-\(getpid())")

    /// The environment every CLI test starts from: this process's, made hermetic. A test that
    /// starts the binary with its own `Process` sets `process.environment` to this too
    /// (`HermeticTests` checks every such place).
    static var hermeticEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, folder) in [("HOME", ""), ("XDG_DATA_HOME", "/data"), ("XDG_CONFIG_HOME", "/config"), ("XDG_CACHE_HOME", "/cache"),
                              ("SCAMFLOW_STORE", "/store"), ("SCAMFLOW_CONFIG_DIR", "/scamflow-config")] {
            env[key] = home.path + folder
        }
        return env
    }

    /// Runs `executable` (scamflow unless told) with `arguments` in `directory`, in the hermetic
    /// environment plus `environment`, and waits for it.
    static func run(_ arguments: [String], in directory: URL, stdin: Data? = nil, environment: [String: String] = [:],
                    executable: URL = binary) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = hermeticEnvironment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Files, not pipes: nothing can block, whatever the sizes.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("stdin"), outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        try (stdin ?? Data()).write(to: inURL)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        return Result(stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                      status: process.terminationStatus)
    }

    /// Compares `actual` with a golden file; with `SCAMFLOW_UPDATE_GOLDEN=1` rewrites it instead.
    static func assertGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SCAMFLOW_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? "<golden file \(name) is missing: run with SCAMFLOW_UPDATE_GOLDEN=1>"
        #expect(actual == expected, "output differs from Golden/\(name); if the change is intended, re-record with SCAMFLOW_UPDATE_GOLDEN=1 swift test", sourceLocation: sourceLocation)
    }
}
