import ScamPacks

/// The packs shipped inside the binary: every folder of `Patterns/` at build time.
///
/// The contents come from `EmbeddedPacks.swift`, which the `EmbedPacks` build plugin writes from
/// `Patterns/`; editing a pack file and rebuilding is all it takes to ship a rule change.
public enum BuiltinPacks {
    /// The built-in packs, by folder name, each as its files.
    public static var all: [(name: String, files: [PackFile])] { embedded }

    /// Loads every built-in pack. Diagnostics name files as `Patterns/<pack>/...`.
    public static func load() -> [PackLoader.Result] {
        embedded.map { PackLoader.load(files: $0.files, root: "Patterns/\($0.name)", origin: .builtin) }
    }
}
