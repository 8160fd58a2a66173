/// A multi-pattern matcher over bytes: reports every pattern occurrence in one pass.
///
/// States are numbered breadth-first. The shallow states, where scanning spends nearly all its
/// time, have full rows (a transition for every byte class, failure transitions folded in), so
/// a byte costs one table load there; rows are kept to a budget so the hot table stays in the
/// CPU cache. Deeper states keep only their children and a failure link: a byte that leaves
/// the trie there follows failure links until a child matches or a shallow state takes over.
/// Bytes that occur in no pattern share one class. Immutable after construction: one
/// automaton serves any number of threads.
///
/// Invariants: a state number `s < denseCount` has its row at `dense[s * stride ..< (s + 1) *
/// stride]`; transition targets are encoded (see `denseLimit`) and carry `matchFlag` when the
/// target state ends a pattern; the patterns a state ends, including those that are proper
/// suffixes of its path, are `outputs[outputStart[s] ..< outputStart[s + 1]]`.
public struct AhoCorasick: @unchecked Sendable {
    static let matchFlag: UInt32 = 1 << 31
    static let stateMask: UInt32 = ~matchFlag
    /// Bytes of full rows at most (the rest of the states are sparse).
    static let denseBudget = 1 << 21

    // The tables, behind plain pointers: scanning threads read them without touching a
    // reference count (an array's count is shared, and two cores updating it slow each other).
    // `storage` owns the memory; nothing is written after `init`.
    private let storage: [FrozenStorage]
    /// Byte to class.
    let classOf: UnsafePointer<UInt8>
    /// Number of classes: the length of a full row.
    let stride: Int
    /// Number of states with a full row: the first ones, breadth-first.
    let denseCount: Int
    let dense: UnsafePointer<UInt32>
    /// Children of the sparse states, sorted by class: `childStart[s - denseCount] ..<
    /// childStart[s - denseCount + 1]`.
    let childStart: UnsafePointer<Int32>
    let childClass: UnsafePointer<UInt8>
    let childTarget: UnsafePointer<UInt32>
    /// Failure links of the sparse states (encoded), by `s - denseCount`.
    let fail: UnsafePointer<UInt32>
    /// Encoded states below this are full rows (`s * stride`); the others are sparse
    /// (`denseLimit + s - denseCount`).
    let denseLimit: Int
    let outputStart: UnsafePointer<Int32>
    let outputs: UnsafePointer<Int32>
    let outputCount: Int
    /// Number of patterns.
    public let patternCount: Int
    /// Number of states (trie nodes).
    public let stateCount: Int

