import Foundation
import ScamPacks
import ScamStore
import Testing

/// A model travels in a pack like rules: `scamflow learn` trains it, `pack build` bundles it
/// (checksummed, signed), `pack install` takes it into the store and `scan` uses it; a damaged
/// model or one whose examples fail is refused and the version in force stays.
@Suite(.serialized) struct ModelPackTests {
    static let data = """
    {"id":"l1","text":"我是客服，请把验证码告诉我，马上转账到安全账户","truth":"scam"}
    {"id":"l2","text":"客服：把验证码发过来，资金转入安全账户","truth":"scam"}
    {"id":"l3","text":"请立即转账到安全账户，配合调查","truth":"scam"}
    {"id":"l4","text":"安全账户转账马上办理，验证码念给我","truth":"scam"}
    {"id":"l5","text":"今晚一起吃饭吗","truth":"benign"}
    {"id":"l6","text":"明天上午开会，别迟到","truth":"benign"}
    {"id":"l7","text":"快递放门口了，记得拿","truth":"benign"}
    {"id":"l8","text":"周末去看电影吧","truth":"benign"}

    """

    /// A pack folder with one rule and a model trained by `scamflow learn` on `data`.
    func modelPack(_ ws: PackWorkspace, version: String) throws -> String {
        let folder = ws.dir.appendingPathComponent("demo-model")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try """
        name: demo-model
        version: \(version)
        min_engine: 0.2.0
        languages: [zh]
        threshold: 60
        model:
          file: model/scorer.sfmodel
          raise:
            - {p_at_least: 0.5, signals_at_least: 1}
          examples:
            alert: ['客服说验证码给我，转到安全账户']
            silent: ['周末一起吃饭']
        """.write(to: folder.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        try """
        - {id: demo-model.code, title: 验证码, signal: request.sms_code, match: '验证码', score: 30, examples: {match: ['验证码'], no_match: ['吃饭']}}
        """.write(to: folder.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        try Self.data.write(to: ws.dir.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        let learned = try ws.run(["learn", "--no-builtin", "--packs", "demo-model", "--folds", "0", "--l1", "0", "--text-scale", "0",
                                  "--out", "demo-model/model/scorer.sfmodel", "train.jsonl"])
        #expect(learned.status == 0, "\(learned.stderr)")
        return folder.path
    }

    @Test func trainBuildInstallScan() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let folder = try modelPack(ws, version: "1.0.0")
        let again = try ws.run(["learn", "--no-builtin", "--packs", "demo-model", "--folds", "0", "--l1", "0", "--text-scale", "0",
                                "--out", "again.sfmodel", "train.jsonl"])
        #expect(again.status == 0)
        #expect(try ws.read("again.sfmodel") == ws.read("demo-model/model/scorer.sfmodel"), "the same data gives the same bytes")

        let tested = try ws.run(["pack", "test", folder])
        #expect(tested.status == 0, "\(tested.stdout)")
        let built = try ws.run(["pack", "build", folder, "-o", "demo.sfpack"])
        #expect(built.status == 0, "\(built.stderr)")
        let bundle = try PackBundle.read(try ws.read("demo.sfpack"))
        #expect(bundle.files.map(\.path).contains("model/scorer.sfmodel"), "the model is in the bundle and its manifest")
        let installed = try ws.run(["pack", "install", "--allow-unsigned", "demo.sfpack"])
        #expect(installed.status == 0, "\(installed.stderr)")

        let scan = try ws.run(["scan", "--format", "ndjson", "-"], stdin: Data("客服：验证码念给我，钱转到安全账户\n".utf8))
        #expect(scan.status == 1, "\(scan.stderr)")
        #expect(scan.stdout.contains("\"kind\":\"model\"") || scan.stdout.contains("\"model\":{\"pack\":\"demo-model@1.0.0\""), "\(scan.stdout)")
    }

    @Test func aDamagedModelIsRefusedAndTheVersionInForceStays() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let folder = try modelPack(ws, version: "1.0.0")
        #expect(try ws.run(["pack", "build", folder, "-o", "v1.sfpack"]).status == 0)
        #expect(try ws.run(["pack", "install", "--allow-unsigned", "v1.sfpack"]).status == 0)

        // Version 1.1.0 with its model cut short, bundled without `pack build`'s checks.
        let files = try PackDirectory.read(folder).map { file -> PackFile in
            var f = file
            if f.path == "pack.yaml" { f.contents = f.contents.replacingOccurrences(of: "version: 1.0.0", with: "version: 1.1.0") }
            if f.path.hasSuffix(".sfmodel") { f.contents = String(f.contents.prefix(f.contents.count / 2)) }
            return f
        }
        let bundle = try PackBundle.build(name: "demo-model", version: "1.1.0", minEngine: "0.2.0", files: files, builtWith: "test")
        let path = try ws.write(bundle.encoded(), to: "v2.sfpack")
        let before = ws.snapshot()
        let r = try ws.run(["pack", "install", "--allow-unsigned", path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("SF117") && r.stderr.contains("truncated"), "\(r.stderr)")
        #expect(ws.snapshot() == before, "the store is unchanged")
        #expect(try ws.inForce("demo-model")?["version"] as? String == "1.0.0")

        let lint = try ws.run(["pack", "build", folder.replacingOccurrences(of: "demo-model", with: "demo-model"), "-o", "ok.sfpack"])
        #expect(lint.status == 0, "the folder itself is still fine")
    }
}
