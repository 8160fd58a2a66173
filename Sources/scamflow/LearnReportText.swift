import Foundation
import ScamEngine
import ScamLearn

/// `scamflow learn`'s report: what was used, and how the model did out of fold (on training
/// records it was not trained on), alone and together with the rules, at a few thresholds:
/// what a pack author needs to write the fusion rule without looking at the validation split.
enum LearnReportText {
    static let thresholds = [0.5, 0.9, 0.97, 0.99]

    static func render(_ report: LearnReport, model: ModelFile) -> String {
        var out = "source                                        used  held out  scams  benign   spam  left out\n"
        for name in report.sources.keys.sorted() {
            let s = report.sources[name]!
            out += pad(name, 44) + num(s.used, 6) + num(s.heldOut, 10) + num(s.scams, 7) + num(s.benign, 8) + num(s.spam, 7) + num(s.ignored, 9) + "\n"
        }
        out += String(format: "\n%d features kept, %d weights (L1 set the rest to 0), calibration a=%.4f b=%.4f\n",
                      report.features, report.weights, report.calibration.a, report.calibration.b)
        guard !report.outOfFold.isEmpty else { return out + "no out-of-fold figures (--folds 0 or --update)\n" }
        out += "\nout of fold: recall / false alarms / spam flagged, by the model alone (p >= t) and with the rules (rules or p >= t)\n"
        var header = pad("source", 34) + pad("rules", 22)
        for t in thresholds { header += pad("p>=\(t)", 22) + pad("rules|p>=\(t)", 22) }
        out += header + "\n"
        for name in [nil] + report.sources.keys.sorted().map(Optional.some) {
            var line = pad(name ?? "all", 34) + pad(cell(report.tally(source: name) { $0.ruleFired }), 22)
            for t in thresholds {
                line += pad(cell(report.tally(source: name) { $0.probability >= t }), 22)
                line += pad(cell(report.tally(source: name) { $0.ruleFired || $0.probability >= t }), 22)
            }
            out += line + "\n"
        }
        return out
    }

    /// The fusion rule's outcome out of fold, per source: the rules alone, then rules and model
    /// as the rule decides, with how many scams it demoted and how many records it raised.
    static func fusion(_ report: LearnReport, _ model: CompiledModel) -> String {
        var out = "\nfusion rule out of fold: recall / false alarms / spam flagged\n"
        out += pad("source", 34) + pad("rules alone", 24) + pad("fused", 24) + "raised  demoted (of them scams)\n"
        for name in [nil] + report.sources.keys.sorted().map(Optional.some) {
            var raised = 0, demoted = 0, demotedScams = 0
            let fused = report.tally(source: name) { p in
                let (effect, _) = model.decide(p.facts, rulesFired: p.ruleFired)
                switch effect {
                case .raised, .raisedHigh: raised += 1; return true
                case .demoted:
                    if p.ruleFired { demoted += 1; if p.truth == .scam { demotedScams += 1 } }
                    return false
                case .none, .escalated: return p.ruleFired
                }
            }
            out += pad(name ?? "all", 34) + pad(cell(report.tally(source: name) { $0.ruleFired }), 24) + pad(cell(fused), 24)
                + "\(raised)  \(demoted) (\(demotedScams))\n"
        }
        return out
    }

    static func cell(_ t: EvalTally) -> String {
        func f(_ v: Double?, percent: Bool) -> String {
            guard let v else { return "-" }
            return percent ? String(format: "%.2f%%", v * 100) : String(format: "%.3f", v)
        }
        return "\(f(t.recall, percent: false)) \(f(t.falseAlarmRate, percent: true)) \(f(t.spamRate, percent: true))"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        let w = s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
        return s + String(repeating: " ", count: max(1, width - w))
    }

    static func num(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(1, width - s.count)) + s
    }
}
