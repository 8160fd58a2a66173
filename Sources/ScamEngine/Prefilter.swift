import Foundation
import ScamLiterals

/// The literal prefilter of a rule set: which rules can possibly match a normalized text.
///
/// Every rule's `match` pattern gets a `LiteralRequirement` (extracted from the pattern, or
/// stated by the rule's `prefilter:` key when extraction proves nothing). All their literals go
/// into one Aho-Corasick automaton; one pass over a text finds the literals present, and only the
/// rules whose requirement holds are candidates for PCRE2.
///
/// Invariant: a rule whose `match` pattern matches a normalized text is always among the
/// candidates of that text (requirements are sound), so running PCRE2 on the candidates only
/// gives the same hits as running every rule. Immutable: shared by every scanner thread; the
/// per-text state lives in a `Scratch`, one per thread.
public final class Prefilter: Sendable {
    /// Each rule's requirement, in rule order.
    public let requirements: [LiteralRequirement]
    /// The distinct literals, indexed like the automaton's patterns.
    public let literals: [[UInt8]]
    let automaton: AhoCorasick
    /// Rules that always run (nothing proven), as a bit set over rule indices.
    let alwaysMask: [UInt64]
    /// Leaves are the `anyOf` sets of the requirements; leaf `f` holds when one of its literals
    /// was found. The leaves of literal `l`: `leafList[leafStart[l] ..< leafStart[l + 1]]`.
    let leafStart: [Int32]
    let leafList: [Int32]
    /// The rule of each leaf, or -1 for a leaf that is not a trigger. A rule is evaluated only
    /// when one of its trigger leaves holds: triggers are leaves the rule cannot hold without
    /// (the rarest factor of an `all`, every branch of an `either`), so common literals that
    /// only complete a requirement do not cost an evaluation.
    let leafRule: [Int32]
    /// Each rule's requirement over leaves, as a small program in prefix form
    /// (`code[codeStart[rule]...]`): `leaf f`, `all n length p1...pn`, `either n length p1...pn`,
    /// `always`, where `length` is the size of the parts (to skip them once the result is known).
    let codeStart: [Int32]
    let code: [Int32]
    let ruleCount: Int

    let hot: Hot

    static let opAlways: Int32 = 0, opLeaf: Int32 = 1, opAll: Int32 = 2, opEither: Int32 = 3

    /// Number of rules that always run.
    public var alwaysCount: Int { alwaysMask.reduce(0) { $0 + $1.nonzeroBitCount } }
    /// Number of states of the automaton.
    public var stateCount: Int { automaton.stateCount }

    /// Each rule's `unless` program (`code[unlessStart[rule]...]`), or -1 when the rule has no
    /// `unless` or nothing is proven about it (it must run).
    let unlessStart: [Int32]

