/// Scans a stream of records in order and returns alerts as units complete.
///
/// A unit is one record, or the consecutive records that share a `conversation` (the segments
/// of one call), whose hits are scored together. Alerts come out in input order.
public final class MessageScan {
    public let scanner: Scanner
    public let assessor: Assessor

    /// Counters for the summary.
    public private(set) var records = 0
    public private(set) var units = 0
    public private(set) var textBytes = 0
    /// Rules that failed on a record (match limit, ...), in order.
    public private(set) var failures: [RuleFailure] = []

    private var pending: (conversation: String, unit: Assessor.Unit, hits: [Hit])?

    public init(ruleSet: RuleSet, minScore: Int? = nil) {
        scanner = Scanner(ruleSet: ruleSet)
        assessor = Assessor(ruleSet: ruleSet, minScore: minScore)
    }

    /// Adds a record; returns the alerts of any unit it completes (possibly its own).
    public func add(_ record: Record) -> [Alert] {
        records += 1
        textBytes += record.text?.utf8.count ?? 0
        var out: [Alert] = []
        if let current = pending, current.conversation != record.conversation {
            out += flush()
        }
        var hits: [Hit] = []
        let lang = scanner.scan(record, hits: &hits, failures: &failures)
        if let conversation = record.conversation {
            if pending == nil {
                let unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id,
                                         channel: record.channel, lang: lang)
                pending = (conversation, unit, [])
            }
            // A conversation is Chinese when any of its segments is.
            if lang == "zh" { pending!.unit.lang = "zh" }
            pending!.hits += hits
            return out
        }
        units += 1
        let unit = Assessor.Unit(subject: record.subject, source: record.source, recordID: record.id,
                                 channel: record.channel, lang: lang)
        return out + assessor.alerts(for: hits, in: unit)
    }

    /// Ends the input: returns the alerts of the conversation in progress, if any.
    public func finish() -> [Alert] { flush() }

    private func flush() -> [Alert] {
        guard let current = pending else { return [] }
        pending = nil
        units += 1
        return assessor.alerts(for: current.hits, in: current.unit)
    }
}
