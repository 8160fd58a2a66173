import Testing
@testable import ScamPacks

/// Lexicons: `{{name}}` references found, expanded at load into `(?:…)`, and every way they
/// can go wrong reported with its code and the reference's own line and column.
@Suite struct LexiconTests {
    let pack = "name: p\nversion: 1.0.0\nthreshold: 60\nlanguages: [zh]\n"

    func load(rules: String, lexicons: String?) -> PackLoader.Result {
        var files = [PackFile(path: "pack.yaml", contents: pack), PackFile(path: "rules/r.yaml", contents: rules)]
        if let lexicons { files.append(PackFile(path: "lexicons/l.yaml", contents: lexicons)) }
        return PackLoader.load(files: files, root: "p", origin: .builtin)
    }

    func rule(match: String, unless: String? = nil) -> String {
        """
        - id: r.one
          title: T
          signal: request.sms_code
          match: '\(match)'
        \(unless.map { "  unless: '\($0)'\n" } ?? "")  score: 30
          examples: {match: ['验证码'], no_match: ['你好']}
        """
    }

    let lexicons = """
    - name: claim.bank
      pattern: '(?:银行|网银)客服'
      examples: {match: ['银行客服'], no_match: ['银行']}
    - name: claim.any
      pattern: '{{claim.bank}}|平台客服'
      examples: {match: ['平台客服'], no_match: ['客服']}
    - name: guard.warning
      pattern: '谨防|切勿'
      examples: {match: ['谨防诈骗'], no_match: ['你好']}
    """

    @Test func referencesAreFoundInOrderWithTheirByteRanges() {
        let refs = LexiconExpander.references(in: "我是{{a.b}}x{{c}}{{ }}{{d\n}}{")
        #expect(refs.map(\.name) == ["a.b", "c", " "])
        #expect(refs.first?.range == 6..<13, "UTF-8 offsets: 我是 is six bytes")
        #expect(LexiconExpander.references(in: "\\d{2,3}(?:a|b){1}").isEmpty, "quantifiers are not references")
    }

    @Test func namesAreLowercaseDottedSegments() {
        #expect(LexiconExpander.isValidName("claim.platform_support"))
        #expect(LexiconExpander.isValidName("guard"))
        #expect(!LexiconExpander.isValidName("Claim.x"))
        #expect(!LexiconExpander.isValidName("claim..x"))
        #expect(!LexiconExpander.isValidName("1claim"))
    }

    @Test func rulesGetTheExpandedPatternAndKeepWhatWasWritten() throws {
        let result = load(rules: rule(match: "{{claim.any}}.{0,9}?验证码", unless: "{{guard.warning}}"), lexicons: lexicons)
        let spec = try #require(result.pack, "\(result.diagnostics)")
        #expect(result.diagnostics.isEmpty)
        let r = try #require(spec.rules.first)
        #expect(r.match.value == "(?:(?:(?:银行|网银)客服)|平台客服).{0,9}?验证码")
        #expect(r.unless?.value == "(?:谨防|切勿)")
        #expect(r.asWritten == WrittenPatterns(match: "{{claim.any}}.{0,9}?验证码", unless: "{{guard.warning}}"))
        #expect(spec.lexicons.map(\.name) == ["claim.bank", "claim.any", "guard.warning"])
        #expect(spec.lexicons[1].expanded == "(?:(?:银行|网银)客服)|平台客服")
    }

    @Test func aPatternWithoutReferencesIsUntouched() throws {
        let result = load(rules: rule(match: "验证码\\d{6}"), lexicons: nil)
        let r = try #require(result.pack?.rules.first)
        #expect(r.match.value == "验证码\\d{6}")
        #expect(r.asWritten == nil)
    }

