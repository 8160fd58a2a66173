import Foundation
import ScamEngine
import Testing
@testable import ScamIO

/// The stream's fast path (`DirectRecordParser`) returns a record only when the general path
/// (JSONLite into a dictionary, then `RecordFields`) gives the very same record, and leaves
/// everything else to it.
@Suite struct DirectRecordParserTests {
    static func general(_ line: String) -> ReaderOutput {
        let source = SourcePosition(file: "t", line: 1)
        guard let value = try? JSONLite.parse(Array(line.utf8)), case .object(let fields) = value else {
            return .issue(InputIssue(.malformedJSON, at: source, "not an object"))
        }
        return RecordFields.record(from: fields, source: source)
    }

    static func direct(_ line: String) -> Record? {
        Array(line.utf8).withUnsafeBufferPointer { DirectRecordParser.parse($0, source: SourcePosition(file: "t", line: 1)) }
    }

    static func fields(_ r: Record) -> String {
        let attrs = r.attrs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return [r.text, r.time.map(String.init), r.channel, r.subject, r.peer, r.peerKnown.map { "\($0)" }, r.direction,
                r.speaker, r.event, r.lang, r.id, r.conversation].map { $0 ?? "-" }.joined(separator: "|") + "|" + attrs
    }

    /// Every line of the Corpus event streams and the labelled messages, plus the edge cases.
    static func lines() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var out: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Corpus/events").path).sorted()
        where name.hasSuffix(".jsonl") {
            out += try String(contentsOf: root.appendingPathComponent("Corpus/events/\(name)"), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        out += try String(contentsOf: root.appendingPathComponent("Corpus/messages.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        out += [
            #"{"time":1741219824531,"subject":"d","channel":"event","event":"payment.succeeded","attrs":{"amount":36,"method":"face","ok":true,"n":null}}"#,
            #"{"text":null,"body":"正文","message":"不用"}"#,
            #"{"text":12.5,"subject":42,"peer_known":"yes"}"#,
            #"{"text":"a","time":null,"timestamp":1741219824}"#,
            #"{"text":"a","time":"yesterday"}"#,
            #"{"text":"a","attrs":[1,2]}"#,
            #"{"text":"a","attrs":{"x":1},"attrs":{"y":"2"}}"#,
            #"{"text":"first","text":"second","peer_known":true,"peer_known":1}"#,
            #"{"event":{"action":"app.installed"},"device":{"id":"d"}}"#,
            #"{"specversion":"1.0","type":"call.incoming","subject":"d","time":"2025-06-01T20:00:00+08:00","data":{}}"#,
            #"{"@timestamp":"2025-06-01T20:02:00+08:00","message":"x"}"#,
            #"{"te\u0078t":"escaped key"}"#,
            #"{"":"empty key","text":"t"}"#,
            #"{"subject":"u"}"#,
            #"{}"#,
            #"{"text":"a",}"#,
            #"{"text":"a"} trailing"#,
            #"  {"text" : "spaced" , "lang" : "zh" }  "#,
            #"{"text":"a","extra":{"deep":[{"k":"v"}]},"n":-1.5e3}"#,
            // `attrs` is parsed straight into attribute values on the fast path.
            #"{"event":"x","attrs":{}}"#,
            #"{"event":"x","attrs":{ "a" : 1 , "b":"t\u00e9","c":false,"d":null,"e":[1],"f":{"g":2}}}"#,
            #"{"event":"x","attrs":{"a":1,"a":{"nested":true}}}"#,
            #"{"event":"x","attrs":{"a":{"nested":true},"a":"last"}}"#,
            #"{"event":"x","attrs":{"a":1,}}"#,
            #"{"event":"x","attrs":{"a" 1}}"#,
            #"{"event":"x","attrs":{"a":tru}}"#,
            #"{"event":"x","attrs":{"a":1}"#,
        ]
        return out
    }

    @Test func agreesWithTheGeneralPath() throws {
        var direct = 0
        for line in try Self.lines() {
            let general = Self.general(line)
            guard let fast = Self.direct(line) else { continue }
            direct += 1
            guard case .record(let expected) = general else {
                Issue.record("the fast path made a record the general path refuses: \(line)")
                continue
            }
            #expect(Self.fields(fast) == Self.fields(expected), "\(line)")
        }
        #expect(direct > 300, "the fast path takes the ordinary lines (\(direct))")
    }

    @Test func envelopesAndErrorsAreLeftToTheGeneralPath() {
        for line in [#"{"event":{"action":"x"}}"#, #"{"specversion":"1.0","type":"t"}"#, #"{"@timestamp":"2025-01-01T00:00:00Z","message":"m"}"#,
                     #"{"device":{"id":"d"},"text":"t"}"#, #"{"text":"a","time":"yesterday"}"#, #"{"subject":"u"}"#, #"{"text":"a",}"#,
                     #"{"te\u0078t":"t"}"#, "[1]", "not json"] {
            #expect(Self.direct(line) == nil, "\(line)")
        }
    }
}
