import Foundation

/// What a pattern's matches are proven to contain: the input of the literal prefilter.
///
/// Invariant (soundness): if the pattern matches anywhere in a text, the text satisfies the
/// requirement, where `.anyOf(L)` holds when some byte string of `L` occurs in the text, `.all`
/// when every part holds, `.either` when some part holds, and `.always` always holds. The
/// converse is not promised: a requirement that holds only says the pattern may match.
public indirect enum LiteralRequirement: Equatable, Sendable, CustomStringConvertible {
    /// Nothing is proven: the rule must always run.
    case always
    /// At least one of these UTF-8 byte strings occurs (never empty, no empty string).
    case anyOf([[UInt8]])
    /// Every part holds (concatenation: each required factor).
    case all([LiteralRequirement])
    /// At least one part holds (alternation: each branch's requirement).
    case either([LiteralRequirement])

    /// Whether the requirement keeps its invariants: no empty literal set, no empty literal, no
    /// empty `all` or `either` (what `LiteralTable` accepts from a pack; the fuzz target checks it).
    public var isWellFormed: Bool {
        switch self {
        case .always: return true
        case .anyOf(let literals): return !literals.isEmpty && literals.allSatisfy { !$0.isEmpty }
        case .all(let parts), .either(let parts): return !parts.isEmpty && parts.allSatisfy(\.isWellFormed)
        }
    }

    /// Every literal the requirement names.
    public var literals: [[UInt8]] {
        switch self {
        case .always: return []
        case .anyOf(let l): return l
        case .all(let parts), .either(let parts): return parts.flatMap(\.literals)
        }
    }

    public var description: String {
        switch self {
        case .always: return "always"
        case .anyOf(let l): return "{" + l.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "|") + "}"
        case .all(let p): return "all(" + p.map(\.description).joined(separator: ", ") + ")"
        case .either(let p): return "either(" + p.map(\.description).joined(separator: ", ") + ")"
        }
    }
}

/// Finds the literals a PCRE2 pattern requires, by parsing the pattern syntax conservatively.
///
/// Literal characters are exact; alternations give sets; parts that may be absent (`?`, `*`,
/// `{0,n}`) and character classes, `.` and class escapes give nothing; zero-width assertions
/// (`\b`, `^`, lookarounds) consume nothing and join the literals around them. Anything the
/// parser does not know (verbs, conditionals, `(?x)`, unusual escapes) makes the whole pattern
/// `.always`, so an unknown construct can cost speed, never a match.
///
/// Literals are computed on the pattern as compiled (Han already simplified) and compared with
/// normalized text, which is lowercase: under `(?i)` ASCII letters are lowercased and any other
/// cased letter gives nothing.
public enum LiteralExtractor {
    /// The version of what `requirement(of:)` returns: bump it with any change to the extraction
    /// or to its limits, so literal tables of older versions (`LiteralTable`) are not used.
    public static let version = 1
    /// Bounds that keep the sets small; exceeding one only weakens a requirement.
    static let maxSetSize = 64
    /// Concatenation stops multiplying sets beyond this: longer literals in bigger sets cost
    /// automaton states and filter little better.
    static let maxProductSize = 16
    static let maxExactBytes = 48
    /// Literals are cut to this many bytes: a prefix of a required string is required too.
    public static let maxLiteralBytes = 12

    /// The requirement of `pattern` (as compiled: Han already simplified).
    public static func requirement(of pattern: String) -> LiteralRequirement {
        var parser = Parser(Array(pattern.unicodeScalars))
        do {
            let node = try parser.parseAlternation()
            guard parser.atEnd else { return .always }
            return finished(node.requirement)
        } catch {
            return .always
        }
    }

