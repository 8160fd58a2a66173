import Foundation
import PackagePlugin

/// Embeds the packs under `Patterns/` into the `ScamBuiltins` target at build time, so the
/// `scamflow` binary carries its rules and works from any directory with no flags.
///
/// Every pack file is declared as an input, so editing a rule rebuilds the embedded copy.
@main
struct EmbedPacks: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let patterns = context.package.directoryURL.appending(path: "Patterns")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedPacks.swift")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: patterns, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where ["yaml", "yml", "jsonl", "sfmodel"].contains(url.pathExtension) {
                inputs.append(url)
            }
        }
        return [
            .buildCommand(
                displayName: "Embedding pattern packs from Patterns/",
                executable: try context.tool(named: "PackEmbedder").url,
                arguments: [patterns.path, output.path],
                inputFiles: inputs.sorted { $0.path < $1.path },
                outputFiles: [output]
            ),
        ]
    }
}
