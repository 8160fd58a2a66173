import ArgumentParser
import ScamPacks

/// `--packs` and `--no-builtin`: the packs a command runs besides (or instead of) the packs in
/// force. Declared once here for every command that loads packs (scan, stream, eval, learn,
/// flows, pack export, bench), so the flags read, mean and are documented the same everywhere.
///
/// `--no-builtin` also leaves out the installed packs (`PackLoading.load`'s `installed`
/// default), so `--no-builtin --packs DIR` means exactly the packs in DIR.
struct PackOptions: ParsableArguments {
    @Option(name: .customLong("packs"), help: ArgumentHelp(
        "Add a pack folder (or a folder of packs); overrides a built-in or installed pack of the same name. Repeatable.",
        valueName: "dir"))
    var directories: [String] = []

    @Flag(name: .customLong("no-builtin"), help: "Do not load the built-in packs (nor the installed ones: only the --packs folders).")
    var noBuiltin = false

    /// The packs these options name, loaded and compiled (see `PackLoading.load`).
    func load(installed: Bool? = nil, store: String? = nil, models: Bool = true, strictPacks: Bool = false,
              running: [PackSpec] = []) -> PackLoading.Loaded {
        PackLoading.load(builtin: !noBuiltin, directories: directories, installed: installed, store: store, models: models,
                         strictPacks: strictPacks, running: running)
    }
}
