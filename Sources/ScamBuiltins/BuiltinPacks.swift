import Foundation
import ScamPacks

/// The packs shipped inside the binary: every folder of `Patterns/` at build time.
///
/// The contents come from `EmbeddedPacks.swift`, which the `EmbedPacks` build plugin writes from
/// `Patterns/`; editing a pack file and rebuilding is all it takes to ship a rule change.
public enum BuiltinPacks {
    /// The built-in packs, by folder name, each as its files.
    public static var all: [(name: String, files: [PackFile])] { embedded }

    /// Loads every built-in pack. Diagnostics name files as `Patterns/<pack>/...`.
    ///
    /// Packs are parsed on every core (YAML parsing is most of the start-up time), each on its
    /// own; the results come back in folder order.
    public static func load() -> [PackLoader.Result] {
        let packs = embedded
        let results = UnsafeMutableBufferPointer<PackLoader.Result?>.allocate(capacity: packs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let slots = Slots(results)
        DispatchQueue.concurrentPerform(iterations: packs.count) { i in
            slots.set(i, PackLoader.load(files: packs[i].files, root: "Patterns/\(packs[i].name)", origin: .builtin))
        }
        return results.map { $0! }
    }

    /// Distinct slots written by distinct threads (each index once), read after they all finish.
    private struct Slots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<PackLoader.Result?>
        init(_ buffer: UnsafeMutableBufferPointer<PackLoader.Result?>) { self.buffer = buffer }
        func set(_ i: Int, _ value: PackLoader.Result) { buffer[i] = value }
    }
}
