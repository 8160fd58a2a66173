import Foundation
import ScamPacks

/// Pictures of flows: Mermaid (renders in GitHub and most Markdown viewers) and Graphviz dot.
///
/// Each flow is a chain of steps; a node lists the signals that satisfy the step, an edge
/// carries the step's `within` and the values captured so far (`$pay_city`); steps from
/// `alert_from` on show the severity they raise; a step's `where` conditions (and `where_any`
/// alternatives) follow its signals, in the words of `flows --explain`.
public enum FlowGraph {
    public static func mermaid(_ flows: [CompiledFlow], values: ValueMap = ValueMap()) -> String {
        var s = "flowchart LR\n"
        for (f, flow) in flows.enumerated() {
            s += "  subgraph F\(f)[\"\(escape(flow.id)): \(escape(flow.title)) (maxspan \(DurationText.format(flow.maxspan)))\"]\n"
            for (i, step) in flow.steps.enumerated() {
                let conditions = where_(step, values).map { "<br/><i>" + escape($0) + "</i>" }.joined()
                s += "    F\(f)S\(i)[\"\(i + 1). \(escape(step.name))<br/>\(escape(label(step)))\(conditions)\(alertNote(flow, i, html: true))\"]\n"
            }
            for i in 1..<max(1, flow.steps.count) {
                let label = FlowExplainer.edgeLabel(flow, i).map { "|\(escape($0))|" } ?? ""
                s += "    F\(f)S\(i - 1) -->\(label) F\(f)S\(i)\n"
            }
            if !flow.until.isEmpty {
                s += "    F\(f)X((\"until: \(escape(flow.until.sorted().joined(separator: ", ")))\"))\n"
            }
            s += "  end\n"
        }
        return s
    }

    public static func dot(_ flows: [CompiledFlow], values: ValueMap = ValueMap()) -> String {
        var s = "digraph flows {\n  rankdir=LR;\n  node [shape=box, fontname=\"Noto Sans CJK SC\"];\n"
        for (f, flow) in flows.enumerated() {
            s += "  subgraph cluster_\(f) {\n    label=\"\(dotEscape(flow.id)): \(dotEscape(flow.title)) (maxspan \(DurationText.format(flow.maxspan)))\";\n"
            for (i, step) in flow.steps.enumerated() {
                let conditions = where_(step, values).map { "\\n" + dotEscape($0) }.joined()
                s += "    f\(f)s\(i) [label=\"\(i + 1). \(dotEscape(step.name))\\n\(dotEscape(label(step)))\(conditions)\(alertNote(flow, i, html: false))\"];\n"
            }
            for i in 1..<max(1, flow.steps.count) {
                let label = FlowExplainer.edgeLabel(flow, i).map { " [label=\"\(dotEscape($0))\"]" } ?? ""
                s += "    f\(f)s\(i - 1) -> f\(f)s\(i)\(label);\n"
            }
            s += "  }\n"
        }
        return s + "}\n"
    }

    static func label(_ step: CompiledFlow.Step) -> String {
        if let c = step.count { return "\(c.atLeast)× \(c.signal) within \(DurationText.format(c.within))" }
        return step.signals.sorted().joined(separator: " | ")
    }

    /// The step's conditions, a line each: `where amount at least 500`, `or city is 贵阳`.
    static func where_(_ step: CompiledFlow.Step, _ values: ValueMap) -> [String] {
        step.clauses.map { "where " + FlowExplainer.words($0, values) } + FlowExplainer.alternatives(step, values)
    }

    static func alertNote(_ flow: CompiledFlow, _ index: Int, html: Bool) -> String {
        guard index + 1 >= flow.alertFrom else { return "" }
        let note = "ALERT \(flow.severity(reached: index + 1).rawValue)"
        return html ? "<br/><b>\(note)</b>" : "\\n\(note)"
    }

    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "\"", with: "#quot;") }
    static func dotEscape(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
}