    /// - Parameter patterns: non-empty byte strings; duplicates are allowed (each reported).
    public init(_ patterns: [[UInt8]]) {
        patternCount = patterns.count
        // Byte classes: one per byte used by a pattern, class 0 for every other byte.
        var classes = [UInt8](repeating: 0, count: 256)
        var used = [Bool](repeating: false, count: 256)
        for p in patterns { for b in p { used[Int(b)] = true } }
        var n = 1
        if used.filter({ $0 }).count >= 255 {
            for b in 0..<256 { classes[b] = UInt8(b) }
            n = 256
        } else {
            for b in 0..<256 where used[b] { classes[b] = UInt8(n); n += 1 }
        }
        stride = n

        // Trie: transitions in a hash map keyed by state and class; patterns ending at a state
        // chained through `nextEnd`.
        var edges: [Int: Int32] = [:]
        edges.reserveCapacity(patterns.reduce(0) { $0 + $1.count })
        var firstEnd: [Int32] = [-1]
        var nextEnd = [Int32](repeating: -1, count: patterns.count)
        for (index, p) in patterns.enumerated() where !p.isEmpty {
            var state = 0
            for b in p {
                let key = state << 8 | Int(classes[Int(b)])
                if let next = edges[key] {
                    state = Int(next)
                } else {
                    let next = firstEnd.count
                    edges[key] = Int32(next)
                    firstEnd.append(-1)
                    state = next
                }
            }
            nextEnd[index] = firstEnd[state]
            firstEnd[state] = Int32(index)
        }
        let count = firstEnd.count
        // Children of each trie state, sorted by class (CSR).
        var childCount = [Int32](repeating: 0, count: count + 1)
        for key in edges.keys { childCount[key >> 8] += 1 }
        var trieStart = [Int32](repeating: 0, count: count + 1)
        for s in 0..<count { trieStart[s + 1] = trieStart[s] + childCount[s] }
        var fill = trieStart
        var trieEdges = [(UInt8, Int32)](repeating: (0, 0), count: edges.count)
        for (key, child) in edges {
            let parent = key >> 8
            trieEdges[Int(fill[parent])] = (UInt8(key & 0xFF), child)
            fill[parent] += 1
        }
        for s in 0..<count where childCount[s] > 1 {
            trieEdges[Int(trieStart[s])..<Int(trieStart[s + 1])].sort { $0.0 < $1.0 }
        }

        // Breadth-first numbering: shallow states first.
        var order: [Int32] = [0]
        order.reserveCapacity(count)
        var head = 0
        while head < order.count {
            let s = Int(order[head])
            for e in Int(trieStart[s])..<Int(trieStart[s + 1]) { order.append(trieEdges[e].1) }
            head += 1
        }
        var id = [Int32](repeating: 0, count: count)
        for (new, old) in order.enumerated() { id[Int(old)] = Int32(new) }
        /// Children of the state numbered `u`, as (class, number).
        @inline(__always) func children(_ u: Int) -> ArraySlice<(UInt8, Int32)> {
            let old = Int(order[u])
            return trieEdges[Int(trieStart[old])..<Int(trieStart[old + 1])]
        }

        let denseCount = max(1, min(count, AhoCorasick.denseBudget / (n * 4)))
        var dense = [UInt32](repeating: 0, count: denseCount * n)
        var childStart: [Int32] = [0]
        var childClass: [UInt8] = []
        var childTarget: [UInt32] = []
        var failLink = [Int32](repeating: 0, count: count)
        var outputStart = [Int32](repeating: 0, count: count + 1)
        var outputs: [Int32] = []

        /// The transition from a completed state (used while building, on shallower states).
        func step(_ s: Int, _ c: UInt8) -> Int {
            var s = s
            while true {
                if s < denseCount { return Int(dense[s * n + Int(c)]) }
                if let hit = children(s).first(where: { $0.0 == c }) { return Int(id[Int(hit.1)]) }
                s = Int(failLink[s])
            }
        }

        // Breadth-first: a state's failure target is shallower, so it is complete before it.
        for (c, child) in children(0) { dense[Int(c)] = UInt32(id[Int(child)]) }
        for u in 0..<count {
            let f = Int(failLink[u])
            // Patterns ending here: its own, then those of its failure state (its suffixes).
            outputStart[u] = Int32(outputs.count)
            var e = firstEnd[Int(order[u])]
            while e >= 0 { outputs.append(e); e = nextEnd[Int(e)] }
            if u > 0 {
                // (Index by index: appending a slice of the array itself would copy it whole.)
                for k in Int(outputStart[f])..<Int(outputStart[f + 1]) { outputs.append(outputs[k]) }
            }
            if u > 0 {
                if u < denseCount {
                    // A full row: the failure state's row, with this state's children.
                    dense.withUnsafeMutableBufferPointer { d in
                        (d.baseAddress! + u * n).update(from: d.baseAddress! + f * n, count: n)
                        for (c, child) in children(u) { d[u * n + Int(c)] = UInt32(id[Int(child)]) }
                    }
                } else {
                    for (c, child) in children(u) {
                        childClass.append(c)
                        childTarget.append(UInt32(id[Int(child)]))
                    }
                    childStart.append(Int32(childClass.count))
                }
            }
            for (c, child) in children(u) { failLink[Int(id[Int(child)])] = u == 0 ? 0 : Int32(step(f, c)) }
            outputStart[u + 1] = Int32(outputs.count)
        }
        // Encode states for scanning: a full-row state as the offset of its row (no multiply
        // per byte), a sparse state after the last row; flag the targets that end a pattern.
        let denseLimit = denseCount * n
        func encode(_ s: Int) -> UInt32 {
            let v = UInt32(s < denseCount ? s * n : denseLimit + s - denseCount)
            return outputStart[s + 1] > outputStart[s] ? v | AhoCorasick.matchFlag : v
        }
        dense.withUnsafeMutableBufferPointer { d in for i in d.indices { d[i] = encode(Int(d[i])) } }
        for i in childTarget.indices { childTarget[i] = encode(Int(childTarget[i])) }
        let sparseFail = (denseCount..<max(denseCount, count)).map { encode(Int(failLink[$0])) & AhoCorasick.stateMask }
        self.denseCount = denseCount
        self.denseLimit = denseLimit
        stateCount = count
        outputCount = outputs.count
        let frozen: [FrozenStorage] = [FrozenArray(classes), FrozenArray(dense), FrozenArray(childStart), FrozenArray(childClass),
                                       FrozenArray(childTarget), FrozenArray(sparseFail), FrozenArray(outputStart), FrozenArray(outputs)]
        storage = frozen
        classOf = (frozen[0] as! FrozenArray<UInt8>).pointer
        self.dense = (frozen[1] as! FrozenArray<UInt32>).pointer
        self.childStart = (frozen[2] as! FrozenArray<Int32>).pointer
        self.childClass = (frozen[3] as! FrozenArray<UInt8>).pointer
        self.childTarget = (frozen[4] as! FrozenArray<UInt32>).pointer
        fail = (frozen[5] as! FrozenArray<UInt32>).pointer
        self.outputStart = (frozen[6] as! FrozenArray<Int32>).pointer
        self.outputs = (frozen[7] as! FrozenArray<Int32>).pointer
    }

    /// The state number of an encoded state.
    @inline(__always)
    func number(_ v: Int) -> Int { v < denseLimit ? v / stride : v - denseLimit + denseCount }

