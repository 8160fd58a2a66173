import Foundation
import ScamPacks
import Testing

/// One fixture pack per diagnostic code under Golden/lint/<CODE>-<what>/, and the exact
/// `scamflow pack lint` output expected for it in Golden/lint/<CODE>-<what>.out.
@Suite struct LintGoldenTests {
    static let fixtures: [String] = {
        let dir = CLIRunner.golden.appendingPathComponent("lint")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasSuffix(".out") }.sorted()
    }()

    @Test func everyCodeHasAFixture() {
        let codes = Set(Self.fixtures.map { String($0.prefix(5)) })
        for code in DiagnosticCode.allCases.map(\.rawValue) {
            #expect(codes.contains(code), "no lint fixture for \(code)")
        }
    }

    @Test(arguments: fixtures)
    func lintOutput(fixture: String) throws {
        let result = try CLIRunner.run(["pack", "lint", fixture], in: CLIRunner.golden.appendingPathComponent("lint"))
        let code = String(fixture.prefix(5))
        #expect(result.stdout.contains("[\(code)]"), "lint output of \(fixture) does not carry \(code)")
        // Warnings alone exit 0; any error exits 2.
        #expect(result.status == (result.stdout.contains("error[") ? 2 : 0))
        try CLIRunner.assertGolden(result.stdout + "exit \(result.status)\n", "lint/\(fixture).out")
    }
}
