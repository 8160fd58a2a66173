import ArgumentParser
import ScamEngine
import ScamPacks

/// `scamflow flows`: list the flows in force, or draw them.
struct FlowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flows",
        abstract: "List the scam flows in force, explain them (--explain) or draw them (--graph mermaid|dot)."
    )

    @OptionGroup var packs: PackOptions

    @OptionGroup var packChecks: PackStrictness

    @Option(help: "Draw the flows: mermaid or dot.")
    var graph: String?

    @Flag(help: "Say what each flow does in words: its steps, conditions, captures, what ties its steps together, when it alerts.")
    var explain = false

    @Argument(help: "Flow ids to show (default: all).")
    var ids: [String] = []

    mutating func validate() throws {
        if let graph, !["mermaid", "dot"].contains(graph) { throw ValidationError("unknown --graph '\(graph)'; use mermaid or dot") }
    }

    func run() throws {
        let console = Console.shared
        let loaded = packs.load(strictPacks: packChecks.strict)
        for d in loaded.diagnostics where d.severity == .error { console.err("\(d)\n") }
        guard let ruleSet = loaded.ruleSet else { throw ExitCode(2) }
        PackLoading.warn(loaded)
        let flows = ruleSet.flows.filter { ids.isEmpty || ids.contains($0.id) }
        if !ids.isEmpty, flows.count != ids.count {
            let unknown = ids.filter { id in !flows.contains { $0.id == id } }
            console.err("scamflow: no flow with id \(unknown.joined(separator: ", ")); `scamflow flows` lists them\n")
            throw ExitCode(2)
        }
        if explain {
            console.out(flows.map { FlowExplainer.explain($0, pack: ruleSet.packs[$0.packIndex].manifest.label, values: ruleSet.values) }
                .joined(separator: "\n"))
            console.flush()
            return
        }
        switch graph {
        case "mermaid": console.out(FlowGraph.mermaid(flows, values: ruleSet.values))
        case "dot": console.out(FlowGraph.dot(flows, values: ruleSet.values))
        default:
            for flow in flows {
                let steps = flow.steps.map(\.name).joined(separator: " → ")
                console.out("\(flow.id)\t\(ruleSet.packs[flow.packIndex].manifest.label)\tmaxspan \(DurationText.format(flow.maxspan))\talert from step \(flow.alertFrom)\t\(steps)\n")
            }
        }
        console.flush()
        try PackStrictness.exitIfSetAside(loaded)
    }
}