    /// - Parameters:
    ///   - patterns: each rule's `match` pattern as compiled (Han simplified).
    ///   - stated: each rule's `prefilter:` literals (used when nothing is proven).
    ///   - unless: each rule's `unless` pattern as compiled, if any: its literals ride along in
    ///     the same automaton, so an `unless` whose literals are absent is never run.
    ///   - literals: requirements worked out before (the packs' literal tables, see
    ///     `LiteralTable`); a pattern without an entry is extracted here.
    public init(patterns: [String], stated: [[String]], unless: [String?] = [], literals: LiteralTable = LiteralTable()) {
        // Packs repeat patterns (a shared `unless` in many rules): extract each once.
        var extracted: [String: LiteralRequirement] = [:]
        func requirement(of pattern: String) -> LiteralRequirement {
            if let known = literals.requirement(of: pattern) ?? extracted[pattern] { return known }
            let r = LiteralExtractor.requirement(of: pattern)
            extracted[pattern] = r
            return r
        }
        var requirements: [LiteralRequirement] = []
        for (i, pattern) in patterns.enumerated() {
            var requirement = requirement(of: pattern)
            if case .always = requirement, i < stated.count, !stated[i].isEmpty {
                requirement = LiteralExtractor.stated(stated[i])
            }
            requirements.append(requirement)
        }
        self.requirements = requirements
        ruleCount = patterns.count
        // Literals are short (cut to `LiteralExtractor.maxLiteralBytes`): index them packed.
        var index: [LiteralExtractor.PackedBytes: Int32] = [:]
        var longIndex: [[UInt8]: Int32] = [:]
        var literals: [[UInt8]] = []
        var leavesOf: [[Int32]] = []
        var leafRule: [Int32] = []
        var code: [Int32] = []
        /// Emits the program of `r`; returns its trigger leaves and how rare they are (the
        /// shortest literal among them, in bytes: longer is rarer).
        func emit(_ r: LiteralRequirement, rule: Int) -> (triggers: [Int32], rarity: Int) {
            switch r {
            case .always:
                code.append(Prefilter.opAlways)
                return ([], 0)
            case .anyOf(let list):
                let leaf = Int32(leafRule.count)
                leafRule.append(-1)
                code.append(Prefilter.opLeaf)
                code.append(leaf)
                for literal in list {
                    let packed = literal.count <= LiteralExtractor.PackedBytes.capacity
                        ? literal.withUnsafeBufferPointer { LiteralExtractor.PackedBytes($0, 0, literal.count) } : nil
                    let id: Int32
                    if let known = packed.flatMap({ index[$0] }) ?? (packed == nil ? longIndex[literal] : nil) {
                        id = known
                    } else {
                        id = Int32(literals.count)
                        if let packed { index[packed] = id } else { longIndex[literal] = id }
                        literals.append(literal)
                        leavesOf.append([])
                    }
                    if leavesOf[Int(id)].last != leaf { leavesOf[Int(id)].append(leaf) }
                }
                return ([leaf], list.map(\.count).min() ?? 0)
            case .all(let parts), .either(let parts):
                let isAll: Bool
                if case .all = r { isAll = true } else { isAll = false }
                code.append(isAll ? Prefilter.opAll : Prefilter.opEither)
                code.append(Int32(parts.count))
                let lengthAt = code.count
                code.append(0)
                let results = parts.map { emit($0, rule: rule) }
                code[lengthAt] = Int32(code.count - lengthAt - 1)
                if isAll {
                    return results.filter { !$0.triggers.isEmpty }
                        .max { ($0.rarity, -$0.triggers.count) < ($1.rarity, -$1.triggers.count) } ?? ([], 0)
                }
                if results.contains(where: { $0.triggers.isEmpty }) { return ([], 0) }
                return (results.flatMap(\.triggers), results.map(\.rarity).min() ?? 0)
            }
        }
        var codeStart: [Int32] = []
        var always = [UInt64](repeating: 0, count: (patterns.count + 63) / 64)
        for (rule, requirement) in requirements.enumerated() {
            codeStart.append(Int32(code.count))
            let (triggers, _) = emit(requirement, rule: rule)
            if triggers.isEmpty {
                always[rule >> 6] |= 1 << UInt64(rule & 63)
            }
            for leaf in triggers { leafRule[Int(leaf)] = Int32(rule) }
        }
        // `unless` programs: leaves that trigger nothing, evaluated only after a match.
        var unlessStart: [Int32] = []
        for rule in 0..<patterns.count {
            let requirement = rule < unless.count ? unless[rule].map(requirement(of:)) : nil
            guard let requirement, requirement != .always else {
                unlessStart.append(-1)
                continue
            }
            unlessStart.append(Int32(code.count))
            _ = emit(requirement, rule: rule)
        }
        self.unlessStart = unlessStart
        var leafStart: [Int32] = [0]
        var leafList: [Int32] = []
        for leaves in leavesOf {
            leafList += leaves
            leafStart.append(Int32(leafList.count))
        }
        self.literals = literals
        self.leafStart = leafStart
        self.leafList = leafList
        self.leafRule = leafRule
        self.codeStart = codeStart
        self.code = code
        self.alwaysMask = always
        self.automaton = AhoCorasick(literals)
        hot = Hot(alwaysMask: always, leafStart: leafStart, leafList: leafList, leafRule: leafRule, codeStart: codeStart, code: code,
                  unlessStart: unlessStart)
    }

