import Foundation

/// Headless Chromium (Debian's `chromium`, which `.ci/run` installs) opening a local page:
/// the DOM after load, what the page wrote to the console, and a screenshot.
///
/// Console messages are read from Chromium's own log (`--enable-logging=stderr`), where each
/// one is a line with `:CONSOLE` (errors, uncaught exceptions, and the Content-Security-Policy
/// refusing a script or a fetch alike). `ReportBrowserTests` checks on a page with a deliberate
/// error that they are seen, so a Chromium that logged otherwise would fail, not pass.
enum Chromium {
    /// The browser, when installed.
    static let binary: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":").map(String.init) + ["/usr/lib/chromium"] {
            for name in ["chromium", "chromium-browser"] {
                let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }()

    static let unavailable = "chromium is not installed (apt-get install chromium; .ci/run installs it): the report is not opened in a browser"

    struct Page {
        /// The DOM after load, serialized (`--dump-dom`).
        var dom: String
        /// The console messages, one a line as Chromium logged them.
        var console: [String]
        var status: Int32
    }

    enum Failure: Error, CustomStringConvertible {
        case unavailable
        case timeout(seconds: Double)

        var description: String {
            switch self {
            case .unavailable: return Chromium.unavailable
            case .timeout(let seconds): return "chromium did not finish within \(Int(seconds)) s"
            }
        }
    }

    /// Opens `page` at a phone's width; with `screenshot`, writes a PNG of the first `height`
    /// pixels there too. Ends Chromium after `timeout` seconds if it has not finished.
    static func open(_ page: URL, screenshot: URL? = nil, width: Int = 390, height: Int = 2000, timeout: Double = 120) throws -> Page {
        guard let binary else { throw Failure.unavailable }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = binary
        process.environment = CLIRunner.hermeticEnvironment
        process.arguments = [
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
            "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--enable-logging=stderr", "--v=0",
            "--window-size=\(width),\(height)",
        ] + (screenshot.map { ["--screenshot=\($0.path)"] } ?? []) + ["--dump-dom", page.absoluteString]
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Failure.timeout(seconds: timeout)
        }
        let log = String(decoding: try Data(contentsOf: err), as: UTF8.self)
        return Page(dom: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                    console: log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init),
                    status: process.terminationStatus)
    }

    /// The width and height of a PNG, from its header; nil when the data is not a PNG.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
              String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR" else { return nil }
        func int(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }
}
