import Foundation
import ScamPacks
import Testing

/// An installed pack that breaks (edited or damaged on disk, or no longer compiling with the
/// others) is set aside at load; what stands in (the previous version, else the built-in pack)
/// and every other pack run; it is said on stderr, in the summary and as a `pack.broken`
/// finding; exit 3 says so when nothing else decides. `--strict-packs` refuses instead.
@Suite(.serialized) struct PackQuarantineTests {
    func alerts(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// demo-otp 1.0.0 (蓝鲸暗号) then 1.1.0 (蓝鲸暗号, 白鲸暗号) installed, 1.1.0 in force.
    func twoVersions() throws -> PackWorkspace {
        let ws = try PackWorkspace()
        let key = try ws.trustedKey()
        for (version, phrases) in [("1.0.0", ["蓝鲸暗号"]), ("1.1.0", ["蓝鲸暗号", "白鲸暗号"])] {
            let path = try ws.write(try ws.craft(version: version, rules: PackWorkspace.rules(phrases, idPrefix: "demo-otp"), key: key), to: "\(version).sfpack")
            #expect(try ws.run(["pack", "install", path]).status == 0)
        }
        return ws
    }

    func scan(_ ws: PackWorkspace, _ text: String, _ extra: [String] = []) throws -> CLIRunner.Result {
        try ws.run(["scan", "--format", "ndjson"] + extra + ["-"], stdin: Data((text + "\n").utf8))
    }

    @Test func aDamagedActiveVersionIsSetAsideThePreviousOneStandsInAndEveryOtherPackRuns() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try Data("- {id: demo-otp.r0, title: x, signal: request.sms_code, match: '.', score: 100}\n".utf8)
            .write(to: URL(fileURLWithPath: ws.store + "/demo-otp/1.1.0/rules/r.yaml"))

        let benign = try scan(ws, "今天天气不错")
        #expect(benign.status == 3, "nothing found, but a pack was set aside: \(benign.stderr)")
        let finding = try #require(try alerts(benign.stdout).first)
        #expect(finding["kind"] as? String == "pack" && finding["id"] as? String == "pack.broken" && finding["severity"] as? String == "high")
        #expect(finding["pack"] as? String == "demo-otp@1.1.0" && finding["code"] as? String == "SF110")
        #expect((finding["reason"] as? String)?.contains("rules/r.yaml does not match its manifest") == true)
        #expect(finding["instead"] as? [String: String] == ["pack": "demo-otp@1.0.0", "kind": "previous"])
        #expect(benign.stderr.contains("warning: installed pack demo-otp 1.1.0 is broken and set aside; demo-otp 1.0.0 (the previous version) is in force"))
        #expect(benign.stderr.contains("installed pack set aside (broken): demo-otp 1.1.0 (SF110)"), "the summary says it: \(benign.stderr)")

        // The previous version and the built-in packs alert; the damaged rules never run.
        let scam = try scan(ws, "蓝鲸暗号，请把验证码转发给我")
        #expect(scam.status == 1, "alerts decide the status: \(scam.stderr)")
        let packs = try alerts(scam.stdout).map { ($0["pack"] as? String ?? "") + " " + (($0["also"] as? [[String: Any]])?.compactMap { $0["pack"] as? String }.joined(separator: ",") ?? "") }
        #expect(packs.first == "demo-otp@1.1.0 ", "the finding comes first")
        #expect(packs.dropFirst().contains { $0.contains("zh-") && $0.contains("demo-otp@1.0.0") }, "\(packs)")
        #expect(try alerts(scan(ws, "白鲸暗号").stdout).dropFirst().isEmpty, "1.1.0's new rule is not in force")

        // The same finding (same id) from eval, flows and stream; exit 3 where nothing else decides.
        let again = try alerts(scan(ws, "今天天气不错").stdout).first?["alert_id"] as? String
        #expect(again == finding["alert_id"] as? String, "the same damage gives the same id")
        #expect(try ws.run(["flows"]).status == 3)
        let stream = try ws.run(["stream", "-q"], stdin: Data(#"{"subject":"a","text":"蓝鲸暗号"}"#.utf8 + [0x0A]))
        #expect(stream.status == 0, "a stream ends 0: its status is read after a stop, where anything else reads as a crash")
        #expect(try alerts(stream.stdout).map { $0["pack"] as? String } == ["demo-otp@1.1.0", "demo-otp@1.0.0"])
        let summary = try ws.run(["stream"], stdin: Data())
        #expect(summary.stderr.contains("scamflow: stream: 0 records")
                && summary.stderr.contains("\n  installed pack set aside (broken): demo-otp 1.1.0 (SF110); demo-otp 1.0.0 (the previous version) is in force in its place\n"),
                "the stream's summary names it as scan's does: \(summary.stderr)")

        // --strict-packs keeps the old refusal.
        let strict = try scan(ws, "今天天气不错", ["--strict-packs"])
        #expect(strict.status == 2 && strict.stdout.isEmpty && strict.stderr.contains("error[SF110]") && strict.stderr.contains("--strict-packs"))
        #expect(try ws.run(["stream", "--strict-packs"], stdin: Data()).status == 2)
        #expect(try ws.run(["pack", "lint"]).status == 2, "lint reports the packs in force, broken ones included")
    }

    @Test func aBrokenPackWithNothingToStandInIsLeftOutAndABrokenOverrideGivesBackTheBuiltIn() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let key = try ws.trustedKey()
        let addOn = try ws.write(try ws.craft(version: "1.0.0", rules: PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp"), key: key), to: "a.sfpack")
        let override = try ws.write(try ws.craft(name: "en-scams", version: "9.0.0", rules: PackWorkspace.rules(["白鲸暗号"], idPrefix: "mine"), key: key), to: "e.sfpack")
        for path in [addOn, override] { #expect(try ws.run(["pack", "install", path]).status == 0) }
        for broken in ["demo-otp/1.0.0/pack.yaml", "en-scams/9.0.0/MANIFEST.json"] { try FileManager.default.removeItem(atPath: ws.store + "/" + broken) }

        let r = try scan(ws, "Please get me two Apple gift cards from the shop and send me the codes on the back, it's urgent")
        let found = try alerts(r.stdout)
        let findings = found.filter { $0["id"] as? String == "pack.broken" }
        #expect(findings.map { $0["pack"] as? String } == ["demo-otp@1.0.0", "en-scams@9.0.0"])
        #expect(findings[0]["instead"] == nil, "nothing stands in for demo-otp")
        #expect(findings[1]["instead"] as? [String: String] == ["pack": "en-scams@1.0.0", "kind": "built-in"])
        #expect(found.contains { $0["pack"] as? String == "en-scams@1.0.0" }, "the built-in en-scams is back in force: \(r.stdout)")
        #expect(r.stderr.contains("no pack named demo-otp is in force") && r.stderr.contains("the built-in en-scams 1.0.0 is in force in its place"))
        let list = try ws.run(["pack", "list"]).stdout
        #expect(list.contains("broken [1]") && list.contains("[2] en-scams 9.0.0:"), "\(list)")
        let table = list.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
        #expect(!table.contains { $0.contains("manifest") || $0.contains("missing") }, "long problems stay out of the columns: \(list)")
    }

    /// The finding in both formats, against golden files (the store's temporary path as STORE).
    @Test func theFindingMatchesItsGoldenFiles() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try FileManager.default.removeItem(atPath: ws.store + "/demo-otp/1.1.0/rules/r.yaml")
        for (format, file) in [("ndjson", "pack-broken.ndjson"), ("text", "pack-broken.txt")] {
            let r = try ws.run(["scan", "-q", "--format", format, "-"], stdin: Data("今天天气不错\n".utf8))
            #expect(r.status == 3, "\(r.stderr)")
            try CLIRunner.assertGolden(r.stdout.replacingOccurrences(of: ws.store, with: "STORE"), "scan/" + file)
        }
    }

    /// The finding as OCSF (a valid Detection Finding, when the validator is here) and as ECS
    /// (fields as the ECS table says, `event.category` configuration).
    @Test func theFindingInOCSFAndECS() throws {
        let ws = try twoVersions()
        defer { ws.remove() }
        try FileManager.default.removeItem(atPath: ws.store + "/demo-otp/1.1.0/rules/r.yaml")
        let ocsf = try ws.run(["scan", "-q", "--format", "ocsf", "-"], stdin: Data("今天天气不错\n".utf8))
        #expect(ocsf.status == 3 && ocsf.stdout.contains("\"uid\":\"pack.broken\""), "\(ocsf.stdout)")
        if AlertFormatTests.validatorAvailable {
            let v = try AlertFormatTests.validateOCSF(ocsf.stdout.split(separator: "\n"))
            #expect(v.status == 0 && v.stdout.contains("1 findings valid"), "\(v.stdout) \(v.stderr)")
        }
        let ecs = try ws.run(["scan", "-q", "--format", "ecs", "-"], stdin: Data("今天天气不错\n".utf8))
        let line = try #require(ecs.stdout.split(separator: "\n").first)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let table = try ECSFieldTable()
        let problems = ECSFieldTests.leaves(document).compactMap { table.problem($0.0, $0.1) }
        #expect(problems.isEmpty, "\(problems)")
        #expect((document["rule"] as? [String: Any])?["id"] as? String == "pack.broken")
    }

    /// A rollback puts back a version without compiling it with the others: demo-otp 1.0.0
    /// defines `other-pack.r0`, which other-pack, installed while 1.1.0 was in force, defines
    /// too. The pack the clash is reported in (the later one) is set aside, the rest runs.
    @Test func aPackThatNoLongerCompilesWithTheOthersIsSetAside() throws {
        let ws = try PackWorkspace()
        defer { ws.remove() }
        let key = try ws.trustedKey()
        let bundles = [
            try ws.craft(version: "1.0.0", rules: PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "other-pack"), key: key),
            try ws.craft(version: "1.1.0", rules: PackWorkspace.rules(["蓝鲸暗号"], idPrefix: "demo-otp"), key: key),
            try ws.craft(name: "other-pack", version: "1.0.0", rules: PackWorkspace.rules(["白鲸暗号"], idPrefix: "other-pack"), key: key),
        ]
        for (i, bytes) in bundles.enumerated() {
            let r = try ws.run(["pack", "install", try ws.write(bytes, to: "\(i).sfpack")])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(try ws.run(["pack", "rollback", "demo-otp"]).status == 0)
        let r = try scan(ws, "蓝鲸暗号")
        #expect(r.status == 1, "\(r.stderr)")
        let found = try alerts(r.stdout)
        #expect(found.first?["pack"] as? String == "other-pack@1.0.0" && found.first?["code"] as? String == "SF105", "\(r.stdout)")
        #expect(found.dropFirst().first?["pack"] as? String == "demo-otp@1.0.0")
        #expect(try scan(ws, "今天天气不错", ["--strict-packs"]).status == 2)
    }
}
