import ScamEngine
import ScamIO

/// What `scan` passes through its parallel scanner, in input order: a line still to parse, a
/// reader's output, or the end of a file (where the call in progress is scored and rule
/// failures are reported).
enum ScanItem: Sendable {
    case line(DeferredLine)
    case output(ReaderOutput)
    case fileEnd(bytes: Int)

    /// The outputs of an item with their scans: the work done on the scanning threads
    /// (parsing a deferred line included).
    typealias Result = [(output: ReaderOutput, scanned: ScannedRecord?)]

    /// - Parameter assessor: the assessor of the `MessageScan` the records go to: a record
    ///   that is a unit by itself is assessed here too (`MessageScan.preassess`).
    @Sendable static func process(_ scanner: Scanner, _ item: ScanItem, assessor: Assessor) -> Result {
        func scan(_ output: ReaderOutput) -> (output: ReaderOutput, scanned: ScannedRecord?) {
            guard case .record(let record) = output else { return (output, nil) }
            var scanned = scanner.scan(record)
            MessageScan.preassess(record, &scanned, with: assessor)
            return (output, scanned)
        }
        switch item {
        case .line(let line): return line.parse().map(scan)
        case .output(let output): return [scan(output)]
        case .fileEnd: return []
        }
    }

    /// Roughly how much work the item is (bytes of text), for batching.
    @Sendable static func weight(_ item: ScanItem) -> Int {
        switch item {
        case .line(let line): return line.bytes.count
        case .output(.record(let record)): return record.text?.utf8.count ?? 0
        default: return 0
        }
    }
}
