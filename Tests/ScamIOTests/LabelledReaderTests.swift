import Foundation
import ScamEngine
import Testing
@testable import ScamIO

/// `scamflow eval` reads a labelled file exactly as `scamflow scan` reads the same `.jsonl`: the
/// same records, field by field, and the same input issues at the same lines; the labels
/// (`truth`, `category`, `dataset`) come on top, and a line without a valid `truth` is left out.
@Suite struct LabelledReaderTests {
    /// The lines both readers are given: the cases where eval's former reader (Foundation's JSON)
    /// and scan disagreed, and the ones a reader gets wrong easily. Each has a valid `truth`,
    /// except where an issue is the point.
    static let lines: [[UInt8]] = {
        var out: [[UInt8]] = [
            #"{"id":"t/1","truth":"scam","category":"otp","dataset":"d","lang":"en","text":"tell me the otp","peer_known":1}"#,
            #"{"id":"t/2","truth":"benign","text":"hello","peer_known":"yes","peer":95555}"#,
            #"{"id":12345678901234567890,"truth":"scam","text":"twenty digits"}"#,
            #"{"id":42,"truth":"spam","text":"a number","subject":7,"conversation":1.5}"#,
            #"{"id":"t/5","truth":"scam","event":"app.installed","attrs":{"package":"com.x","n":2,"ok":true,"no":null,"deep":{"a":{"b":1}},"list":[1]}}"#,
            #"{"id":"t/6","truth":"benign","text":"a","time":"2025-03-06T10:15:00+08:00","channel":"sms","direction":"in","speaker":"A"}"#,
            #"{"id":"t/7","truth":"scam","body":"from body","time":1741227300000,"peer_known":true}"#,
            #"{"id":"t/8","truth":"scam","text":"an ECS-looking line","device":{"id":"phone-1"},"@timestamp":"2025-03-06T10:15:00Z"}"#,
        ].map { Array($0.utf8) }
        let invalidUTF8: [UInt8] = [0xFF, 0xC3]
        out.append(Array(#"{"id":"t/9","truth":"scam","text":"bad "#.utf8) + invalidUTF8 + Array(#" bytes"}"#.utf8))
        let long = String(repeating: "a", count: 400)
        out += [
            #"{"id":"t/10","truth":"benign","text":"\#(long)"}"#,
            "   ",
            #"{"id":"t/12","truth":"maybe","text":"unlabelled"}"#,
            #"{"id":"t/13","truth":"scam","text":"cut"#,
            #"{"id":"t/14","truth":"benign","subject":"no text"}"#,
            #"{"id":"t/15","truth":"scam","text":"last line, no line break"}"#,
        ].map { Array($0.utf8) }
        return out
    }()

    /// Longer than every line but t/10.
    static let maxLineBytes = 300

    /// How the file is laid out. A byte order mark at the start is dropped by the line reader
    /// both share; eval must read exactly what scan reads, no more, no less.
    enum Layout: String, CaseIterable, CustomTestStringConvertible {
        case lf, crlf, bom
        var testDescription: String { rawValue }
    }

    /// `lines` as a file: LF or CRLF line ends, with or without a UTF-8 byte order mark.
    static func file(_ layout: Layout) throws -> String {
        let end: [UInt8] = layout == .crlf ? [0x0D, 0x0A] : [0x0A]
        var bytes: [UInt8] = layout == .bom ? [0xEF, 0xBB, 0xBF] : []
        for (i, line) in lines.enumerated() { bytes += line + (i == lines.count - 1 ? [] : end) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-labelled-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// What `scamflow scan` reads from `path`: its options and its reading (lines deferred, then
    /// parsed on the scanning threads), as `ScanCommand` does it.
    static func scan(_ path: String) -> (records: [Record], issues: [InputIssue]) {
        var options = ReaderOptions()
        options.maxLineBytes = maxLineBytes
        var reader = RecordReader(path: path, options: options)
        var records: [Record] = []
        var issues: [InputIssue] = []
        func take(_ output: ReaderOutput) {
            switch output {
            case .record(let record): records.append(record)
            case .issue(let issue): issues.append(issue)
            }
        }
        reader.read(deferringLines: { line in
            line.parse().forEach(take)
            return true
        }, { output in
            take(output)
            return true
        })
        return (records, issues)
    }

    /// The fields compared, by name; `Record`'s stored properties, all of them (checked below).
    static let fieldNames = ["time", "utcOffset", "channel", "subject", "peer", "peerKnown", "direction", "speaker", "text", "event", "attrs",
                             "lang", "id", "conversation", "source"]

    /// The fields where two records differ, each as `name: a ≠ b`; empty when they are the same.
    static func differences(_ a: Record, _ b: Record) -> [String] {
        func field<T: Equatable>(_ name: String, _ key: KeyPath<Record, T>) -> String? {
            a[keyPath: key] == b[keyPath: key] ? nil : "\(name): \(a[keyPath: key]) ≠ \(b[keyPath: key])"
        }
        return [
            field("time", \.time), field("utcOffset", \.utcOffset), field("channel", \.channel), field("subject", \.subject), field("peer", \.peer),
            field("peerKnown", \.peerKnown), field("direction", \.direction), field("speaker", \.speaker), field("text", \.text),
            field("event", \.event), field("attrs", \.attrs), field("lang", \.lang), field("id", \.id),
            field("conversation", \.conversation), field("source", \.source),
        ].compactMap { $0 }
    }

    @Test func everyRecordFieldIsCompared() {
        let stored = Mirror(reflecting: Record(text: nil, source: SourcePosition(file: "f", line: 1))).children.compactMap(\.label)
        #expect(Set(stored) == Set(Self.fieldNames), "a field added to Record must be compared in `differences`")
        let a = Record(text: "x", source: SourcePosition(file: "f", line: 1), peerKnown: true, attrs: ["k": .number(1)], id: "1")
        var b = a
        b.peerKnown = nil
        b.attrs = ["k": .bool(true)]
        #expect(Self.differences(a, b).map { $0.prefix { $0 != ":" } } == ["peerKnown", "attrs"])
    }

    @Test(arguments: Layout.allCases)
    func evalReadsWhatScanReads(layout: Layout) throws {
        let path = try Self.file(layout)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let eval = LabelledReader.read(path: path, maxLineBytes: Self.maxLineBytes)
        let scan = Self.scan(path)

        // Every scan record with a valid truth, in order; the rest are reported issues.
        let unlabelled: Set<Int> = [12]
        let expected = scan.records.filter { !unlabelled.contains($0.source.line) }
        #expect(eval.records.map(\.record.source.line) == expected.map(\.source.line))
        let scanned = Dictionary(expected.map { ($0.source.line, $0) }) { a, _ in a }
        for e in eval.records {
            guard let s = scanned[e.record.source.line] else { continue }
            let differing = Self.differences(e.record, s)
            #expect(differing.isEmpty, "line \(s.source.line): \(differing.joined(separator: "; "))")
        }
        // The same issues at the same lines, and the unlabelled line's own.
        func described(_ issues: [InputIssue]) -> [String] { issues.map { "\($0.source.line): \($0.kind.rawValue)" } }
        let truthIssue = InputIssue(.badField, at: SourcePosition(file: path, line: 12), "`truth` is maybe")
        #expect(described(eval.issues)
                == described(scan.issues.filter { $0.source.line < 12 } + [truthIssue] + scan.issues.filter { $0.source.line > 12 }))
        #expect(eval.lines.count == eval.records.count)
        #expect(!eval.unreadable)

        // What both must read, whatever the layout (the BOM line aside: neither reads it as JSON).
        let byID = Dictionary(eval.records.compactMap { r in r.record.id.map { ($0, r) } }) { a, _ in a }
        #expect(byID["42"]?.label == EvalLabel(truth: .spam), "an id given as a number")
        #expect(byID["t/2"]?.record.peerKnown == nil, "\"yes\" is not a boolean")
        #expect(byID["t/5"]?.record.attrs == ["package": .string("com.x"), "n": .number(2), "ok": .bool(true)],
                "nested values and nulls are dropped from attrs")
        #expect(byID["t/9"]?.record.text == "bad \u{FFFD}\u{FFFD} bytes", "invalid UTF-8 repaired, the record kept")
        #expect(byID["t/10"] == nil, "the line over the limit is skipped")
        #expect(byID["t/15"]?.label.truth == .scam)
        #expect(eval.lines.allSatisfy { !$0.hasSuffix("\r") }, "the original line is kept without its line break")
        if layout != .bom {
            #expect(byID["t/1"]?.label == EvalLabel(truth: .scam, category: "otp", dataset: "d"))
            #expect(byID["t/1"]?.record.peerKnown == nil, "1 is not a boolean (Foundation's JSON said true)")
            #expect(eval.records.count == 10)
            #expect(eval.lines.first == String(decoding: Self.lines[0], as: UTF8.self))
        }
    }

    @Test func labelsAndUnusableLabels() throws {
        let source = SourcePosition(file: "f", line: 1)
        func label(_ line: String) -> Result<EvalLabel, InputIssue> { LabelledReader.label(Array(line.utf8), source: source) }
        func message(_ line: String) -> String? {
            if case .failure(let issue) = label(line) { return "\(issue.kind.rawValue): \(issue.message)" }
            return nil
        }
        #expect(try label(#"{"truth":"benign","category":"","dataset":"x"}"#).get() == EvalLabel(truth: .benign, dataset: "x"))
        #expect(try label(#"{"truth":"spam","category":5,"dataset":null}"#).get() == EvalLabel(truth: .spam))
        #expect(message(#"{"text":"t"}"#) == "bad field value: `truth` is missing")
        #expect(message(#"{"truth":"Scam"}"#) == "bad field value: `truth` is Scam")
        #expect(message(#"{"truth":1}"#) == "bad field value: `truth` is 1")
        #expect(message(#"{"truth":null}"#) == "bad field value: `truth` is null")
        #expect(message(#"["scam"]"#) == "malformed JSON: not one JSON object")
    }
}
