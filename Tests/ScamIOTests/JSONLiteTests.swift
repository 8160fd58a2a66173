import Foundation
import Testing
@testable import ScamIO

/// JSONLite accepts what JSONSerialization accepts for our records and rejects what is not JSON,
/// with the byte offset of the problem.
@Suite struct JSONLiteTests {
    @Test(arguments: [
        #"{"a":"b","n":12,"f":-1.5e3,"t":true,"x":null,"o":{"k":[1,2,{"z":"w"}]}}"#,
        #"{"text":"验证码\u9a8c\n\"quoted\" \\ \/ \ud83d\ude00"}"#,
        #"  {"empty":{},"list":[]}  "#,
        #"[1,2,3]"#,
        #""just a string""#,
        #"{"big":123456789012345678901234567890,"small":1e-300,"zero":0,"neg":-0.25}"#,
    ])
    func agreesWithFoundation(json: String) throws {
        let ours = try JSONLite.parse(Array(json.utf8))
        let theirs = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        #expect(Self.same(ours, theirs), "\(ours) vs \(theirs)")
    }

    @Test(arguments: [
        ("", 0), ("{", 1), (#"{"a":}"#, 5), (#"{"a":1,}"#, 7), ("[1 2]", 3), (#"{"a":"b"} x"#, 10),
        (#"{"a":01}"#, 7), (#"{"a":"\x"}"#, 8), ("tru", 0), (#"{"a":"b"#, 7), (#"{'a':1}"#, 1), ("\"a\u{1}b\"", 2),
    ])
    func rejects(json: String, offset: Int) {
        do {
            _ = try JSONLite.parse(Array(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.offset == offset, "\(json): \(error)")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONLite.ParseError.self) { try JSONLite.parse(Array(deep.utf8)) }
    }

    @Test func invalidUTF8InStringsIsRepaired() throws {
        let bytes: [UInt8] = Array(#"{"text":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(try JSONLite.parse(bytes).object?["text"]?.string == "\u{FFFD}")
    }

    static func same(_ a: JSONLite.Value, _ b: Any) -> Bool {
        switch a {
        case .string(let s): return (b as? String) == s
        case .number(let d):
            guard let n = b as? NSNumber else { return false }
            return abs(n.doubleValue - d) <= abs(d) * 1e-12
        case .bool(let v): return (b as? Bool) == v || (b as? NSNumber)?.boolValue == v
        case .null: return b is NSNull
        case .array(let items):
            guard let list = b as? [Any], list.count == items.count else { return false }
            return zip(items, list).allSatisfy { same($0, $1) }
        case .object(let fields):
            guard let dict = b as? [String: Any], dict.count == fields.count else { return false }
            return fields.allSatisfy { key, value in dict[key].map { same(value, $0) } ?? false }
        }
    }
}
