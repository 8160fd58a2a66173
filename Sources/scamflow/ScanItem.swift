import ScamEngine
import ScamIO

/// What `scan` passes through its parallel scanner, in input order: a reader's output, or the
/// end of a file (where the call in progress is scored and rule failures are reported).
enum ScanItem: Sendable {
    case output(ReaderOutput)
    case fileEnd(bytes: Int)

    /// The record to scan, if the item is one.
    @Sendable static func record(_ item: ScanItem) -> Record? {
        if case .output(.record(let record)) = item { return record }
        return nil
    }
}
