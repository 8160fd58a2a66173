import ArgumentParser
import Foundation
import ScamIO

extension ReportRenderer.Language: ExpressibleByArgument {}

/// `scan --report FILE.html` and `--report-lang`: the HTML report written beside the alerts,
/// from the same scan (`Report`, `ReportRenderer`).
struct ReportOptions: ParsableArguments {
    @Option(name: .customLong("report"), help: ArgumentHelp(
        "Also write an HTML report to this file: per subject, the timeline of messages, events and alerts, each flow attempt as its steps, the evidence marked in the text, counts and advice.",
        valueName: "file.html"))
    var path: String?

    @Option(name: .customLong("report-lang"), help: "Language of the report's own words (auto: the language most alerts are in).")
    var language: ReportRenderer.Language = .auto

    /// Checked when parsed, so a report that could never be written stops the scan before it
    /// starts rather than after. A file already there is replaced only when it is a report
    /// (begins `<!DOCTYPE html`): `--report` naming the export being scanned, or any other
    /// evidence file, by a slip of tab completion must not destroy it.
    func validate() throws {
        guard let path else { return }
        if let handle = FileHandle(forReadingAtPath: path) {
            let head = (try? handle.read(upToCount: 15)) ?? Data()
            try? handle.close()
            if !head.isEmpty, String(decoding: head, as: UTF8.self).lowercased() != "<!doctype html>" {
                throw ValidationError("--report \(path): the file exists and is not a report; refusing to replace it (give another path, or remove it first)")
            }
        }
        do throws(AtomicFile.Unwritable) {
            try AtomicFile.checkWritable(path)
        } catch .folder {
            throw ValidationError("--report \(path): is a folder; give the path of the HTML file to write")
        } catch .folderNotWritable(let folder) {
            throw ValidationError("--report \(path): cannot write in \(folder) (missing folder or no permission)")
        }
    }

    /// Renders `report` and writes it to `path` atomically (readers see the old file or the
    /// whole new one); says where on stderr unless `quiet`. A write that fails is an error
    /// (exit 2): the user asked for the file.
    func write(_ report: Report, redact: Bool, quiet: Bool, console: Console) throws {
        guard let path else { return }
        let page = ReportRenderer(language: language, redact: redact).render(report)
        do {
            try AtomicFile.write(to: path) { write in try write(Array(page.html.utf8)) }
        } catch {
            console.err("scamflow: cannot write the report to \(path): \(error)\n")
            throw ExitCode(2)
        }
        if page.unplaced > 0 {
            console.err("scamflow: report: \(page.unplaced) piece\(page.unplaced == 1 ? "" : "s") of evidence matched no record's text; "
                        + "listed with their alert, not marked in the text\n")
        }
        if !quiet {
            console.err("scamflow: report written to \(path) (\(page.subjects) subject\(page.subjects == 1 ? "" : "s") with alerts, "
                        + "\(page.html.utf8.count / 1024) KiB)\n")
        }
    }
}
