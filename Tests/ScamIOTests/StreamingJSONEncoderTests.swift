import Foundation
import ScamEngine
@testable import ScamIO
import Testing

/// The streaming encoder writes what `JSONDecoder` reads back as the same value, for the
/// shapes `Codable` synthesis produces, in chunks of any size.
@Suite struct StreamingJSONEncoderTests {
    enum Kind: String, Codable, Equatable { case rule, flow }

    enum Value: Codable, Equatable {
        case text(String)
        case number(Double)
        case pair(Int, label: String)
        case none
    }

    struct Inner: Codable, Equatable {
        var name: String
        var values: [Value]
        var span: Range<Int>
        var optional: Int?
    }

    struct Outer: Codable, Equatable {
        var version = 2
        var map: [String: UInt64]
        var inners: [Inner]
        var nested: [[Double]]
        var flag: Bool
        var empty: [String]
        var emptyMap: [String: Int]
        var missing: String?
        var present: String?
        var big: Int64
        var kind: Kind?
    }

    static let sample = Outer(
        map: ["a": 1, "b\"q": UInt64.max, "中文": 7],
        inners: [
            Inner(name: "line\nbreak \\ \u{1} \u{2028}", values: [.text("x"), .number(1.5), .number(-3), .pair(4, label: "l"), .none], span: 3..<9, optional: nil),
            Inner(name: "", values: [], span: 0..<0, optional: 42),
        ],
        nested: [[], [1e-7, 123456789.25, 1e300], [0]],
        flag: false, empty: [], emptyMap: [:], missing: nil, present: "p", big: Int64.min, kind: .flow)

    @Test(arguments: [1, 7, 64, 1 << 20])
    func roundTrips(chunk: Int) throws {
        var out: [UInt8] = []
        var chunks = 0
        try StreamingJSONEncoder(chunk: chunk) { out += $0; chunks += 1 }.encode(Self.sample)
        let decoded = try JSONDecoder().decode(Outer.self, from: Data(out))
        #expect(decoded == Self.sample, "\(String(decoding: out, as: UTF8.self))")
        if chunk < 64 { #expect(chunks > 1, "handed over a chunk at a time") }
    }

    @Test func topLevelLeavesAndCollections() throws {
        #expect(String(decoding: try StreamingJSONEncoder.encode("a\"b"), as: UTF8.self) == "\"a\\\"b\"")
        #expect(String(decoding: try StreamingJSONEncoder.encode([1, 2, 3]), as: UTF8.self) == "[1,2,3]")
        #expect(String(decoding: try StreamingJSONEncoder.encode([[Int]]()), as: UTF8.self) == "[]")
        #expect(String(decoding: try StreamingJSONEncoder.encode(Optional<Int>.none), as: UTF8.self) == "null")
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder.encode([Double.nan]) }
    }

    /// A flow engine snapshot, the document this encoder exists for, reads back whole.
    @Test func aFlowSnapshotReadsBack() throws {
        let engine = FlowEngine(flows: [], config: FlowConfig())
        let snapshot = engine.snapshot()
        let bytes = try StreamingJSONEncoder.encode(snapshot)
        let back = try JSONDecoder().decode(FlowSnapshot.self, from: Data(bytes))
        #expect(back.version == snapshot.version && back.subjects.isEmpty)
    }
}
