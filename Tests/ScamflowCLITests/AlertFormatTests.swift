import Foundation
import Testing

/// `--format ocsf` and `--format ecs` on the whole Corpus: every alert of the scan and of the
/// seed event streams is a valid OCSF Detection Finding (checked by ocsf-pydantic through
/// scripts/validate-ocsf) and an ECS document whose ECS fields have the reference's types.
@Suite struct AlertFormatTests {
    static let events = CLIRunner.packageRoot.appendingPathComponent("Corpus/events")

    /// Whether python3 with ocsf-pydantic is here (`.ci/run` installs it); without, the OCSF
    /// validation is skipped with that reason.
    static let validatorAvailable: Bool = {
        let r = try? CLIRunner.run(["python3", "-c", "import ocsf.events.findings.detection"], in: CLIRunner.packageRoot,
                                   executable: URL(fileURLWithPath: "/usr/bin/env"))
        return r?.status == 0
    }()

    /// The alerts of the Corpus scan in `format`, one a line.
    static func corpusScan(_ format: String) throws -> [Substring] {
        let r = try CLIRunner.run(["scan", "--quiet", "--format", format, "Corpus"], in: CLIRunner.packageRoot)
        #expect(r.status == 1, "\(r.stderr)")
        return r.stdout.split(separator: "\n")
    }

    /// The alerts of every seed event stream in `format`, one a line.
    static func eventStreams(_ format: String) throws -> [Substring] {
        var lines: [Substring] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: events.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        for file in files {
            let input = try Data(contentsOf: events.appendingPathComponent(file))
            let r = try CLIRunner.run(["stream", "-q", "--format", format], in: CLIRunner.packageRoot, stdin: input)
            #expect(r.status == 0, "\(file): \(r.stderr)")
            lines += r.stdout.split(separator: "\n")
        }
        return lines
    }

    /// Runs scripts/validate-ocsf on `lines`; its exit status and what it said.
    static func validateOCSF(_ lines: [Substring]) throws -> CLIRunner.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-ocsf-\(UUID().uuidString).jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try CLIRunner.run(["python3", "scripts/validate-ocsf", file.path], in: CLIRunner.packageRoot,
                                 executable: URL(fileURLWithPath: "/usr/bin/env"))
    }

    @Test(.enabled(if: validatorAvailable, "python3 with ocsf-pydantic is not installed (pip install ocsf-pydantic): OCSF not validated"))
    func corpusScanIsOCSF() throws {
        let lines = try Self.corpusScan("ocsf")
        #expect(lines.count > 100, "the Corpus raises hundreds of alerts")
        let r = try Self.validateOCSF(lines)
        #expect(r.status == 0, "\(r.stderr.prefix(4000))")
        #expect(r.stdout.contains("\(lines.count) findings valid, 0 invalid"), "\(r.stdout)")
    }

    @Test(.enabled(if: validatorAvailable, "python3 with ocsf-pydantic is not installed (pip install ocsf-pydantic): OCSF not validated"))
    func eventStreamsAreOCSF() throws {
        let lines = try Self.eventStreams("ocsf")
        #expect(lines.count >= 6, "every seed scam stream raises an alert")
        let r = try Self.validateOCSF(lines)
        #expect(r.status == 0, "\(r.stderr.prefix(4000))")
        #expect(r.stdout.contains("\(lines.count) findings valid, 0 invalid"), "\(r.stdout)")
    }

    /// The validator is not a rubber stamp: a finding with a field OCSF does not have, or
    /// without its title, is refused.
    @Test(.enabled(if: validatorAvailable, "python3 with ocsf-pydantic is not installed"))
    func validatorRefusesWhatIsNotOCSF() throws {
        let line = try #require(try Self.corpusScan("ocsf").first)
        let bogus = line.replacingOccurrences(of: "\"finding_info\":{", with: "\"finding_info\":{\"bogus\":1,")
        let untitled = line.replacingOccurrences(of: "\"title\":", with: "\"titel\":")
        for bad in [bogus, untitled] {
            let r = try Self.validateOCSF([Substring(bad)])
            #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        }
    }

    /// `scenario:any` (a request any scam may make) stays a tag but names no ECS technique.
    @Test func ecsScenarioAnyIsNoTechnique() throws {
        let input = Data("{\"text\":\"请把刚才收到的验证码发给我\",\"subject\":\"dev-1\"}\n".utf8)
        let r = try CLIRunner.run(["scan", "-q", "--format", "ecs", "-"], in: CLIRunner.packageRoot, stdin: input)
        let line = try #require(r.stdout.split(separator: "\n").first)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((o["tags"] as? [String] ?? []).contains("scenario:any"), "the fixture's rule is tagged scenario:any")
        let technique = (o["threat"] as? [String: Any])?["technique"] as? [String: Any]
        let names = technique?["name"] as? [String] ?? []
        #expect(!names.contains("any") && !names.isEmpty, "\(names)")
    }

    /// The fixed values and the mapping of one finding, read back.
    @Test func ocsfMapping() throws {
        let input = Data("{\"text\":\"我是网银工作人员，请把验证码发给我\",\"subject\":\"dev-1\",\"time\":\"2025-03-06T10:00:00+08:00\"}\n".utf8)
        let r = try CLIRunner.run(["scan", "-q", "--format", "ocsf", "-"], in: CLIRunner.packageRoot, stdin: input)
        let line = try #require(r.stdout.split(separator: "\n").first)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(o["class_uid"] as? Int == 2004 && o["category_uid"] as? Int == 2 && o["activity_id"] as? Int == 1)
        #expect(o["type_uid"] as? Int == 200401)
        #expect(o["time"] as? Int == 1_741_226_400_000 && o["timezone_offset"] as? Int == 480)
        #expect([3, 4, 5].contains(o["severity_id"] as? Int ?? 0))
        let info = try #require(o["finding_info"] as? [String: Any])
        let analytic = try #require(info["analytic"] as? [String: Any])
        #expect(analytic["uid"] as? String != nil && analytic["version"] as? String != nil)
        #expect((info["types"] as? [String] ?? []).allSatisfy { $0.hasPrefix("scenario:") || $0.hasPrefix("tactic:") })
        #expect((o["device"] as? [String: Any])?["uid"] as? String == "dev-1")
        #expect((o["remediation"] as? [String: Any])?["desc"] as? String != nil)
        let evidence = try #require((o["evidences"] as? [[String: Any]])?.first?["data"] as? [String: Any])
        #expect(evidence["excerpt"] as? String != nil && (evidence["span"] as? [Int])?.count == 2)
        let product = try #require((o["metadata"] as? [String: Any])?["product"] as? [String: Any])
        #expect(product["name"] as? String == "scamflow" && product["version"] as? String != nil)
    }
}

