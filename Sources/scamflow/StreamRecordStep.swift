import Foundation
import ScamEngine
import ScamIO

/// One input line of a stream, from bytes to the alerts to write: parse, keep it if its
/// subject is this partition's, run it through the processor, fold its alerts (one scam, one
/// alert). Shared by `scamflow stream` on stdin (`StreamSession`) and on NATS
/// (`NATSConsumer`), so both raise the same alerts for the same lines.
struct StreamRecordStep {
    let processor: StreamProcessor
    let partition: StreamPartition?
    let flowsOnly: Bool

    enum Outcome {
        /// Not a record: the message says why (file, line, reason).
        case bad(String)
        /// A record of a subject another partition owns; `warning` as below.
        case otherPartition(warning: String?)
        /// Processed; `warning` says what was repaired (invalid UTF-8).
        case processed(alerts: [Alert], late: Int, warning: String?, subject: String?)
    }

    func run<C: Collection<UInt8> & ContiguousBytes>(_ bytes: C, source: SourcePosition) -> Outcome where C.Index == Int {
        let invalidAt = TextDecoding.firstInvalidUTF8(bytes)
        switch StreamRecordParser.parse(bytes, source: source) {
        case .issue(let issue):
            // One message a line: the UTF-8 damage is part of why it could not be read.
            return .bad("\(issue)" + (invalidAt.map { " (the line also has invalid UTF-8 at byte \($0))" } ?? ""))
        case .record(let record):
            let warning = invalidAt.map { "\(source): invalid UTF-8 at byte \($0); repaired and processed" }
            if let partition, !partition.owns(record.subject) { return .otherPartition(warning: warning) }
            // The wall clock only matters for undated records (the fallback time).
            let now = record.time == nil ? Int64(Date().timeIntervalSince1970 * 1000) : 0
            let result = processor.process(record, fallbackTime: now)
            // One scam, one alert: what this record raised, folded by record (after the
            // filter: with --flows-only a flow alert must not fold into a message alert).
            let out = AlertMerger.merged(flowsOnly ? result.alerts.filter { $0.kind == .flow } : result.alerts)
            return .processed(alerts: out, late: result.late, warning: warning, subject: record.subject)
        }
    }

    /// Two subjects checked per record, 2,000 every 1,000 records, alert or not: the cost per
    /// record stays constant however many subjects are tracked (a tenth of them per 1,000
    /// records was 72 checks a record at 725,000 subjects with context). Memory stays bounded:
    /// a record brings at most one new subject, and a pass over N subjects takes N/2 records,
    /// so at most twice the subjects that arrive within the idle TTL are tracked.
    func sweep() {
        if processor.records % 1_000 == 0 {
            processor.engine.expireSome(at: processor.engine.now, budget: 2_000)
        }
    }
}
