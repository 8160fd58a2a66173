import Testing
@testable import ScamPacks

@Suite struct PackLoaderTests {
    func load(_ pack: String, _ rules: String) -> PackLoader.Result {
        PackLoader.load(files: [PackFile(path: "pack.yaml", contents: pack), PackFile(path: "rules/r.yaml", contents: rules)],
                        root: "p", origin: .builtin)
    }

    let pack = "name: p\nversion: 1.0.0\nthreshold: 60\nlanguages: [zh]\n"
    let rule = """
    - id: r.one
      title: T
      signal: request.sms_code
      match: '验证码'
      score: 30
      advice: {zh: 别说, en: Do not}
      examples: {match: ['验证码'], no_match: ['你好']}
    """

    @Test func aValidPackLoads() throws {
        let result = load(pack, rule)
        let spec = try #require(result.pack)
        #expect(result.diagnostics.isEmpty)
        #expect(spec.manifest.label == "p@1.0.0")
        #expect(spec.rules.first?.languages == ["zh"], "a rule without lang takes the pack's languages")
        #expect(spec.rules.first?.advice["en"] == "Do not")
        #expect(spec.rules.first?.match.location.line == 4)
    }

    @Test func everyProblemIsReportedInOnePass() {
        let result = load("name: Bad Name\nversion: x\nthreshold: 0\nextra: 1\n", "- id: A\n  scroe: 3\n")
        let codes = result.diagnostics.map(\.code.rawValue).sorted()
        #expect(result.pack == nil)
        #expect(codes.contains("SF103") && codes.contains("SF104") && codes.contains("SF101"))
        #expect(result.diagnostics.count >= 7, "\(result.diagnostics)")
    }

    @Test func missingPackYAML() {
        let result = PackLoader.load(files: [], root: "p", origin: .builtin)
        #expect(result.diagnostics.map(\.code) == [.unreadable])
    }

    @Test func nearestKeySuggestion() {
        #expect(NodeReader.nearest("scroe", in: PackLoader.ruleKeys) == "score")
        #expect(NodeReader.nearest("zzzzzz", in: PackLoader.ruleKeys) == nil)
    }

    @Test(arguments: [("1.2.3", true), ("1.2", true), ("1", true), ("1.2.3.4", false), ("a.b", false), ("", false), ("1..2", false)])
    func versions(text: String, valid: Bool) {
        #expect((SemanticVersion(text) != nil) == valid)
    }

    @Test func versionOrder() {
        #expect(SemanticVersion("0.9.0")! < SemanticVersion("0.10.0")!)
    }
}
