import PCRE2

/// Finds the matches of a model's context cues in a normalized text, running each cue's
/// pattern only where a match can start.
///
/// Why: an unanchored PCRE2 search tries a pattern at every character its first byte allows,
/// and the first bytes of Han characters (0xE4-0xE9) are shared by nearly all of them, so on
/// Chinese text cues such as `negation` (不会|没有|...) and `reported` (有人|一个|我...) were
/// attempted at almost every character: about 40% of what the model added to `scan`.
/// `LiteralExtractor.startLiterals` proves, for most cues, a set of literals every match starts
/// with; one Aho-Corasick pass finds their occurrences for all cues at once, and each cue is
/// tried (compiled anchored) at those offsets only.
///
/// Invariant: `forEachMatch` gives exactly the ranges `Matcher.forEachMatch` gives for the
/// cue's own regex, in the same order (see `Matcher.forEachMatch(anchored:at:in:_:)`); a cue
/// without start literals is searched as before. One difference is possible in principle: a
/// search and separate anchored attempts may spend PCRE2's match limit differently, so a cue
/// pattern that comes near the limit could fail in one and not the other (a failure is reported
/// as a `RuleFailure` either way; the built-in cues never come near it on the Corpus or the
/// eval sets, where `CueFinderTests` compares the two). Immutable after construction; one per scanner
/// (it is built from whichever cues the scanner runs), its scratch with it.
final class CueFinder {
    /// Over the start literals of every cue that has them; nil when none has.
    private let automaton: AhoCorasick?
    /// For each literal of the automaton: its cue, and its length in bytes.
    private let literalCue: [Int]
    private let literalLength: [Int]
    /// Bit `i` set when cue `i` runs anchored at its literals.
    private let anchoredMask: UInt32
    /// Per cue: where its start literals occur in the current text, ascending, distinct
    /// (valid after `locate`, for the cues it was asked for).
    private var starts: [[Int]]

    init(cues: [ScoringModel.Cue]) {
        var literals: [[UInt8]] = [], cueOf: [Int] = [], lengths: [Int] = []
        var mask: UInt32 = 0
        for (i, cue) in cues.enumerated() {
            guard cue.anchored != nil, let starts = cue.starts else { continue }
            mask |= 1 << UInt32(i)
            for literal in starts {
                literals.append(literal)
                cueOf.append(i)
                lengths.append(literal.count)
            }
        }
        automaton = literals.isEmpty ? nil : AhoCorasick(literals)
        literalCue = cueOf
        literalLength = lengths
        anchoredMask = mask
        starts = Array(repeating: [], count: cues.count)
    }

    /// Finds the start literals of the cues in `wanted` (bit `i`: cue `i`) in `bytes`: one pass
    /// for all of them.
    func locate(in bytes: UnsafeBufferPointer<UInt8>, wanted: UInt32) {
        let wanted = wanted & anchoredMask
        for i in starts.indices where !starts[i].isEmpty { starts[i].removeAll(keepingCapacity: true) }
        guard wanted != 0, let automaton else { return }
        automaton.forEachOccurrence(in: bytes) { literal, end in
            let cue = literalCue[literal]
            guard wanted & (1 << UInt32(cue)) != 0 else { return }
            starts[cue].append(end - literalLength[literal])
        }
        // Occurrences arrive in order of their ends: literals of different lengths (and one
        // that is a prefix of another, "一个" and "一个男的") may start out of order or twice.
        for i in starts.indices where starts[i].count > 1 {
            var sorted = true
            for k in 1..<starts[i].count where starts[i][k - 1] >= starts[i][k] { sorted = false; break }
            if sorted { continue }
            starts[i].sort()
            var write = 1
            for read in 1..<starts[i].count where starts[i][read] != starts[i][write - 1] {
                starts[i][write] = starts[i][read]
                write += 1
            }
            starts[i].removeLast(starts[i].count - write)
        }
    }

    /// Calls `body` with each match of cue `index` (`cue`) in `subject`, in order, until it
    /// returns false: anchored at the offsets `locate` found when the cue has start literals,
    /// otherwise by a plain search. `locate` must have run on `subject`'s bytes with the cue
    /// among those wanted.
    func forEachMatch(_ index: Int, _ cue: ScoringModel.Cue, in subject: Subject, matcher: Matcher,
                      _ body: (Range<Int>) -> Bool) throws(PCRE2Error) {
        guard anchoredMask & (1 << UInt32(index)) != 0, let anchored = cue.anchored else {
            try matcher.forEachMatch(cue.regex, in: subject, body)
            return
        }
        guard !starts[index].isEmpty else { return }
        try starts[index].withUnsafeBufferPointer { offsets throws(PCRE2Error) in
            try matcher.forEachMatch(anchored: anchored, at: offsets, in: subject, body)
        }
    }
}
