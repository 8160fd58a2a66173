import Foundation
import ScamLiterals
import ScamPacks
import ScamStore
import Testing

/// Every bad input the pack lifecycle must refuse: a clear message, exit 2, and the store
/// exactly as it was (compared file by file, links included).
@Suite(.serialized) struct PackRefusalTests {
    /// A workspace with demo-otp 1.0.0 installed, signed by a trusted key.
    func installed() throws -> (PackWorkspace, SigningKey) {
        let ws = try PackWorkspace()
        let key = try ws.trustedKey()
        let path = try ws.write(try ws.craft(version: "1.0.0", rules: PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp"), key: key), to: "v1.sfpack")
        let r = try ws.run(["pack", "install", path])
        #expect(r.status == 0, "\(r.stderr)")
        return (ws, key)
    }

    /// Runs a command that must fail with `message` and change nothing in the store.
    @discardableResult
    func refused(_ ws: PackWorkspace, _ arguments: [String], _ messages: String..., sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> CLIRunner.Result {
        let before = ws.snapshot()
        let r = try ws.run(arguments)
        if ProcessInfo.processInfo.environment["SCAMFLOW_SHOW_REFUSALS"] != nil {
            print("$ scamflow " + arguments.joined(separator: " ") + "\n" + r.stdout + r.stderr)
        }
        #expect(r.status == 2, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        for message in messages {
            #expect(r.stderr.contains(message) || r.stdout.contains(message), "no «\(message)» in: \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(ws.snapshot() == before, "the store changed", sourceLocation: sourceLocation)
        return r
    }

    func v2Rules() -> String { PackWorkspace.rules(["蓝鲸暗号", "白鲸暗号"], idPrefix: "demo-otp") }

    @Test func aTamperedFileIsRefused() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        var bytes = try ws.craft(version: "1.1.0", rules: v2Rules(), key: key)
        let phrase = Array("白鲸".utf8)
        let at = try #require((0..<(bytes.count - phrase.count)).first { Array(bytes[$0..<($0 + phrase.count)]) == phrase })
        bytes[at] = UInt8(ascii: "x")
        let path = try ws.write(bytes, to: "tampered.sfpack")
        try refused(ws, ["pack", "install", path], "does not match the SHA-256 in the manifest", "the pack store is unchanged")
        try refused(ws, ["pack", "install", "--allow-unsigned", path], "modified after it was built")
        try refused(ws, ["pack", "verify", path], "does not match the SHA-256")
    }

    @Test func aSignatureThatDoesNotVerifyIsRefusedEvenWithAllowUnsigned() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        // The rules changed and the manifest rebuilt to match, the genuine signature kept.
        let genuine = try PackBundle.read(try ws.craft(version: "1.1.0", rules: v2Rules(), key: key))
        var forged = try PackBundle.read(try ws.craft(version: "1.1.0", rules: v2Rules().replacingOccurrences(of: "白鲸", with: "黑鲸"), key: nil))
        forged.signature = genuine.signature
        let path = try ws.write(forged.encoded(), to: "forged.sfpack")
        try refused(ws, ["pack", "install", path], "the signature does not verify")
        try refused(ws, ["pack", "install", "--allow-unsigned", path], "the signature does not verify")
    }

    @Test func anUnknownOrWrongKeyIsRefused() throws {
        let (ws, _) = try installed()
        defer { ws.remove() }
        let stranger = SigningKey.generate(name: "ops")
        let path = try ws.write(try ws.craft(version: "1.1.0", rules: v2Rules(), key: stranger), to: "stranger.sfpack")
        try refused(ws, ["pack", "install", path], "signed by key \(stranger.keyID)", "not in the trust store", "pack trust add")
        try refused(ws, ["pack", "verify", path], "not in the trust store")
        let unsigned = try ws.write(try ws.craft(version: "1.1.0", rules: v2Rules(), key: nil), to: "unsigned.sfpack")
        try refused(ws, ["pack", "install", unsigned], "is not signed")

        // Signing with the public key, or with something that is not a key, says so.
        #expect(try ws.run(["pack", "keygen", "k"]).status == 0)
        let before = try ws.read("unsigned.sfpack")
        try refused(ws, ["pack", "sign", unsigned, "--key", "k.pub"], "this is a public key")
        try refused(ws, ["pack", "sign", unsigned, "--key", "unsigned.sfpack"], "not a scamflow key file")
        #expect(try ws.read("unsigned.sfpack") == before, "the bundle is unchanged")
        // Verifying with the wrong public key.
        #expect(try ws.run(["pack", "sign", unsigned, "--key", "k.key", "-o", "signed-k.sfpack"]).status == 0)
        try refused(ws, ["pack", "verify", "--config", ws.path("empty-config"), "--trusted-key", "k.pub", ws.path("stranger.sfpack")], "not in the trust store")
        #expect(try ws.run(["pack", "verify", "--config", ws.path("empty-config"), "--trusted-key", "k.pub", "signed-k.sfpack"]).status == 0)
    }

    @Test func aBadRegexIsRefusedWithTheRuleAndTheOffset() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        let rules = PackWorkspace.rules(["蓝鲸暗号", "白鲸暗号"], idPrefix: "demo-otp", pattern: { $0 == "白鲸暗号" ? "(白鲸暗号" : $0 })
        let path = try ws.write(try ws.craft(version: "1.1.0", rules: rules, key: key), to: "regex.sfpack")
        let r = try refused(ws, ["pack", "install", path], "does not compile", "error[SF106]", "demo-otp.r1", "at offset 13")
        #expect(r.stderr.contains("demo-otp-1.1.0.sfpack/rules/r.yaml:"), "file:line inside the bundle: \(r.stderr)")
    }

