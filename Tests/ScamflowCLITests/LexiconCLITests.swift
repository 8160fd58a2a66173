import Foundation
import Testing

/// Lexicons end to end: tested with their pack, exported expanded, carried by a bundle with
/// their checksums, and matching once installed.
@Suite struct LexiconCLITests {
    static let lexicons = """
    - name: claim.bank
      pattern: '(?:银行|网银)(?:客服|工作人员)'
      examples: {match: ['我是银行客服'], no_match: ['我去银行办事']}
    - name: guard.warning
      pattern: '谨防|切勿'
      examples: {match: ['谨防诈骗'], no_match: ['请把验证码发给我']}

    """
    static let rules = """
    - id: demo-lex.bank-otp
      title: 银行客服要验证码
      signal: request.sms_code
      match: '{{claim.bank}}.{0,10}?验证码.{0,6}?发给我'
      unless: '{{guard.warning}}|都是诈骗'
      score: 60
      examples: {match: ['我是银行客服，请把验证码发给我'], no_match: ['谨防自称银行客服让你把验证码发给我的人']}

    """

    func writePack(in ws: PackWorkspace) throws -> String {
        let folder = ws.dir.appendingPathComponent("demo-lex")
        for sub in ["rules", "lexicons"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try "name: demo-lex\nversion: 1.0.0\nmin_engine: 0.1.0\nlanguages: [zh]\nthreshold: 60\n"
            .write(to: folder.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        try Self.lexicons.write(to: folder.appendingPathComponent("lexicons/words.yaml"), atomically: true, encoding: .utf8)
        try Self.rules.write(to: folder.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        return folder.path
    }

    @Test func lexiconExamplesRunWithThePack() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let folder = try writePack(in: ws)
        let test = try ws.run(["pack", "test", "-v", folder])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("ok    lexicon claim.bank match: 我是银行客服"))
        #expect(test.stdout.contains("6 passed, 0 failed"))
        let lint = try ws.run(["pack", "lint", folder])
        #expect(lint.status == 0)
        #expect(lint.stdout == "0 errors, 0 warnings in 1 text rule\n")
    }

    @Test func exportWritesWhatPCRE2Gets() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let folder = try writePack(in: ws)
        let match = try ws.run(["pack", "export", "--patterns", "--ids", "--no-builtin", "--packs", folder])
        let unless = try ws.run(["pack", "export", "--patterns", "--unless", "--no-builtin", "--packs", folder])
        #expect(match.status == 0 && unless.status == 0)
        try CLIRunner.assertGolden(match.stdout + unless.stdout, "export/lexicons.out")
    }

    @Test func aBundleCarriesLexiconsAndTheInstalledPackUsesThem() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let folder = try writePack(in: ws)
        let built = try ws.run(["pack", "build", folder, "-o", "demo-lex.sfpack"])
        #expect(built.status == 0, "\(built.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ws.path("demo-lex.sfpack")))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"path\" : \"lexicons/words.yaml\""), "the manifest lists the lexicon file with its hash")
        #expect(try ws.run(["pack", "install", "--allow-unsigned", "demo-lex.sfpack"]).status == 0)
        let scan = try ws.run(["scan", "--format", "ndjson", "-"], stdin: Data("我是网银工作人员，请把验证码发给我\n".utf8))
        #expect(scan.status == 1, "\(scan.stderr)")
        #expect(scan.stdout.contains("demo-lex.bank-otp"))
    }
}