    /// Per-thread working memory for `candidates`, sized once, so a text costs no allocation.
    public final class Scratch {
        let literalCount: Int
        let ruleCount: Int
        let words: Int
        let literalStamp: UnsafeMutablePointer<UInt32>
        let ruleStamp: UnsafeMutablePointer<UInt32>
        let leafCount: Int
        let leafStamp: UnsafeMutablePointer<UInt32>
        let found: UnsafeMutablePointer<Int32>
        let touched: UnsafeMutablePointer<Int32>
        let mask: UnsafeMutablePointer<UInt64>
        let candidates: UnsafeMutablePointer<Int32>
        var generation: UInt32 = 0

        public init(for prefilter: Prefilter) {
            literalCount = prefilter.literals.count
            ruleCount = prefilter.ruleCount
            words = prefilter.alwaysMask.count
            literalStamp = .allocate(capacity: max(1, literalCount))
            literalStamp.initialize(repeating: 0, count: max(1, literalCount))
            ruleStamp = .allocate(capacity: max(1, ruleCount))
            ruleStamp.initialize(repeating: 0, count: max(1, ruleCount))
            leafCount = prefilter.leafRule.count
            leafStamp = .allocate(capacity: max(1, leafCount))
            leafStamp.initialize(repeating: 0, count: max(1, leafCount))
            found = .allocate(capacity: max(1, literalCount))
            touched = .allocate(capacity: max(1, ruleCount))
            mask = .allocate(capacity: max(1, words))
            candidates = .allocate(capacity: max(1, ruleCount))
        }

        deinit {
            literalStamp.deallocate()
            ruleStamp.deallocate()
            leafStamp.deallocate()
            found.deallocate()
            touched.deallocate()
            mask.deallocate()
            candidates.deallocate()
        }
    }

    /// The candidate rules of `text` (normalized bytes), ascending. The buffer lives in
    /// `scratch` and is valid until its next use.
    public func candidates(in text: UnsafeBufferPointer<UInt8>, scratch: Scratch) -> UnsafeBufferPointer<Int32> {
        scratch.generation &+= 1
        if scratch.generation == 0 {
            // Wrapped: stale stamps could look current.
            scratch.literalStamp.update(repeating: 0, count: scratch.literalCount)
            scratch.ruleStamp.update(repeating: 0, count: scratch.ruleCount)
            scratch.leafStamp.update(repeating: 0, count: scratch.leafCount)
            scratch.generation = 1
        }
        let generation = scratch.generation
        var foundCount = 0
        automaton.collect(in: text, stamps: scratch.literalStamp, generation: generation, found: scratch.found, count: &foundCount)
        let mask = scratch.mask
        let hot = self.hot
        for w in 0..<scratch.words { mask[w] = hot.alwaysMask[w] }
        if foundCount > 0 {
            var touchedCount = 0
            for k in 0..<foundCount {
                let literal = Int(scratch.found[k])
                for i in Int(hot.leafStart[literal])..<Int(hot.leafStart[literal + 1]) {
                    let leaf = Int(hot.leafList[i])
                    scratch.leafStamp[leaf] = generation
                    let rule = hot.leafRule[leaf]
                    if rule >= 0 && scratch.ruleStamp[Int(rule)] != generation {
                        scratch.ruleStamp[Int(rule)] = generation
                        scratch.touched[touchedCount] = rule
                        touchedCount += 1
                    }
                }
            }
            for k in 0..<touchedCount {
                let rule = Int(scratch.touched[k])
                var pc = Int(hot.codeStart[rule])
                if Prefilter.holds(hot.code, &pc, scratch.leafStamp, generation) {
                    mask[rule >> 6] |= 1 << UInt64(rule & 63)
                }
            }
        }
        var n = 0
        for w in 0..<scratch.words {
            var bits = mask[w]
            while bits != 0 {
                scratch.candidates[n] = Int32(w << 6 | bits.trailingZeroBitCount)
                n += 1
                bits &= bits &- 1
            }
        }
        return UnsafeBufferPointer(start: scratch.candidates, count: n)
    }

