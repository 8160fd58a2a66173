import Yams

/// Reads a YAML mapping into typed values, collecting diagnostics instead of throwing, so one
/// pass reports every problem in a file (like a compiler), each with its line.
struct NodeReader {
    let file: String
    let mapping: Node.Mapping
    let location: SourceLocation
    private(set) var diagnostics: [Diagnostic] = []
    private let context: String
    /// The mapping's values by key text (the first of a repeated key, as Yams' subscript).
    /// Yams' `mapping["key"]` builds a node for "key" and compares it with every key node,
    /// resolving both tags with a dozen NSRegularExpressions: half of the packs' load time.
    private let values: [String: Node]

    /// - Parameter context: what the mapping is, for messages ("rule", "pack.yaml").
    init(file: String, mapping: Node.Mapping, context: String) {
        self.file = file
        self.mapping = mapping
        self.context = context
        location = NodeReader.location(of: .mapping(mapping), in: file)
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            if let name = key.string, values[name] == nil { values[name] = value }
        }
        self.values = values
    }

    static func location(of node: Node, in file: String) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func location(of node: Node) -> SourceLocation { NodeReader.location(of: node, in: file) }

    /// Reports every key not in `allowed` as `SF104`, suggesting the closest allowed key.
    mutating func rejectUnknownKeys(allowed: [String], hints: [String: String] = [:]) {
        for (key, _) in mapping {
            guard let name = key.string, !allowed.contains(name) else { continue }
            var hint = hints[name] ?? ""
            if hint.isEmpty, let near = NodeReader.nearest(name, in: allowed) { hint = "did you mean `\(near)`?" }
            if hint.isEmpty { hint = "allowed keys: " + allowed.joined(separator: ", ") }
            diagnostics.append(Diagnostic(.unknownKey, at: location(of: key), "unknown key `\(name)` in \(context)", hint: hint))
        }
    }

    func node(_ key: String) -> Node? { values[key] }

    mutating func string(_ key: String, required: Bool) -> Located<String>? {
        guard let node = values[key] else {
            if required { missing(key) }
            return nil
        }
        guard case .scalar(let scalar) = node, node.null == nil || scalar.style != .plain else {
            diagnostics.append(Diagnostic(.wrongType, at: location(of: node), "`\(key)` must be a string",
                                          hint: "write it as a quoted string"))
            return nil
        }
        return Located(scalar.string, at: location(of: node))
    }

    mutating func bool(_ key: String) -> Located<Bool>? {
        guard let node = values[key] else { return nil }
        guard let value = node.bool else {
            diagnostics.append(Diagnostic(.wrongType, at: location(of: node), "`\(key)` must be true or false"))
            return nil
        }
        return Located(value, at: location(of: node))
    }

    mutating func int(_ key: String, required: Bool) -> Located<Int>? {
        guard let node = values[key] else {
            if required { missing(key) }
            return nil
        }
        guard let value = node.int else {
            diagnostics.append(Diagnostic(.wrongType, at: location(of: node), "`\(key)` must be an integer"))
            return nil
        }
        return Located(value, at: location(of: node))
    }

    /// A list of strings; a single string is accepted as a one-element list.
    mutating func strings(_ key: String, required: Bool) -> [Located<String>]? {
        guard let node = values[key] else {
            if required { missing(key) }
            return nil
        }
        if case .scalar(let scalar) = node { return [Located(scalar.string, at: location(of: node))] }
        guard case .sequence(let sequence) = node else {
            diagnostics.append(Diagnostic(.wrongType, at: location(of: node), "`\(key)` must be a list of strings"))
            return nil
        }
        var out: [Located<String>] = []
        for item in sequence {
            guard case .scalar(let scalar) = item else {
                diagnostics.append(Diagnostic(.wrongType, at: location(of: item), "items of `\(key)` must be strings"))
                continue
            }
            out.append(Located(scalar.string, at: location(of: item)))
        }
        return out
    }

    /// A map from language code to text; a plain string is stored under `fallbackLanguage`.
    mutating func localized(_ key: String, fallbackLanguage: String) -> [String: String] {
        guard let node = values[key] else { return [:] }
        switch node {
        case .scalar(let scalar):
            return [fallbackLanguage: scalar.string]
        case .mapping(let map):
            var out: [String: String] = [:]
            for (k, v) in map {
                guard let lang = k.string, case .scalar(let text) = v else {
                    diagnostics.append(Diagnostic(.wrongType, at: location(of: v), "`\(key)` entries must be `lang: text`"))
                    continue
                }
                out[lang] = text.string
            }
            return out
        default:
            diagnostics.append(Diagnostic(.wrongType, at: location(of: node), "`\(key)` must be a string or a map of language to string"))
            return [:]
        }
    }

    mutating func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    private mutating func missing(_ key: String) {
        diagnostics.append(Diagnostic(.missingField, at: location, "\(context) has no `\(key)`",
                                      hint: "add `\(key):` (see Patterns/README.md)"))
    }

    /// The allowed key within edit distance 2 of `name`, if any.
    static func nearest(_ name: String, in allowed: [String]) -> String? {
        allowed.map { ($0, editDistance(Array(name), Array($0))) }
            .filter { $0.1 <= 2 }
            .min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
