import Foundation
import Testing
@testable import ScamPacks
@testable import ScamStore

/// The pack store: atomic installs, rollback, removal, integrity, and failures that change nothing.
@Suite struct PackStoreTests {
    let root: String
    let store: PackStore

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)/packs").path
        store = PackStore(root: root)
    }

    func bundle(_ version: String, phrase: String = "蓝鲸暗号") throws -> PackBundle {
        try PackBundle.build(name: "demo", version: version, minEngine: "0.1.0", files: [
            PackFile(path: "pack.yaml", contents: "name: demo\nversion: \(version)\nthreshold: 60\n"),
            PackFile(path: "rules/a.yaml", contents: "- {id: demo.a, title: A, signal: request.sms_code, match: '\(phrase)', score: 60, examples: {match: ['\(phrase)'], no_match: ['x']}}\n"),
        ], builtWith: "test")
    }

    func record(_ b: PackBundle) -> InstallRecord {
        InstallRecord(name: b.manifest.name, version: b.manifest.version, origin: "test", verdict: .unsigned, bundleSHA256: "")
    }

    @discardableResult
    func install(_ b: PackBundle) throws -> PackStore.InstallOutcome {
        try store.install(b, record: record(b)) { _ in }
    }

    /// Every file and link under the store except the lock, with contents.
    func snapshot() -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ path: String, _ relative: String) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            switch attributes?[.type] as? FileAttributeType {
            case .typeSymbolicLink?: out[relative] = "-> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
            case .typeDirectory?:
                out[relative + "/"] = ""
                for item in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where item != ".lock" {
                    walk(path + "/" + item, relative.isEmpty ? item : relative + "/" + item)
                }
            case .typeRegular?: out[relative] = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
            default: out[relative] = "?"
            }
        }
        walk(root, "")
        return out
    }

    @Test func installKeepsThePreviousVersionAndRollbackSwapsThem() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(store.generation() == "0")
        #expect(try install(bundle("1.0.0")) == .installed(replaced: nil))
        #expect(try install(bundle("1.1.0", phrase: "白鲸")) == .installed(replaced: "1.0.0"))
        #expect(try install(bundle("1.1.0", phrase: "白鲸")) == .alreadyActive)
        let entry = try #require(store.entry("demo"))
        #expect(entry.active?.version == "1.1.0")
        #expect(entry.previous?.version == "1.0.0")
        #expect(store.generation() == "2")

        let loaded = store.loadActive()
        #expect(loaded.count == 1)
        #expect(loaded[0].pack?.rules.first?.match.value == "白鲸")
        #expect(loaded[0].pack?.origin == .installed(root + "/demo/1.1.0"))

        let back = try store.rollback("demo")
        #expect(back.from == "1.1.0" && back.to == "1.0.0")
        #expect(store.loadActive()[0].pack?.manifest.version.description == "1.0.0")
        #expect(store.entry("demo")?.pinned == "1.0.0", "a rollback pins the version it puts back")
        let forth = try store.rollback("demo")
        #expect(forth.from == "1.0.0" && forth.to == "1.1.0", "a second rollback undoes the first")
        #expect(store.entry("demo")?.pinned == "1.1.0")

        // A third version: only the active and previous ones are kept, each with its bundle;
        // installing lifts the pin (it is a choice as explicit as the rollback).
        try install(bundle("1.2.0", phrase: "灰鲸"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root + "/demo"))
                == ["1.1.0", "1.1.0.sfpack", "1.2.0", "1.2.0.sfpack", "active", "previous"])
        #expect(store.entry("demo")?.pinned == nil)
        #expect(try FileManager.default.contents(atPath: root + "/demo/1.2.0.sfpack").map { try PackBundle.read(Array($0)).manifest.version } == "1.2.0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.staging").isEmpty)

        #expect(try store.remove("demo") == "1.2.0")
        #expect(store.entries().isEmpty)
        #expect(store.loadActive().isEmpty)
        #expect(throws: StoreError.self) { try store.remove("demo") }
        #expect(throws: StoreError.self) { try store.rollback("demo") }
    }

    @Test func unpinKeepsTheVersionInForceAndDoesNotAnnounceAChange() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try install(bundle("1.0.0"))
        try install(bundle("1.1.0", phrase: "白鲸"))
        try store.rollback("demo")
        let generation = store.generation()
        #expect(try store.unpin("demo") == "1.0.0")
        #expect(store.entry("demo")?.pinned == nil && store.entry("demo")?.active?.version == "1.0.0")
        #expect(store.generation() == generation, "what is in force did not change: running streams need not reload")
        #expect(try store.unpin("demo") == nil)
        #expect(throws: StoreError.self) { try store.unpin("other") }
    }

    @Test func installingTheSameBundleOverADamagedVersionRewritesOnlyWhatChanged() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let v1 = try bundle("1.0.0")
        try install(v1)
        let generation = store.generation()
        try Data("- {id: demo.a, title: A, signal: request.sms_code, match: 'x', score: 100}\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/demo/1.0.0/rules/a.yaml"))
        try Data("stray".utf8).write(to: URL(fileURLWithPath: root + "/demo/1.0.0/rules/extra.yaml"))
        let damaged = try #require(store.entry("demo")?.active)
        #expect(store.audit(damaged) == ["rules/a.yaml does not match its manifest (75 bytes, the manifest says 139 and another SHA-256)"])
        #expect(store.unlisted(damaged) == ["rules/extra.yaml"], "not damage: loading reads only the files listed")
        #expect(try install(v1) == .repaired(files: RestoredFiles(changed: ["rules/a.yaml"], removed: ["rules/extra.yaml"]), replaced: nil))
        #expect(store.audit(try #require(store.entry("demo")?.active)).isEmpty)
        #expect(store.loadActive().first?.pack != nil)
        #expect(Int(store.generation()) == Int(generation)! + 1, "the files in force changed: streams reload")
        #expect(try install(v1) == .alreadyActive)
    }

    @Test func aBrokenActiveVersionIsSetAsideAndThePreviousOneStandsIn() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try install(bundle("1.0.0"))
        try install(bundle("1.1.0", phrase: "白鲸"))
        try FileManager.default.removeItem(atPath: root + "/demo/1.1.0/rules/a.yaml")
        let load = store.loadInForce()
        #expect(load.results.map { $0.pack?.manifest.version.description } == ["1.0.0"])
        #expect(load.setAside.map { "\($0.name) \($0.version) \($0.previous ?? "-")" } == ["demo 1.1.0 1.0.0"])
        #expect(load.setAside.first?.diagnostics.first?.message.hasSuffix("rules/a.yaml is missing") == true)
        // A rollback to a damaged version is refused; the store says how to repair it.
        try FileManager.default.removeItem(atPath: root + "/demo/1.0.0/pack.yaml")
        #expect { try store.rollback("demo") } throws: { "\($0)".contains("pack repair") }
        #expect(store.loadInForce().results.isEmpty && store.loadInForce().setAside.first?.previous == nil)
    }

    @Test func aFailedValidationLeavesTheStoreAsItWas() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try install(bundle("1.0.0"))
        let before = snapshot()
        struct Nope: Error {}
        var staged: String?
        #expect(throws: Nope.self) {
            try store.install(try bundle("1.1.0"), record: record(try bundle("1.1.0"))) { folder in
                staged = folder
                // The unpacked files are there to check while validating.
                #expect(FileManager.default.fileExists(atPath: folder + "/rules/a.yaml"))
                throw Nope()
            }
        }
        #expect(staged != nil && !FileManager.default.fileExists(atPath: staged!))
        #expect(snapshot() == before)
    }

    @Test func aDifferentBuildOfAnInstalledVersionIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try install(bundle("1.0.0"))
        let before = snapshot()
        #expect { try install(bundle("1.0.0", phrase: "别的")) } throws: { "\($0)".contains("new version number") }
        #expect(snapshot() == before)
    }

    @Test func aStoreThatCannotBeWrittenIsReportedAndUntouched() throws {
        // Tests run as root, so permissions cannot stop a write: the store path is a file instead.
        let parent = (root as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: parent) }
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: root))
        #expect { try install(bundle("1.0.0")) } throws: { "\($0)".contains("cannot write to the pack store") && "\($0)".contains("Not a directory") }
        #expect(String(decoding: FileManager.default.contents(atPath: root)!, as: UTF8.self) == "not a folder")
        #expect(store.entries().isEmpty && store.loadActive().isEmpty)
    }

    @Test func filesChangedOnDiskStopThePackFromLoading() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try install(bundle("1.0.0"))
        try Data("- {id: demo.a, title: A, signal: request.sms_code, match: 'x', score: 100}\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/demo/1.0.0/rules/a.yaml"))
        let result = try #require(store.loadActive().first)
        #expect(result.pack == nil)
        #expect(result.diagnostics.first?.code == .unreadable)
        #expect(result.diagnostics.first?.message.contains("changed on disk") == true)
    }

    @Test func storeAndConfigFolderFollowFlagsThenEnvironmentThenXDG() {
        #expect(PackPaths.store("/s", environment: ["SCAMFLOW_STORE": "/e"]) == "/s")
        #expect(PackPaths.store(nil, environment: ["SCAMFLOW_STORE": "/e", "XDG_DATA_HOME": "/x"]) == "/e")
        #expect(PackPaths.store(nil, environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]) == "/x/scamflow/packs")
        #expect(PackPaths.store(nil, environment: ["HOME": "/h"]) == "/h/.local/share/scamflow/packs")
        #expect(PackPaths.store(nil, environment: ["XDG_DATA_HOME": "relative", "HOME": "/h"]) == "/h/.local/share/scamflow/packs",
                "a relative XDG_DATA_HOME is ignored, as the spec says")
        #expect(PackPaths.config(nil, environment: ["XDG_CONFIG_HOME": "/c"]) == "/c/scamflow")
        #expect(PackPaths.config(nil, environment: ["HOME": "/h"]) == "/h/.config/scamflow")
    }
}