    /// Literals one of which every match of `pattern` starts with (after any zero-width
    /// assertion: `\b`, lookarounds), cut to `maxLiteralBytes`; nil when the parser cannot
    /// prove such a set (a pattern that starts with `.`, a class escape, an optional piece, or
    /// that may match the empty string).
    ///
    /// Invariant (soundness): a match of the pattern in normalized text starts where one of
    /// these occurs, so trying the pattern anchored only at their occurrences finds every match
    /// an unanchored search finds (what `CueFinder` relies on). Same assumptions as
    /// `requirement(of:)`: Han simplified, ASCII lowercase.
    public static func startLiterals(of pattern: String) -> [[UInt8]]? {
        var parser = Parser(Array(pattern.unicodeScalars))
        guard let node = try? parser.parseAlternation(), parser.atEnd, let starts = node.starts, !starts.isEmpty,
              starts.count <= maxStartLiterals else { return nil }
        let cut = starts.map { $0.count > maxLiteralBytes ? Array($0.prefix(maxLiteralBytes)) : $0 }
        guard cut.allSatisfy({ !$0.isEmpty }) else { return nil }
        return unique(cut)
    }

    /// Start literal sets larger than this are not worth an automaton: nil instead.
    static let maxStartLiterals = 256

    /// The requirement stated by a rule's `prefilter:` key: at least one of `literals` occurs in
    /// the normalized text (lowercased, Han simplified like the patterns).
    public static func stated(_ literals: [String]) -> LiteralRequirement {
        let bytes = literals.map { Array(TraditionalToSimplified.simplify($0).lowercased().utf8) }
        return finished(clause(bytes))
    }

    // MARK: - Combining

    /// What the parser knows about one piece of a pattern.
    struct Node {
        /// Every string the piece can match, when that set is finite and small.
        var exact: [[UInt8]]?
        /// What any match of the piece contains, when `exact` is nil.
        var inexact: LiteralRequirement
        /// Strings one of which every match of the piece starts with (none empty), when known.
        var starts: [[UInt8]]?

        static let unknown = Node(exact: nil, inexact: .always)
        static let empty = Node(exact: [[]])

        init(exact: [[UInt8]]?, inexact: LiteralRequirement, starts: [[UInt8]]? = nil) {
            self.exact = exact
            self.inexact = inexact
            self.starts = exact.map(Node.startsOf) ?? starts
        }

        init(exact: [[UInt8]]) {
            self.exact = exact
            self.inexact = .always
            self.starts = Node.startsOf(exact)
        }

        /// An exact set is its own start set, unless it holds the empty string.
        static func startsOf(_ exact: [[UInt8]]) -> [[UInt8]]? { exact.contains { $0.isEmpty } ? nil : exact }

        /// Whether the piece matches only the empty string (a zero-width assertion).
        var isZeroWidth: Bool { exact.map { $0.count == 1 && $0[0].isEmpty } ?? false }

        /// What any match of the piece contains (computed only when a factor is final).
        var requirement: LiteralRequirement { exact.map(LiteralExtractor.clause) ?? inexact }
    }

    /// A requirement from a set of strings one of which occurs: cut, minimized, and nothing
    /// when a string is empty.
    static func clause(_ strings: [[UInt8]]) -> LiteralRequirement {
        if strings.isEmpty || strings.contains(where: { $0.isEmpty }) { return .always }
        if strings.count == 1 { return .anyOf([strings[0].count > maxLiteralBytes ? Array(strings[0].prefix(maxLiteralBytes)) : strings[0]]) }
        let cut = strings.map { $0.count > maxLiteralBytes ? Array($0.prefix(maxLiteralBytes)) : $0 }
        return .anyOf(unique(cut))
    }

    /// Minimizes every literal set once the whole pattern is known (not at every level).
    static func finished(_ r: LiteralRequirement) -> LiteralRequirement {
        switch r {
        case .always: return .always
        case .anyOf(let l): return .anyOf(minimize(l))
        case .all(let p): return .all(p.map(finished))
        case .either(let p): return .either(p.map(finished))
        }
    }

