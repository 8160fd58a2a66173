import Foundation
import ArgumentParser
import ScamIO

/// The `scamflow` command: catch phone and payment scams in messages, transcripts and events.
@main
struct Scamflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scamflow",
        abstract: "Catch phone and payment scams in messages, call transcripts and device events.",
        discussion: """
        Exit codes: scan 0 = nothing found, 1 = alerts raised, 2 = error (nothing readable at all, or any input \
        problem with --strict), 3 = nothing found but an installed pack was broken and set aside (scan and eval). \
        eval 0 = every --fail-under met, 1 = one not met, 2 = error. pack: 0 = success, \
        2 = failure or refusal, the store unchanged (pack test: 1 = a failure, 2 = a pack does not load).
        """,
        version: AlertProducer.scamflow.version,
        subcommands: [ScanCommand.self, StreamCommand.self, EvalCommand.self, LearnCommand.self, PackCommand.self, FlowsCommand.self, NormalizeCommand.self,
                      BenchCommand.self, NATSCommand.self]
    )
}

extension Scamflow {
    /// Runs the command, mapping usage errors to exit code 2 (argument-parser uses 64): the
    /// documented codes are 0, 1 and 2 only.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data((message.isEmpty ? "" : message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
