import ScamEngine

/// What an HTML report shows, gathered while a scan runs: the records read (with their
/// language), the alerts as the scan wrote them, each flow attempt at the furthest step it
/// reached, and the flows in force. `ReportRenderer` turns it into one HTML page.
///
/// Pure data: the CLI fills it from the same pipeline that writes the alerts (`scan --report`),
/// so the report never disagrees with the alerts. It holds every record's text until the page
/// is written: a report is for one phone's or one case's data, not for a bulk scan.
public struct Report: Sendable {
    /// A record as read, with the language the scanner gave it (given, or detected).
    public struct Entry: Sendable {
        public var record: Record
        public var lang: String

        public init(record: Record, lang: String) {
            self.record = record
            self.lang = lang
        }
    }

    /// Records in input order.
    public var records: [Entry] = []
    /// The alerts, as written (one scam, one alert: folded by `AlertMerger`).
    public var alerts: [Alert] = []
    /// Flow alerts before folding: each attempt once, at the furthest step it reached (what
    /// `MessageScan.flowAlerts` returns). A flow alert folded into a message alert keeps its
    /// steps here.
    public var attempts: [Alert] = []
    /// The flows in force, for the steps an attempt did not reach.
    public var flows: [ReportFlow] = []
    /// `name@version` of the packs in force.
    public var packs: [String] = []
    /// Installed packs set aside because they are broken (`QuarantinedPack.summary`): the
    /// reader learns that the report was made without them.
    public var packsSetAside: [String] = []
    /// Input that could not be read (malformed lines, unreadable files): how much, so the
    /// reader knows the timeline may lack it.
    public var inputProblems = 0
    /// Records more than this many positions away (in a subject's timeline) from any record
    /// with evidence or an alert are folded into one line saying how many there were.
    public var context = 5

    public init() {}

    public mutating func add(_ record: Record, lang: String) {
        records.append(Entry(record: record, lang: lang))
    }
}

/// A flow as a report draws it: its steps, each with the signals it accepts.
public struct ReportFlow: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var name: String
        /// Sorted, so the page is the same from run to run.
        public var signals: [String]

        public init(name: String, signals: [String]) {
            self.name = name
            self.signals = signals.sorted()
        }
    }

    public var id: String
    public var steps: [Step]

    public init(id: String, steps: [Step]) {
        self.id = id
        self.steps = steps
    }

    public init(_ flow: CompiledFlow) {
        self.init(id: flow.id, steps: flow.steps.map { Step(name: $0.name, signals: Array($0.signals)) })
    }
}