    /// Calls `body` with the index of every pattern occurrence in `bytes` (a pattern that
    /// occurs several times is reported each time), in order of where the occurrences end.
    public func forEachMatch(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        var state = 0
        for b in bytes {
            let next = transition(state, Int(classOf[Int(b)]))
            state = Int(next & AhoCorasick.stateMask)
            if next & AhoCorasick.matchFlag != 0 {
                let s = number(state)
                for k in Int(outputStart[s])..<Int(outputStart[s + 1]) { body(Int(outputs[k])) }
            }
        }
    }

    /// Calls `body` with the index of every pattern occurrence in `bytes` and the offset just
    /// past it, in order of where the occurrences end (like `forEachMatch`, which gives no
    /// offsets).
    @inline(__always)
    public func forEachOccurrence(in bytes: UnsafeBufferPointer<UInt8>, _ body: (_ pattern: Int, _ end: Int) -> Void) {
        guard outputCount > 0 else { return }
        var state = 0
        for i in 0..<bytes.count {
            let next = transition(state, Int(classOf[Int(bytes[i])]))
            state = Int(next & AhoCorasick.stateMask)
            if next & AhoCorasick.matchFlag != 0 {
                let s = number(state)
                for k in Int(outputStart[s])..<Int(outputStart[s + 1]) { body(Int(outputs[k]), i + 1) }
            }
        }
    }

    /// The target of encoded state `v` on class `c` (encoded, with `matchFlag`).
    @inline(__always)
    func transition(_ v: Int, _ c: Int) -> UInt32 {
        var v = v
        while v >= denseLimit {
            let k = v - denseLimit
            for i in Int(childStart[k])..<Int(childStart[k + 1]) where Int(childClass[i]) == c { return childTarget[i] }
            v = Int(fail[k])
        }
        return dense[v + c]
    }

    /// The hot loop of the prefilter: marks each pattern found in `bytes` with `generation` in
    /// `stamps` and appends it to `found` the first time (the caller sizes `found` to hold
    /// every pattern once).
    @inline(__always)
    func collect(in bytes: UnsafeBufferPointer<UInt8>, stamps: UnsafeMutablePointer<UInt32>, generation: UInt32,
                 found: UnsafeMutablePointer<Int32>, count: inout Int) {
        guard outputCount > 0, let base = bytes.baseAddress else { return }
        var n = count
        let classes = classOf, dense = dense, childStart = childStart, childClass = childClass
        let childTarget = childTarget, fail = fail, outputStart = outputStart, outputs = outputs
        let denseLimit = self.denseLimit
        var state = 0
        var p = base
        let end = base + bytes.count
        while p < end {
            let c = Int(classes[Int(p.pointee)])
            p += 1
            var next: UInt32
            if state < denseLimit {
                next = dense[state &+ c]
            } else {
                // Sparse: a child, or the failure chain down to a full row.
                var s = state
                next = 0
                search: while true {
                    let k = s &- denseLimit
                    var i = Int(childStart[k])
                    let last = Int(childStart[k &+ 1])
                    while i < last {
                        if Int(childClass[i]) == c { next = childTarget[i]; break search }
                        i &+= 1
                    }
                    s = Int(fail[k])
                    if s < denseLimit { next = dense[s &+ c]; break }
                }
            }
            state = Int(next & AhoCorasick.stateMask)
            if next & AhoCorasick.matchFlag != 0 {
                let number = self.number(state)
                for k in Int(outputStart[number])..<Int(outputStart[number + 1]) {
                    let pattern = outputs[k]
                    if stamps[Int(pattern)] != generation {
                        stamps[Int(pattern)] = generation
                        found[n] = pattern
                        n += 1
                    }
                }
            }
        }
        count = n
    }

    /// Indices of the patterns that occur in `bytes`, each once, in the order first seen.
    public func matches(in bytes: [UInt8]) -> [Int] {
        var seen = Set<Int>()
        var found: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            forEachMatch(in: buffer) { if seen.insert($0).inserted { found.append($0) } }
        }
        return found
    }
}

/// Memory that never changes after it is filled, owned by a class so a value type can hand out
/// plain pointers into it.
class FrozenStorage: @unchecked Sendable {}

/// The elements of an array copied to memory that lives as long as this object.
final class FrozenArray<Element>: FrozenStorage, @unchecked Sendable {
    let pointer: UnsafePointer<Element>
    let count: Int

    init(_ elements: [Element]) {
        let memory = UnsafeMutablePointer<Element>.allocate(capacity: max(1, elements.count))
        _ = UnsafeMutableBufferPointer(start: memory, count: elements.count).initialize(from: elements)
        pointer = UnsafePointer(memory)
        count = elements.count
    }

    /// The pointer, kept valid for the life of the process (for static tables).
    func leaked() -> UnsafePointer<Element> {
        _ = Unmanaged.passRetained(self)
        return pointer
    }

    deinit {
        UnsafeMutablePointer(mutating: pointer).deinitialize(count: count)
        UnsafeMutablePointer(mutating: pointer).deallocate()
    }
}