/// The committed table of the ECS field reference (Golden/ecs-fields-8.11.tsv).
struct ECSFieldTable {
    struct Field {
        var type: String
        var array: Bool
        var allowed: Set<String>?
    }

    var fields: [String: Field] = [:]

    init() throws {
        let url = CLIRunner.golden.appendingPathComponent("ecs-fields-8.11.tsv")
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let c = line.split(separator: "\t").map(String.init)
            guard c.count == 4 else { continue }
            fields[c[0]] = Field(type: c[1], array: c[2] == "array", allowed: c[3] == "-" ? nil : Set(c[3].split(separator: ",").map(String.init)))
        }
    }

    /// An ISO 8601 date and time, with or without fractional seconds (ECS `date`, as written).
    static func isISO8601(_ s: String) -> Bool {
        let plain = ISO8601DateFormatter(), fractional = ISO8601DateFormatter()
        fractional.formatOptions.insert(.withFractionalSeconds)
        return plain.date(from: s) != nil || fractional.date(from: s) != nil
    }

    /// What is wrong with `value` as the ECS field `name`; nil when nothing.
    func problem(_ name: String, _ value: Any) -> String? {
        guard let field = fields[name] else { return "\(name): not in the ECS table" }
        let values: [Any]
        if let list = value as? [Any] {
            guard field.array else { return "\(name): an array, ECS says one value" }
            values = list
        } else {
            values = [value]
        }
        for v in values {
            switch field.type {
            case "keyword", "match_only_text":
                guard let s = v as? String else { return "\(name): \(v) is not a string" }
                if let allowed = field.allowed, !allowed.contains(s) { return "\(name): '\(s)' is not an allowed value" }
            case "date":
                guard let s = v as? String, Self.isISO8601(s) else { return "\(name): \(v) is not an ISO 8601 date" }
            case "long":
                // An integer NSNumber, not a double nor a Bool ("c"): its Objective-C type code.
                guard let n = v as? NSNumber, ["q", "l", "i", "s"].contains(String(cString: n.objCType)) else {
                    return "\(name): \(v) is not an integer"
                }
            case "float":
                guard let n = v as? NSNumber, String(cString: n.objCType) != "c" else { return "\(name): \(v) is not a number" }
            default:
                return "\(name): unknown type \(field.type) in the table"
            }
        }
        return nil
    }
}

@Suite struct ECSFieldTests {
    /// Every leaf field of `document` outside the custom `scamflow` namespace, with its value.
    static func leaves(_ document: [String: Any], prefix: String = "") -> [(String, Any)] {
        var out: [(String, Any)] = []
        for (key, value) in document {
            let name = prefix.isEmpty ? key : prefix + "." + key
            if name == "scamflow" { continue }
            if let object = value as? [String: Any] { out += leaves(object, prefix: name) } else { out.append((name, value)) }
        }
        return out
    }

    @Test func corpusScanAndStreamsMatchTheECSReference() throws {
        let table = try ECSFieldTable()
        let lines = try AlertFormatTests.corpusScan("ecs") + AlertFormatTests.eventStreams("ecs")
        #expect(lines.count > 100)
        var problems: [String] = []
        for line in lines {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let fields = Self.leaves(document)
            problems += fields.compactMap { table.problem($0.0, $0.1) }
            let names = Set(fields.map(\.0))
            for required in ["@timestamp", "message", "ecs.version", "event.kind", "event.category", "event.severity", "rule.id", "rule.name", "rule.ruleset"] {
                if !names.contains(required) { problems.append("\(required) missing") }
            }
            if (document["event"] as? [String: Any])?["kind"] as? String != "alert" { problems.append("event.kind is not alert") }
        }
        #expect(problems.isEmpty, "\(Set(problems).sorted().prefix(20))")
    }

    /// The table check can fail: a wrong type, a field ECS lacks and a value outside the
    /// allowed ones are each caught.
    @Test func tableCatchesMistakes() throws {
        let table = try ECSFieldTable()
        #expect(table.problem("event.severity", "high") != nil)
        #expect(table.problem("event.kind", "finding") != nil)
        #expect(table.problem("rule.colour", "red") != nil)
        #expect(table.problem("ecs.version", ["8.11.0"]) != nil)
        #expect(table.problem("event.severity", 4) == nil)
        #expect(table.problem("@timestamp", "2025-03-06T02:00:00Z") == nil)
        #expect(table.problem("@timestamp", "2025-03-06T02:00:00.125Z") == nil)
        #expect(table.problem("@timestamp", "yesterday") != nil)
    }
}
