import Foundation
import Testing

/// `scamflow flows --graph`: the pictures name each step's signals, its conditions and the
/// severity it raises, in both formats.
@Suite struct FlowsGraphTests {
    @Test(arguments: ["mermaid", "dot"])
    func aStepShowsItsConditions(format: String) throws {
        let r = try CLIRunner.run(["flows", "--graph", format, "flow.face-pay-away"], in: CLIRunner.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("payment.face_pay.enabled") && r.stdout.contains("ALERT high"))
        #expect(r.stdout.contains("where city differs from context.last_city"), "the where clause of the first step: \(r.stdout)")
        #expect(r.stdout.contains("where city equals $pay_city"), "a condition on a capture")
        // Every node's label is one quoted string: quotes in labels are escaped.
        for line in r.stdout.split(separator: "\n") where line.contains("[") {
            let quotes = line.components(separatedBy: "\"").count - 1 - line.components(separatedBy: "\\\"").count + 1
            #expect(quotes % 2 == 0, "unbalanced quotes: \(line)")
        }
    }
}
