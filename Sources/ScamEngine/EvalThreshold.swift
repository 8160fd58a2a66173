/// A quality bar for `scamflow eval --fail-under`: a metric, a limit, and the files and
/// category it applies to.
///
/// Written as comma-separated `key=value` pairs: `file=` and `category=` choose the slice, every
/// other key is a metric with its limit. `recall=0.9,false-alarm=0.005,spam=5%` bounds every
/// file; `file=mishra-soni-sms-phishing-5971,recall=0.8` one file (its name as given, its base
/// name, or its base name without the extension); `category=loan,recall=0.5` the `loan` records
/// of every file that has them; both keys together, one category of one file. Limits are
/// fractions (`0.005`) or percentages (`0.5%`). Recall and precision are floors (the value must
/// be at least the limit), false-alarm and spam rates are ceilings (at most the limit).
public struct EvalThreshold: Sendable, Hashable, CustomStringConvertible {
    public var file: String?
    public var category: String?
    public var metric: EvalMetric
    public var limit: Double

    public init(file: String? = nil, category: String? = nil, metric: EvalMetric, limit: Double) {
        self.file = file
        self.category = category
        self.metric = metric
        self.limit = limit
    }

    /// A spec that cannot be read, with the reason.
    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses one `--fail-under` value into one threshold per metric it names.
    public static func parse(_ spec: String) throws(ParseError) -> [EvalThreshold] {
        var file: String?, category: String?
        var limits: [(EvalMetric, Double)] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                throw ParseError(description: "'\(part)' is not key=value")
            }
            switch pair[0] {
            case "file": file = pair[1]
            case "category": category = pair[1]
            default:
                guard let metric = EvalMetric(rawValue: pair[0]) else {
                    let known = EvalMetric.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ParseError(description: "unknown metric '\(pair[0])'; use \(known) (or file=, category=)")
                }
                guard let value = parseLimit(pair[1]) else {
                    throw ParseError(description: "'\(pair[1])' is not a fraction from 0 to 1 or a percentage (for \(pair[0]))")
                }
                limits.append((metric, value))
            }
        }
        guard !limits.isEmpty else { throw ParseError(description: "'\(spec)' names no metric; e.g. recall=0.9,false-alarm=0.005") }
        return limits.map { EvalThreshold(file: file, category: category, metric: $0.0, limit: $0.1) }
    }

    static func parseLimit(_ text: String) -> Double? {
        let percent = text.hasSuffix("%")
        guard let number = Double(percent ? String(text.dropLast()) : text), number.isFinite else { return nil }
        let value = percent ? number / 100 : number
        return (0...1).contains(value) ? value : nil
    }

    /// Whether `path` is the file this threshold names (always, when it names none).
    public func applies(toFile path: String) -> Bool {
        guard let file else { return true }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let stem = base.split(separator: ".", omittingEmptySubsequences: false).dropLast().joined(separator: ".")
        return file == path || file == base || (!stem.isEmpty && file == stem)
    }

    /// `[file=x,category=y] recall >= 0.9`
    public var description: String {
        let scope = [file.map { "file=\($0)" }, category.map { "category=\($0)" }].compactMap { $0 }
        return (scope.isEmpty ? "" : "[" + scope.joined(separator: ",") + "] ") + "\(metric.rawValue) \(metric.isFloor ? ">=" : "<=") \(limit)"
    }
}

/// One threshold checked on one slice.
public struct ThresholdCheck: Sendable {
    public var threshold: EvalThreshold
    public var file: String
    public var category: String?
    /// The measured value; nil when the slice has nothing to measure it on (no spam, say).
    public var value: Double?

    /// Met, or not applicable (nothing to measure).
    public var passed: Bool {
        guard let value else { return true }
        // Rounding noise must not fail a bar met exactly (0.9 of 10 is 0.9).
        let epsilon = 1e-9
        return threshold.metric.isFloor ? value >= threshold.limit - epsilon : value <= threshold.limit + epsilon
    }
}

extension EvalThreshold {
    /// Checks every threshold on every slice it applies to.
    /// - Throws: when a threshold names a file or category that none of `files` has (a typo
    ///   must not pass a gate silently).
    public static func check(_ thresholds: [EvalThreshold], on files: [FileEvaluation]) throws(ParseError) -> [ThresholdCheck] {
        var checks: [ThresholdCheck] = []
        for threshold in thresholds {
            var matched = false
            for file in files where threshold.applies(toFile: file.file) {
                if let category = threshold.category {
                    guard let tally = file.categories[category] else { continue }
                    matched = true
                    checks.append(ThresholdCheck(threshold: threshold, file: file.file, category: category, value: tally.value(threshold.metric)))
                } else {
                    matched = true
                    checks.append(ThresholdCheck(threshold: threshold, file: file.file, category: nil, value: file.total.value(threshold.metric)))
                }
            }
            if !matched {
                let what = [threshold.file.map { "file '\($0)'" }, threshold.category.map { "category '\($0)'" }].compactMap { $0 }
                throw ParseError(description: "--fail-under \(threshold): no input has \(what.joined(separator: " with "))")
            }
        }
        return checks
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