    /// A signed bundle whose literal table says a rule needs a word it does not need (so the
    /// rule would skip the text it should match) is refused, as is a damaged table; a table of
    /// another extractor version is not used, so it installs.
    @Test func aLiteralTableThatDisagreesWithItsPatternsIsRefused() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        let lying = LiteralTable(entries: [PatternDigest("白鲸暗号"): .anyOf([Array("从不出现的词".utf8)])])
        var path = try ws.write(try ws.craft(version: "1.1.0", rules: v2Rules(), extraFiles: [PackFile(path: LiteralTable.fileName, contents: lying.text)],
                                             key: key), to: "lying.sfpack")
        try refused(ws, ["pack", "install", path], "literal table (literals.sflit) does not match its patterns", "白鲸暗号")
        let damaged = "scamflow-literals\t1\t\(LiteralExtractor.version)\t1\nnot a digest\n"
        path = try ws.write(try ws.craft(version: "1.1.0", rules: v2Rules(), extraFiles: [PackFile(path: LiteralTable.fileName, contents: damaged)],
                                         key: key), to: "damaged.sfpack")
        try refused(ws, ["pack", "install", path], "literals.sflit:2", "rebuild the bundle")
        let foreign = lying.text.replacingOccurrences(of: "scamflow-literals\t1\t\(LiteralExtractor.version)\t", with: "scamflow-literals\t1\t999\t")
        path = try ws.write(try ws.craft(version: "1.1.0", rules: v2Rules(), extraFiles: [PackFile(path: LiteralTable.fileName, contents: foreign)],
                                         key: key), to: "foreign.sfpack")
        let r = try ws.run(["pack", "install", path])
        #expect(r.status == 0, "\(r.stderr)")
        let scan = try ws.run(["scan", "-q", "--format", "ndjson", try ws.write(Array("白鲸暗号\n".utf8), to: "in.txt")])
        #expect(scan.stdout.contains("demo-otp.r1"), "the foreign table is not used: \(scan.stdout) \(scan.stderr)")
    }

    @Test func aPackThatFailsItsOwnExamplesIsRefused() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        let rules = v2Rules().replacingOccurrences(of: "no_match: ['今天天气不错']", with: "no_match: ['白鲸暗号在这里']")
        let path = try ws.write(try ws.craft(version: "1.1.0", rules: rules, key: key), to: "examples.sfpack")
        try refused(ws, ["pack", "install", path], "fails its own tests", "error[SF107]")
    }

    @Test func aPackForANewerEngineIsRefusedAndUpdateSkipsIt() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        let bytes = try ws.craft(version: "2.0.0", minEngine: "99.0.0", rules: v2Rules(), key: key)
        let path = try ws.write(bytes, to: "source/demo-otp-2.0.0.sfpack")
        try refused(ws, ["pack", "install", path], "needs scamflow 99.0.0 or newer; this is 0.2.0")
        // From a folder source: skipped with a note, nothing else to do, exit 0.
        let before = ws.snapshot()
        let update = try ws.run(["pack", "update", "--source", ws.path("source")])
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stderr.contains("demo-otp 2.0.0 needs scamflow 99.0.0"))
        #expect(update.stdout.contains("demo-otp 1.0.0 is up to date"))
        #expect(ws.snapshot() == before)
    }

    @Test func aNameOrIdClashIsRefused() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        // Another pack defining a rule id the installed demo-otp already has.
        let clash = try ws.write(try ws.craft(name: "other-pack", version: "1.0.0", rules: PackWorkspace.rules(["灰鲸暗号"], idPrefix: "demo-otp"), key: key), to: "clash.sfpack")
        try refused(ws, ["pack", "install", clash], "an id clashes with another pack's", "error[SF105]", "duplicate id `demo-otp.r0`")
        // A rule id of a built-in pack.
        let builtin = PackWorkspace.rules(["灰鲸暗号"], idPrefix: "x").replacingOccurrences(of: "id: x.r0", with: "id: zh.pay.ask-sms-code")
        let clash2 = try ws.write(try ws.craft(name: "other-pack", version: "1.0.0", rules: builtin, key: key), to: "clash2.sfpack")
        try refused(ws, ["pack", "install", clash2], "duplicate id `zh.pay.ask-sms-code`")
        // A bundle whose manifest names one pack and whose pack.yaml another.
        let liar = try ws.write(try ws.craft(name: "demo-otp", version: "1.1.0", packYAML: "name: zh-payment-scams\nversion: 1.1.0\nthreshold: 60\n",
                                             rules: v2Rules(), key: key), to: "liar.sfpack")
        try refused(ws, ["pack", "install", liar], "pack.yaml says zh-payment-scams@1.1.0", "the manifest says demo-otp@1.1.0")
        // The same version number with other contents.
        let again = try ws.write(try ws.craft(version: "1.0.0", rules: v2Rules(), key: key), to: "again.sfpack")
        try refused(ws, ["pack", "install", again], "a different build of demo-otp 1.0.0 is already installed")
    }

    @Test func aStoreThatCannotBeWrittenIsRefused() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        let v2 = try ws.write(try ws.craft(version: "1.1.0", rules: v2Rules(), key: key), to: "v2.sfpack")
        // Tests run as root, for whom permission bits do not stop a write: the store path is a
        // regular file instead (and, below, a read-only bind mount where mounting is allowed).
        let file = try ws.write(Array("not a folder".utf8), to: "store-file")
        let r = try ws.run(["pack", "install", v2, "--store", file])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write to the pack store at \(file): Not a directory"), "\(r.stderr)")
        #expect(try ws.read("store-file") == Array("not a folder".utf8))
        #expect(try ws.run(["pack", "rollback", "demo-otp", "--store", file]).status == 2)
        #expect(try ws.run(["pack", "remove", "demo-otp", "--store", file]).status == 2)

        guard Self.mount(["--bind", ws.store, ws.store]) else { return }
        defer { _ = Self.mount(["-u", ws.store]) }
        guard Self.mount(["-o", "remount,bind,ro", ws.store]) else { return }
        try refused(ws, ["pack", "install", v2], "cannot write to the pack store", "Read-only file system")
        try refused(ws, ["pack", "remove", "demo-otp"], "Read-only file system")
        #expect(try ws.inForce("demo-otp")?["version"] as? String == "1.0.0", "the installed pack still loads")
    }

    /// Runs mount(8) (or umount(8) with "-u"); false when not permitted here.
    static func mount(_ arguments: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments.first == "-u" ? ["umount", arguments[1]] : ["mount"] + arguments
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test func downloadsThatFailAreRefused() throws {
        let (ws, key) = try installed()
        defer { ws.remove() }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let v2 = try ws.craft(version: "1.1.0", rules: v2Rules(), key: key)

        // 404, for a bundle and for an index.
        try refused(ws, ["pack", "install", server.base + "/missing.sfpack"], "the server answered HTTP 404")
        try refused(ws, ["pack", "update", "--source", server.base + "/nothing/"], "GET \(server.base)/nothing/index.json: the server answered HTTP 404", "no pack source could be read")
        try refused(ws, ["pack", "install", "--source", server.base + "/nothing/", "demo-otp"], "HTTP 404", "no pack source offers demo-otp")

        // Cut short: the server promises the whole bundle and closes half way.
        server.set("/cut.sfpack", LoopbackHTTPServer.Response(body: v2, cutAfter: v2.count / 2))
        try refused(ws, ["pack", "install", server.base + "/cut.sfpack"], "cut short")
        // A truncated file served whole: the bundle itself says it is incomplete...
        server.set("/half.sfpack", body: Array(v2.prefix(v2.count / 2)))
        try refused(ws, ["pack", "install", server.base + "/half.sfpack"], "truncated", "incomplete")
        // ...and behind an index, the size and SHA-256 it lists catch it before it is opened.
        let entry = PackIndex.Entry(name: "demo-otp", version: "1.1.0", minEngine: "0.1.0", url: "half.sfpack", size: v2.count, sha256: Hashing.sha256Hex(v2))
        server.set("/index.json", body: PackIndex(packs: [entry]).encoded())
        try refused(ws, ["pack", "update", "--source", server.base + "/"], "the index says \(v2.count)", "cut short", "demo-otp stays at 1.0.0")

        // Garbage: an index that is not one, a bundle that is an HTML page, an answer that is not HTTP.
        server.set("/garbage/index.json", body: Array("<html><body>Welcome to nginx!</body></html>".utf8))
        try refused(ws, ["pack", "update", "--source", server.base + "/garbage/"], "is not a scamflow pack index")
        server.set("/page.sfpack", body: Array(String(repeating: "<html>oops</html>\n", count: 100).utf8))
        try refused(ws, ["pack", "install", server.base + "/page.sfpack"], "not a valid pack bundle")
        server.set("/noise.sfpack", LoopbackHTTPServer.Response(raw: Array("\u{1}\u{2}garbage, not HTTP at all\r\n\r\n".utf8)))
        try refused(ws, ["pack", "install", server.base + "/noise.sfpack"], "GET \(server.base)/noise.sfpack")
        // Nobody listening.
        server.stop()
        try refused(ws, ["pack", "install", server.base + "/v2.sfpack"], "GET \(server.base)/v2.sfpack")
        // Only http(s) and files.
        try refused(ws, ["pack", "install", "ftp://example.org/x.sfpack"], "only http:// and https://")
    }
}
