import Foundation
import Testing

/// `scamflow normalize --phonetic`: the view rule authors read, checked line by line against
/// Golden/normalize/phonetic.out.
@Suite struct NormalizeCLITests {
    @Test func phoneticViewOfStdinLines() throws {
        let input = try Data(contentsOf: CLIRunner.golden.appendingPathComponent("normalize/phonetic.txt"))
        let result = try CLIRunner.run(["normalize", "--phonetic"], in: CLIRunner.golden, stdin: input)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        try CLIRunner.assertGolden(result.stdout, "normalize/phonetic.out")
    }

    @Test func phoneticViewOfArguments() throws {
        let result = try CLIRunner.run(["normalize", "--phonetic", "屏目", "共享"], in: CLIRunner.golden)
        #expect(result.status == 0)
        #expect(result.stdout == "ping mu gong xiang\n")
    }
}
