import Foundation
import ScamPacks

/// The packs shipped inside the binary: every folder of `Patterns/` at build time.
///
/// The contents come from `EmbeddedPacks.swift`, which the `EmbedPacks` build plugin writes from
/// `Patterns/`; editing a pack file and rebuilding is all it takes to ship a rule change.
public enum BuiltinPacks {
    /// The built-in packs, by folder name, each as its files.
    public static var all: [(name: String, files: [PackFile])] { embedded.map { ($0.name, $0.files) } }

    /// Loads every built-in pack. Diagnostics name files as `Patterns/<pack>/...`.
    ///
    /// A pack that loaded without error when the binary was built is decoded from the spec the
    /// build plugin embedded (JSON, read by `SpecDecoder`: much faster than parsing its YAML
    /// again, or than `JSONDecoder`; the same spec, `BuiltinPackTests` checks it); any other, or
    /// one whose spec does not decode, is loaded from its files, so its
    /// diagnostics are reported as for a pack folder. Packs load on every core, each on its
    /// own; the results come back in folder order.
    public static func load() -> [PackLoader.Result] {
        let packs = embedded
        let results = UnsafeMutableBufferPointer<PackLoader.Result?>.allocate(capacity: packs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let slots = Slots(results)
        DispatchQueue.concurrentPerform(iterations: packs.count) { i in
            if let json = packs[i].spec, let spec = try? SpecDecoder.decode(PackSpec.self, from: json) {
                slots.set(i, PackLoader.Result(pack: spec, diagnostics: spec.warnings, partial: spec))
            } else {
                slots.set(i, loadFiles(i))
            }
        }
        return results.map { $0! }
    }

    /// Loads built-in pack `i` from its YAML files, as a pack folder is loaded.
    static func loadFiles(_ i: Int) -> PackLoader.Result {
        PackLoader.load(files: embedded[i].files, root: "Patterns/\(embedded[i].name)", origin: .builtin)
    }

    /// Distinct slots written by distinct threads (each index once), read after they all finish.
    private struct Slots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<PackLoader.Result?>
        init(_ buffer: UnsafeMutableBufferPointer<PackLoader.Result?>) { self.buffer = buffer }
        func set(_ i: Int, _ value: PackLoader.Result) { buffer[i] = value }
    }
}