    /// Drops strings that contain another string of the set: if the longer occurs, so does the
    /// shorter. Sorted for a stable result.
    /// Shorter first, then by bytes: a cheap total order (no hashing of byte arrays).
    static func shorterFirst(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a.count != b.count { return a.count < b.count }
        if a.isEmpty { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) < 0 } }
    }

    /// The distinct strings of `strings`, shorter first.
    static func unique(_ strings: [[UInt8]]) -> [[UInt8]] {
        if strings.count <= 1 { return strings }
        var out: [[UInt8]] = []
        out.reserveCapacity(strings.count)
        for s in strings.sorted(by: shorterFirst) where out.last != s { out.append(s) }
        return out
    }

    static func minimize(_ strings: [[UInt8]]) -> [[UInt8]] {
        if strings.count <= 1 { return strings }
        let sorted = strings.sorted(by: shorterFirst)
        // Kept strings by packed value, so each new string checks its substrings by lookup
        // (literals are at most `maxLiteralBytes` long; longer ones fall back to a scan).
        var keptKeys = Set<PackedBytes>()
        var keptLengths: [Int] = []
        var kept: [[UInt8]] = []
        for s in sorted {
            if let last = kept.last, last == s { continue }
            var covered = false
            // Only a strictly shorter string can be inside `s` (an equal one was skipped above);
            // `kept` is sorted shorter first.
            let shorter = kept.firstIndex { $0.count >= s.count } ?? kept.count
            if shorter == 0 {
                covered = false
            } else if shorter < 48 {
                // Few candidates: scanning them is cheaper than hashing substrings.
                covered = kept[..<shorter].contains { contains(s, $0) }
            } else if s.count <= PackedBytes.capacity {
                if keptKeys.isEmpty {
                    // Many candidates: from now on, look substrings up.
                    for k in kept where k.count <= PackedBytes.capacity {
                        _ = k.withUnsafeBufferPointer { keptKeys.insert(PackedBytes($0, 0, k.count)) }
                        if !keptLengths.contains(k.count) { keptLengths.append(k.count) }
                    }
                }
                s.withUnsafeBufferPointer { b in
                    for l in keptLengths where l < b.count {
                        for start in 0...(b.count - l) where keptKeys.contains(PackedBytes(b, start, l)) {
                            covered = true
                            return
                        }
                    }
                }
            } else {
                covered = kept.contains { contains(s, $0) }
            }
            guard !covered else { continue }
            kept.append(s)
            // (Strings too long to pack are not looked up: keeping a few redundant ones is harmless.)
            if !keptKeys.isEmpty && s.count <= PackedBytes.capacity {
                _ = s.withUnsafeBufferPointer { keptKeys.insert(PackedBytes($0, 0, s.count)) }
                if !keptLengths.contains(s.count) { keptLengths.append(s.count) }
            }
        }
        return kept.sorted(by: lexicographic)
    }

    /// Byte order, a prefix before its extensions (what `lexicographicallyPrecedes` gives),
    /// without the generic overhead.
    static func lexicographic(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in memcmp(x.baseAddress!, y.baseAddress!, n) } }
            if c != 0 { return c < 0 }
        }
        return a.count < b.count
    }

    /// Up to 16 bytes and their length packed into two words: a hashable key without allocation.
    public struct PackedBytes: Hashable, Sendable {
        public static let capacity = 15
        var low: UInt64 = 0
        var high: UInt64 = 0

        public init(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) {
            for k in 0..<length {
                let v = UInt64(b[start + k])
                if k < 8 { low |= v << UInt64(8 * k) } else { high |= v << UInt64(8 * (k - 8)) }
            }
            high |= UInt64(length) << 56
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    static func utf8(_ c: Unicode.Scalar) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4)
        UTF8.encode(c) { out.append($0) }
        return out
    }

    static func product(_ a: [[UInt8]], _ b: [[UInt8]]) -> [[UInt8]]? {
        guard a.count * b.count <= maxProductSize || a.count == 1 || b.count == 1 && a.count <= maxSetSize else { return nil }
        if b.count == 1 {
            // The common case, one more literal character: extend in place.
            let tail = b[0]
            if tail.isEmpty { return a }
            var out = a
            for k in out.indices {
                guard out[k].count + tail.count <= maxExactBytes else { return nil }
                out[k] += tail
            }
            return out
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(a.count * b.count)
        for x in a {
            for y in b {
                guard x.count + y.count <= maxExactBytes else { return nil }
                out.append(x + y)
            }
        }
        return unique(out)
    }

    /// Concatenation: runs of exact pieces multiply into longer literals; every run and every
    /// inexact piece is a factor that any match contains.
    static func sequence(_ items: [Node]) -> Node {
        if items.isEmpty { return .empty }
        if items.count == 1 { return items[0] }
        var factors: [LiteralRequirement] = []
        var run: [[UInt8]]? = [[]]
        var exact = true
        for item in items {
            if let e = item.exact {
                if let r = run, let joined = product(r, e) {
                    run = joined
                } else {
                    if let r = run { factors.append(clause(r)) }
                    run = e
                    exact = false
                }
            } else {
                exact = false
                if let r = run { factors.append(clause(r)) }
                run = nil
                factors.append(item.requirement)
            }
        }
        if let r = run { factors.append(clause(r)) }
        if exact, let r = run { return Node(exact: r) }
        // A match starts with a match of the first piece that consumes text.
        let starts = items.first { !$0.isZeroWidth }?.starts
        return Node(exact: nil, inexact: all(factors), starts: starts)
    }

    /// Alternation: a match matches one branch, so it contains what that branch requires.
    static func alternation(_ branches: [Node]) -> Node {
        if branches.count == 1 { return branches[0] }
        if branches.allSatisfy({ $0.exact != nil }) {
            let union = unique(branches.flatMap { $0.exact! })
            if union.count <= maxSetSize { return Node(exact: union) }
        }
        var starts: [[UInt8]]? = []
        for branch in branches {
            guard let s = branch.starts, let all = starts else { starts = nil; break }
            starts = all + s
        }
        return Node(exact: nil, inexact: either(branches.map(\.requirement)), starts: starts.map(unique))
    }

    /// A quantified piece: nothing when it may be absent; its own requirement when it must occur.
    static func repeated(_ node: Node, min: Int, max: Int?) -> Node {
        if min == 0 {
            if max == 1, let e = node.exact, e.count < maxSetSize {
                return Node(exact: unique(e + [[]]))
            }
            return .unknown
        }
        if let max, max == min, let e = node.exact, min <= 8 {
            var power: [[UInt8]]? = [[]]
            for _ in 0..<min { power = power.flatMap { product($0, e) } }
            if let power { return Node(exact: power) }
        }
        return Node(exact: nil, inexact: node.requirement, starts: node.starts)
    }

    static func all(_ parts: [LiteralRequirement]) -> LiteralRequirement {
        var flat: [LiteralRequirement] = []
        for part in parts {
            switch part {
            case .always: continue
            case .all(let inner): flat += inner
            default: if !flat.contains(part) { flat.append(part) }
            }
        }
        // A factor of one- or two-byte literals ("a", "ge") is too common to filter much and
        // costs an automaton match at almost every position: keep it only when nothing
        // stronger is required.
        if flat.count > 1 {
            let strong = flat.filter { if case .anyOf(let l) = $0 { return l.allSatisfy { $0.count > 2 } } else { return true } }
            if !strong.isEmpty { flat = strong }
        }
        switch flat.count {
        case 0: return .always
        case 1: return flat[0]
        default: return .all(flat)
        }
    }

    static func either(_ parts: [LiteralRequirement]) -> LiteralRequirement {
        var literals: [[UInt8]] = []
        var others: [LiteralRequirement] = []
        for part in parts {
            switch part {
            case .always: return .always
            case .anyOf(let l): literals += l
            case .either(let inner):
                for p in inner {
                    if case .anyOf(let l) = p { literals += l } else { others.append(p) }
                }
            case .all: others.append(part)
            }
        }
        var out = others
        if !literals.isEmpty { out.insert(.anyOf(unique(literals)), at: 0) }
        return out.count == 1 ? out[0] : .either(out)
    }

    // MARK: - Parsing

    struct Unsupported: Error {}

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var caseless = false
        var depth = 0

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        var atEnd: Bool { i >= s.count }
        func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

        mutating func next() throws -> Unicode.Scalar {
            guard i < s.count else { throw Unsupported() }
            defer { i += 1 }
            return s[i]
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            guard try next() == c else { throw Unsupported() }
        }

        mutating func parseAlternation() throws -> Node {
            depth += 1
            defer { depth -= 1 }
            guard depth < 200 else { throw Unsupported() }
            var branches = [try parseSequence()]
            while peek() == "|" {
                i += 1
                branches.append(try parseSequence())
            }
            return LiteralExtractor.alternation(branches)
        }

        mutating func parseSequence() throws -> Node {
            var items: [Node] = []
            // Plain characters not followed by a quantifier gather here (most of a pattern).
            var text: [UInt8] = []
            while let c = peek(), c != "|", c != ")" {
                if Parser.isPlain(c), !(peek(1).map(Parser.isQuantifier) ?? false), !caseless || c.isASCII {
                    if caseless, c.value >= 0x41, c.value <= 0x5A {
                        text.append(UInt8(c.value + 0x20))
                    } else {
                        UTF8.encode(c) { text.append($0) }
                    }
                    i += 1
                    continue
                }
                guard let atom = try parseAtom() else { continue }
                if !text.isEmpty { items.append(Node(exact: [text])); text = [] }
                items.append(try parseQuantifiers(atom))
            }
            if !text.isEmpty { items.append(Node(exact: [text])) }
            return LiteralExtractor.sequence(items)
        }

        static func isPlain(_ c: Unicode.Scalar) -> Bool {
            switch c {
            case "\\", "(", ")", "[", "]", ".", "^", "$", "|", "*", "+", "?", "{": return false
            default: return true
            }
        }

        static func isQuantifier(_ c: Unicode.Scalar) -> Bool { c == "?" || c == "*" || c == "+" || c == "{" }

        /// A group's body with the flags it started with restored at its end.
        mutating func group() throws -> Node {
            let saved = caseless
            defer { caseless = saved }
            let node = try parseAlternation()
            try expect(")")
            return node
        }

        mutating func parseQuantifiers(_ atom: Node) throws -> Node {
            var node = atom
            while let c = peek() {
                var bounds: (Int, Int?)
                switch c {
                case "?": bounds = (0, 1); i += 1
                case "*": bounds = (0, nil); i += 1
                case "+": bounds = (1, nil); i += 1
                case "{":
                    guard let b = try braces() else { return node }
                    bounds = b
                default: return node
                }
                // Lazy or possessive: same strings.
                if let m = peek(), m == "?" || m == "+" { i += 1 }
                node = LiteralExtractor.repeated(node, min: bounds.0, max: bounds.1)
            }
            return node
        }

        /// `{n}`, `{n,}` or `{n,m}`. Other uses of `{` are literal in some PCRE2 versions and
        /// quantifiers in others: unsupported.
        mutating func braces() throws -> (Int, Int?)? {
            var j = i + 1
            func number(_ j: inout Int) -> Int? {
                var n = 0, digits = 0
                while j < s.count, s[j].value >= 0x30, s[j].value <= 0x39 {
                    n = n * 10 + Int(s[j].value - 0x30); digits += 1; j += 1
                    if n > 100_000 { return nil }
                }
                return digits > 0 ? n : nil
            }
            guard let low = number(&j) else { throw Unsupported() }
            var high: Int? = low
            if j < s.count, s[j] == "," {
                j += 1
                high = number(&j)
            }
            guard j < s.count, s[j] == "}" else { throw Unsupported() }
            i = j + 1
            return (low, high)
        }

        mutating func parseAtom() throws -> Node? {
            let c = try next()
            switch c {
            case "(": return try parseGroup()
            case "[": return try parseClass()
            case ".": return .unknown
            case "^", "$": return .empty
            case "\\": return try parseEscape()
            case "*", "+", "?", "{", ")": throw Unsupported()
            default: return literal(c)
            }
        }

        func literal(_ c: Unicode.Scalar) -> Node {
            if caseless {
                if c.isASCII {
                    let v = UInt8(c.value)
                    return Node(exact: [[v >= 0x41 && v <= 0x5A ? v + 0x20 : v]])
                }
                if c.properties.changesWhenCaseMapped { return .unknown }
            }
            return Node(exact: [LiteralExtractor.utf8(c)])
        }

        mutating func parseGroup() throws -> Node? {
            guard peek() == "?" else {
                if peek() == "*" { throw Unsupported() }  // verbs, alpha assertions
                return try group()
            }
            i += 1
            let c = try next()
            switch c {
            case "#":
                while let d = peek(), d != ")" { i += 1 }
                try expect(")")
                return nil
            case ":", ">", "|":
                return try group()
            case "=", "!":
                _ = try group()
                return .empty
            case "<":
                if let d = peek(), d == "=" || d == "!" {
                    i += 1
                    _ = try group()
                    return .empty
                }
                try skipName(until: ">")
                return try group()
            case "'":
                try skipName(until: "'")
                return try group()
            case "P":
                let d = try next()
                if d == "<" { try skipName(until: ">"); return try group() }
                // (?P=name) back reference, (?P>name) subroutine call: unknown text.
                while let e = peek(), e != ")" { i += 1 }
                try expect(")")
                return .unknown
            case "R", "&", "+":
                // (?R) recursion, (?&name) and (?+1) subroutine calls: unknown text.
                while let e = peek(), e != ")" { i += 1 }
                try expect(")")
                return .unknown
            case "-" where peek().map({ $0.properties.numericType == .decimal }) ?? false:
                // (?-1) relative subroutine call (not (?-i), which unsets a flag).
                while let e = peek(), e != ")" { i += 1 }
                try expect(")")
                return .unknown
            default:
                if c.properties.numericType == .decimal {
                    while let e = peek(), e != ")" { i += 1 }
                    try expect(")")
                    return .unknown
                }
                // Option settings: (?i) for the rest of the group, (?i:...) for a group.
                i -= 1
                var on = true
                var newCaseless = caseless
                while let f = peek(), f != ")" && f != ":" {
                    i += 1
                    switch f {
                    case "-": on = false
                    case "^": newCaseless = false
                    case "i": newCaseless = on
                    case "m", "s", "n", "U", "J": break
                    default: throw Unsupported()  // x, xx and anything unknown
                    }
                }
                if try next() == ")" {
                    caseless = newCaseless
                    return nil
                }
                let saved = caseless
                caseless = newCaseless
                defer { caseless = saved }
                let node = try parseAlternation()
                try expect(")")
                return node
            }
        }

        mutating func skipName(until end: Unicode.Scalar) throws {
            while let c = peek(), c != end { i += 1 }
            try expect(end)
        }

        mutating func parseEscape() throws -> Node? {
            let c = try next()
            switch c {
            case "d", "D", "w", "W", "s", "S", "h", "H", "v", "V", "R", "X", "C":
                return .unknown
            case "N":
                if peek() == "{" { throw Unsupported() }
                return .unknown
            case "p", "P":
                if peek() == "{" { try skipName(until: "}") } else { _ = try next() }
                return .unknown
            case "b", "B", "A", "z", "Z", "G", "K":
                return .empty
            case "Q":
                var items: [Node] = []
                while i < s.count {
                    if s[i] == "\\", peek(1) == "E" { i += 2; break }
                    items.append(literal(s[i]))
                    i += 1
                }
                return LiteralExtractor.sequence(items)
            case "E":
                return nil
            case "g", "k":
                // Back references and subroutine calls: unknown text.
                if let d = peek(), d == "{" || d == "<" || d == "'" {
                    i += 1
                    try skipName(until: d == "{" ? "}" : d == "<" ? ">" : "'")
                } else {
                    if peek() == "-" || peek() == "+" { i += 1 }
                    while let d = peek(), d.isASCII, d.properties.numericType == .decimal { i += 1 }
                }
                return .unknown
            case "1"..."9":
                // A back reference (or an octal escape): unknown either way.
                while let d = peek(), d.isASCII, d.properties.numericType == .decimal { i += 1 }
                return .unknown
            default:
                guard let scalar = try escapedScalar(c) else { throw Unsupported() }
                return literal(scalar)
            }
        }

        /// The character an escape stands for, when it stands for one.
        mutating func escapedScalar(_ c: Unicode.Scalar) throws -> Unicode.Scalar? {
            switch c {
            case "n": return "\n"
            case "t": return "\t"
            case "r": return "\r"
            case "f": return "\u{0C}"
            case "e": return "\u{1B}"
            case "a": return "\u{07}"
            case "0":
                var v: UInt32 = 0, n = 0
                while n < 2, let d = peek(), let o = octal(d) { v = v * 8 + o; i += 1; n += 1 }
                return Unicode.Scalar(v)
            case "o":
                try expect("{")
                var v: UInt32 = 0
                while let d = peek(), d != "}" { guard let o = octal(d) else { throw Unsupported() }; v = v * 8 + o; i += 1 }
                try expect("}")
                return Unicode.Scalar(v)
            case "x":
                var v: UInt32 = 0
                if peek() == "{" {
                    i += 1
                    while let d = peek(), d != "}" { guard let h = hex(d) else { throw Unsupported() }; v = v * 16 + h; i += 1 }
                    try expect("}")
                } else {
                    var n = 0
                    while n < 2, let d = peek(), let h = hex(d) { v = v * 16 + h; i += 1; n += 1 }
                }
                return Unicode.Scalar(v)
            case "c":
                let d = try next()
                guard d.isASCII else { throw Unsupported() }
                let upper = d.value >= 0x61 && d.value <= 0x7A ? d.value - 0x20 : d.value
                return Unicode.Scalar(upper ^ 0x40)
            default:
                // An escaped non-alphanumeric character is itself.
                if c.isASCII, !c.properties.isAlphabetic, c.properties.numericType == nil { return c }
                if !c.isASCII { return c }
                return nil
            }
        }

        func octal(_ c: Unicode.Scalar) -> UInt32? { c.value >= 0x30 && c.value <= 0x37 ? c.value - 0x30 : nil }
        func hex(_ c: Unicode.Scalar) -> UInt32? {
            switch c.value {
            case 0x30...0x39: return c.value - 0x30
            case 0x41...0x46: return c.value - 0x41 + 10
            case 0x61...0x66: return c.value - 0x61 + 10
            default: return nil
            }
        }

        /// A character class: a small set of literal characters is exact; anything else
        /// (ranges, negation, class escapes, POSIX names) is unknown.
        mutating func parseClass() throws -> Node {
            var chars: [Unicode.Scalar] = []
            var simple = true
            if peek() == "^" { i += 1; simple = false }
            var first = true
            while true {
                let c = try next()
                if c == "]" && !first { break }
                first = false
                switch c {
                case "[":
                    if peek() == ":" || peek() == "." || peek() == "=" {
                        let close = try next()
                        while !(peek() == close && peek(1) == "]") { _ = try next() }
                        i += 2
                        simple = false
                    } else {
                        chars.append(c)
                    }
                case "\\":
                    let e = try next()
                    switch e {
                    case "d", "D", "w", "W", "s", "S", "h", "H", "v", "V", "N", "R", "X":
                        simple = false
                    case "p", "P":
                        if peek() == "{" { try skipName(until: "}") } else { _ = try next() }
                        simple = false
                    case "b": chars.append("\u{08}")
                    case "Q", "E": throw Unsupported()
                    default:
                        guard let scalar = try escapedScalar(e) else { throw Unsupported() }
                        chars.append(scalar)
                    }
                case "-":
                    // A range unless first or last.
                    if !chars.isEmpty, peek() != "]" { simple = false }
                    chars.append(c)
                default:
                    chars.append(c)
                }
            }
            guard simple, !chars.isEmpty, chars.count <= 16 else { return .unknown }
            var set: [[UInt8]] = []
            for c in chars {
                let node = literal(c)
                guard let e = node.exact else { return .unknown }
                set += e
            }
            return Node(exact: unique(set))
        }
    }
}
