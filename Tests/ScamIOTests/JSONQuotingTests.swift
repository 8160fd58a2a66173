import Foundation
import Testing
@testable import ScamIO

/// `JSONWriter.appendQuoted` (bytes at a time) writes exactly what the first, scalar-by-scalar
/// version wrote, and what it writes parses back to the same string.
@Suite struct JSONQuotingTests {
    static func reference(_ s: String) -> String {
        var run = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": run += "\\\""
            case "\\": run += "\\\\"
            case "\n": run += "\\n"
            case "\r": run += "\\r"
            case "\t": run += "\\t"
            case "\u{2028}": run += "\\u2028"
            case "\u{2029}": run += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    run += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    run.unicodeScalars.append(scalar)
                }
            }
        }
        return run + "\""
    }

    @Test func sameAsTheScalarByScalarVersion() throws {
        let pieces = ["a", "免密", "\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", "\u{2028}", "\u{2029}", "\u{2027}", "😀", " ", "é", "\u{7F}"]
        var state: UInt64 = 1
        for _ in 0..<2000 {
            var s = ""
            for _ in 0..<Int(state % 9) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                s += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            var out = ""
            JSONWriter.appendQuoted(s, to: &out)
            #expect(out == Self.reference(s), "«\(s)»")
            let back = try JSONSerialization.jsonObject(with: Data(out.utf8), options: [.fragmentsAllowed]) as? String
            #expect(back == s)
        }
    }
}