    /// Whether the `unless` pattern of `rule` can match the text last passed to `candidates`
    /// with `scratch` (false only when its required literals are absent from that text).
    public func unlessMayMatch(_ rule: Int, scratch: Scratch) -> Bool {
        let start = hot.unlessStart[rule]
        guard start >= 0 else { return true }
        var pc = Int(start)
        return Prefilter.holds(hot.code, &pc, scratch.leafStamp, scratch.generation)
    }

    /// The tables `candidates` reads, behind plain pointers (no reference counting on the
    /// scanning threads); `storage` owns the memory.
    struct Hot: @unchecked Sendable {
        let storage: [FrozenStorage]
        let alwaysMask: UnsafePointer<UInt64>
        let leafStart: UnsafePointer<Int32>
        let leafList: UnsafePointer<Int32>
        let leafRule: UnsafePointer<Int32>
        let codeStart: UnsafePointer<Int32>
        let code: UnsafePointer<Int32>
        let unlessStart: UnsafePointer<Int32>

        init(alwaysMask: [UInt64], leafStart: [Int32], leafList: [Int32], leafRule: [Int32], codeStart: [Int32], code: [Int32],
             unlessStart: [Int32]) {
            let a = FrozenArray(alwaysMask), b = FrozenArray(leafStart), c = FrozenArray(leafList), d = FrozenArray(leafRule)
            let e = FrozenArray(codeStart), f = FrozenArray(code), g = FrozenArray(unlessStart)
            storage = [a, b, c, d, e, f, g]
            self.alwaysMask = a.pointer
            self.leafStart = b.pointer
            self.leafList = c.pointer
            self.leafRule = d.pointer
            self.codeStart = e.pointer
            self.code = f.pointer
            self.unlessStart = g.pointer
        }
    }

    /// Candidate rule indices of a normalized text, ascending (for tests and tools).
    public func candidates(in text: [UInt8]) -> [Int] {
        let scratch = Scratch(for: self)
        return text.withUnsafeBufferPointer { candidates(in: $0, scratch: scratch).map(Int.init) }
    }

    /// Evaluates the program at `pc` (advancing `pc` past it) against the leaves stamped with
    /// `generation`.
    static func holds(_ code: UnsafePointer<Int32>, _ pc: inout Int, _ leaves: UnsafePointer<UInt32>, _ generation: UInt32) -> Bool {
        let op = code[pc]
        if op == opLeaf { pc += 2; return leaves[Int(code[pc - 1])] == generation }
        if op == opAlways { pc += 1; return true }
        let n = Int(code[pc + 1])
        let end = pc + 3 + Int(code[pc + 2])
        pc += 3
        let all = op == opAll
        for _ in 0..<n where holds(code, &pc, leaves, generation) != all {
            // Decided: an `all` part failed, or an `either` part held.
            pc = end
            return !all
        }
        return all
    }
}

extension LiteralTable {
    /// `table` completed with the requirements of the `patterns` it lacks, extracted on up to
    /// four threads (a pack folder under development has no table; extraction of the built-in
    /// packs' 1,200 patterns is about 55 ms of CPU).
    static func completing(_ table: LiteralTable, with patterns: [String]) -> LiteralTable {
        var seen = Set<String>()
        let missing = patterns.filter { table.requirement(of: $0) == nil && seen.insert($0).inserted }
        guard !missing.isEmpty else { return table }
        let parts = min(4, missing.count)
        let found = UnsafeMutableBufferPointer<LiteralTable>.allocate(capacity: parts)
        found.initialize(repeating: LiteralTable())
        defer { found.deinitialize().deallocate() }
        let slots = TableSlots(found)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            slots.set(part, LiteralTable(extracting: stride(from: part, to: missing.count, by: parts).map { missing[$0] }))
        }
        var out = table
        for part in found { out.merge(part) }
        return out
    }

    /// Distinct slots written by distinct threads (each index once), read after they all finish.
    private struct TableSlots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<LiteralTable>
        init(_ buffer: UnsafeMutableBufferPointer<LiteralTable>) { self.buffer = buffer }
        func set(_ i: Int, _ value: LiteralTable) { buffer[i] = value }
    }
}
