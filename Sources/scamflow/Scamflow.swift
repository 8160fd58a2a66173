import ArgumentParser

/// The `scamflow` command: catch phone and payment scams in messages, transcripts and events.
@main
struct Scamflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scamflow",
        abstract: "Catch phone and payment scams in messages, call transcripts and device events.",
        discussion: """
        Exit codes: scan 0 = nothing found, 1 = alerts raised, 2 = error. pack: 0 = success, 2 = failure \
        (pack test: 1 = an example failed).
        """,
        version: "0.1.0",
        subcommands: [ScanCommand.self, StreamCommand.self, EvalCommand.self, PackCommand.self, FlowsCommand.self, NormalizeCommand.self]
    )
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}
