import Foundation

/// A one-line progress report on stderr for long scans: records, MB scanned, MB/s, alerts.
///
/// Shown only when stderr is a terminal, from the first redraw after `delay` seconds (short
/// scans never show it), redrawn at most every `interval` seconds, and erased by `finish()`
/// so the summary prints on a clean line. Not thread-safe: update it from one thread.
final class ProgressBar {
    private let enabled: Bool
    private let started = Date()
    private let delay: TimeInterval
    private let interval: TimeInterval
    private var lastDraw: TimeInterval = 0
    private var shown = false
    private var checks = 0

    /// - Parameter terminal: whether stderr is a terminal (nothing is ever drawn otherwise).
    init(terminal: Bool, delay: TimeInterval = 1, interval: TimeInterval = 0.2) {
        enabled = terminal
        self.delay = delay
        self.interval = interval
    }

    /// Redraws when due; cheap enough to call for every record.
    func update(records: @autoclosure () -> Int, bytes: @autoclosure () -> Int, alerts: @autoclosure () -> Int) {
        guard enabled else { return }
        // Reading the clock for every record would cost more than the rest: every 64th.
        checks &+= 1
        guard checks & 63 == 0 else { return }
        let elapsed = Date().timeIntervalSince(started)
        guard elapsed >= delay, elapsed - lastDraw >= interval else { return }
        lastDraw = elapsed
        shown = true
        let (records, alerts) = (records(), alerts())
        let mb = Double(bytes()) / 1_000_000
        let line = String(format: "\r\u{1B}[2Kscanning: %@ records, %.1f MB, %.1f MB/s, %@ alert%@",
                          ProgressBar.grouped(records), mb, mb / max(elapsed, 0.001), ProgressBar.grouped(alerts), alerts == 1 ? "" : "s")
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Shows `text` as the progress line now (for steps that come seldom: training's epochs).
    func draw(_ text: String) {
        guard enabled else { return }
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    /// Erases the line, if one was drawn.
    func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        shown = false
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
