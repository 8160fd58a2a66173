import Foundation
import ScamPacks
import ScamStore
import Testing

/// A temporary folder with its own pack store and configuration (trusted keys, sources), for
/// running `scamflow pack ...` as an operator would, without touching the real ones.
struct PackWorkspace {
    let dir: URL
    var store: String { dir.appendingPathComponent("store").path }
    var config: String { dir.appendingPathComponent("config").path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-packs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    var environment: [String: String] {
        ["SCAMFLOW_STORE": store, "SCAMFLOW_CONFIG_DIR": config, "SCAMFLOW_HTTP_TIMEOUT": "10"]
    }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments, in: dir, stdin: stdin, environment: environment)
    }

    func path(_ relative: String) -> String { dir.appendingPathComponent(relative).path }

    /// A one-rule-per-phrase pack folder at `relative` (default: the pack's name).
    @discardableResult
    func writePack(_ name: String = "demo-otp", version: String, phrases: [String], idPrefix: String? = nil,
                   minEngine: String = "0.1.0", at relative: String? = nil) throws -> String {
        let folder = dir.appendingPathComponent(relative ?? name)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try "name: \(name)\nversion: \(version)\nmin_engine: \(minEngine)\nlanguages: [zh]\nthreshold: 60\n"
            .write(to: folder.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        try PackWorkspace.rules(phrases, idPrefix: idPrefix ?? name)
            .write(to: folder.appendingPathComponent("rules/r.yaml"), atomically: true, encoding: .utf8)
        return folder.path
    }

    static func rules(_ phrases: [String], idPrefix: String, pattern: ((String) -> String)? = nil) -> String {
        phrases.enumerated().map { i, phrase in
            """
            - id: \(idPrefix).r\(i)
              title: 暗号\(i)
              signal: request.sms_code
              match: '\(pattern?(phrase) ?? phrase)'
              score: 60
              examples:
                match: ['\(phrase)']
                no_match: ['今天天气不错']

            """
        }.joined()
    }

    /// Files and links of the store (or of another folder) with their contents (the lock file
    /// and an empty staging folder left aside): equal snapshots mean nothing in it changed.
    func snapshot(_ root: String? = nil) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ path: String, _ relative: String) {
            let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
            switch type {
            case .typeSymbolicLink?: out[relative] = "-> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
            case .typeDirectory?:
                let items = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                if relative == ".staging" && items.isEmpty { return }
                out[relative + "/"] = ""
                for item in items where item != ".lock" { walk(path + "/" + item, relative.isEmpty ? item : relative + "/" + item) }
            case .typeRegular?: out[relative] = Hashing.sha256Hex(FileManager.default.contents(atPath: path) ?? Data())
            case nil: return
            default: out[relative] = "?"
            }
        }
        walk(root ?? store, "")
        return out
    }

    /// A signing key whose public half is in the trust store.
    func trustedKey(_ name: String = "ops") throws -> SigningKey {
        let key = SigningKey.generate(name: name)
        try TrustStore(directory: config + "/trusted-keys").add(key.publicKey)
        return key
    }

    /// A bundle made directly (skipping `pack build`'s checks), as an attacker or a broken
    /// pipeline could, signed with `key` when given.
    func craft(name: String = "demo-otp", version: String, minEngine: String = "0.1.0", packYAML: String? = nil,
               rules: String, extraFiles: [PackFile] = [], key: SigningKey?) throws -> [UInt8] {
        let yaml = packYAML ?? "name: \(name)\nversion: \(version)\nmin_engine: \(minEngine)\nlanguages: [zh]\nthreshold: 60\n"
        var bundle = try PackBundle.build(name: name, version: version, minEngine: minEngine,
                                          files: [PackFile(path: "pack.yaml", contents: yaml), PackFile(path: "rules/r.yaml", contents: rules)]
                                              + extraFiles,
                                          builtWith: "test")
        if let key { bundle = try bundle.signed(with: key) }
        return bundle.encoded()
    }

    func write(_ bytes: [UInt8], to relative: String) throws -> String {
        let url = dir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url.path
    }

    func read(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: dir.appendingPathComponent(relative))) }

    /// `pack list --json`, one object per row.
    func list() throws -> [[String: Any]] {
        try run(["pack", "list", "--json"]).stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// The row in force for a pack name.
    func inForce(_ name: String) throws -> [String: Any]? {
        try list().first { $0["name"] as? String == name && $0["status"] as? String == "in force" }
    }
}