    @Test func anUndefinedNameIsAnErrorAtTheReference() {
        let result = load(rules: rule(match: "验证码{{claim.bnak}}"), lexicons: lexicons)
        let d = result.diagnostics.first { $0.code == .undefinedLexicon }
        #expect(result.pack == nil)
        #expect(d?.location == SourceLocation(file: "p/rules/r.yaml", line: 4, column: 14))
        #expect(d?.hint == "did you mean `{{claim.bank}}`?")
        #expect(d?.ruleID == "r.one")
    }

    /// What Patterns/README.md says never to do is an error, not a silent change of meaning.
    @Test func aReferenceInsideACharacterClassIsAnError() {
        let result = load(rules: rule(match: "[{{claim.bank}}]验证码"), lexicons: lexicons)
        let d = result.diagnostics.first { $0.code == .invalidValue }
        #expect(result.pack == nil)
        #expect(d?.message.contains("inside a character class") == true && d?.location.line == 4)
        #expect(load(rules: rule(match: "[a-z]{{claim.bank}}[{}]验证码"), lexicons: lexicons).diagnostics.allSatisfy { $0.code != .invalidValue })
    }

    @Test func aLexiconThatCapturesIsAnError() {
        for (pattern, captures) in [("(银行)客服", true), ("(?<who>银行)客服", true), ("(?P<who>银行)", true), ("(?'who'银行)", true),
                                    ("(?:银行)(?=客服)", false), ("(?<=网)银行", false), ("(?<!网)银行", false), ("[(]银行", false),
                                    ("\\(银行", false), ("(?|银行|网银)", false)] {
            #expect((LexiconExpander.capturingGroupOffset(in: pattern) != nil) == captures, "\(pattern)")
        }
        let capturing = lexicons.replacingOccurrences(of: "'(?:银行|网银)客服'", with: "'(银行|网银)客服'")
        let result = load(rules: rule(match: "{{claim.bank}}验证码"), lexicons: capturing)
        #expect(result.pack == nil)
        #expect(result.diagnostics.contains { $0.code == .invalidValue && $0.message.contains("capturing group at byte 0") })
    }

    @Test func aReferenceWithoutAnyLexiconFileIsStillReported() {
        let result = load(rules: rule(match: "{{guard.warning}}"), lexicons: nil)
        #expect(result.diagnostics.map(\.code) == [.undefinedLexicon])
    }

    @Test func anUnusedLexiconIsAWarning() throws {
        let result = load(rules: rule(match: "{{claim.bank}}"), lexicons: lexicons)
        #expect(result.pack != nil)
        let unused = result.diagnostics.filter { $0.code == .unusedLexicon }
        #expect(unused.map(\.severity) == [.warning, .warning])
        #expect(unused.map(\.message) == ["lexicon `claim.any` is not used by any rule", "lexicon `guard.warning` is not used by any rule"])
    }

    @Test func aCycleIsAnErrorNamingThePath() {
        let cyclic = """
        - name: a
          pattern: 'x{{b}}'
          examples: {match: ['x'], no_match: ['y']}
        - name: b
          pattern: 'y{{c}}'
          examples: {match: ['y'], no_match: ['x']}
        - name: c
          pattern: 'z{{a}}'
          examples: {match: ['z'], no_match: ['x']}
        """
        let result = load(rules: rule(match: "{{a}}"), lexicons: cyclic)
        #expect(result.pack == nil)
        let cycles = result.diagnostics.filter { $0.code == .lexiconCycle }
        #expect(cycles.count == 1)
        #expect(cycles.first?.message == "lexicons use each other in a cycle: a → b → c → a")
        #expect(!result.diagnostics.contains { $0.code == .unusedLexicon })
    }

    @Test func lexiconsNeedExamplesAndAValidName() {
        let bad = "- name: Claim\n  pattern: 'x'\n"
        let result = load(rules: rule(match: "验证码"), lexicons: bad)
        let codes = Set(result.diagnostics.map(\.code))
        #expect(codes.contains(.invalidValue) && codes.contains(.missingExamples))
        #expect(result.diagnostics.contains { $0.message == "lexicon has no examples" })
    }
}
