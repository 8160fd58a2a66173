/// One excerpt per span: the evidence of an alert as a reader wants it.
///
/// Several rules often match one phrase (two packs carry a rule for the same claim, or a
/// broad rule and a narrow one overlap), and each hit is a piece of evidence. Listed as they
/// come, an alert shows «我是微信支付平台客服» five times. Merged:
///
/// 1. pieces of one record with the same signal whose spans overlap or touch become one piece
///    over the union of the spans, with all their rules;
/// 2. pieces of one record with the same span become one piece with all their signals and rules.
///
/// Invariants: every rule and signal of the input is named by some piece of the output; a
/// piece's `rule`/`signal` are those of its first input piece (in text order); pieces of
/// different records (a flow's steps) are never merged; the learned scorer's pieces (those with
/// a `weight`) pass through unchanged; pieces with an empty span (an event, a context fact)
/// merge only with pieces of the same record that show the same excerpt (one event that raised
/// two signals).
/// The output is in text order (line, record, start), as the input was.
public enum EvidenceMerger {
    /// - Parameter maxScalars: excerpts longer than this are cut, with "…" (as the scanner cuts).
    public static func merged(_ pieces: [Evidence], maxScalars: Int = 120) -> [Evidence] {
        guard pieces.count > 1 else { return pieces }
        var out: [Evidence] = []
        out.reserveCapacity(pieces.count)
        // Runs of pieces from one record (hits arrive grouped by record).
        var start = 0
        while start < pieces.count {
            var end = start + 1
            while end < pieces.count, sameRecord(pieces[start], pieces[end]) { end += 1 }
            out += mergeRecord(Array(pieces[start..<end]), maxScalars: maxScalars)
            start = end
        }
        return out
    }

    /// `evidence` followed by the learned scorer's pieces whose span no piece of `evidence`
    /// already shows in the same record: a span is listed once per alert, and a rule's piece
    /// says more about it than the n-grams inside it.
    public static func adding(_ modelPieces: [Evidence], to evidence: [Evidence]) -> [Evidence] {
        evidence + modelPieces.filter { piece in !evidence.contains { sameRecord($0, piece) && $0.span == piece.span } }
    }

    static func sameRecord(_ a: Evidence, _ b: Evidence) -> Bool {
        a.source == b.source && a.recordID == b.recordID && a.time == b.time && a.speaker == b.speaker
    }

    private static func mergeRecord(_ pieces: [Evidence], maxScalars: Int) -> [Evidence] {
        var textual: [(order: Int, piece: Evidence)] = []
        var kept: [(order: Int, piece: Evidence)] = []
        for (i, piece) in pieces.enumerated() {
            if piece.weight != nil { kept.append((i, piece)) } else { textual.append((i, piece)) }
        }
        guard textual.count > 1 else { return pieces }
        // 1. Same signal, overlapping or touching spans. (Signals grouped in the order they
        // first appear, by a linear search: a record names a few signals, and hashing their
        // strings into a dictionary was most of the merger's time in a stream.)
        var bySignal: [(signal: String, items: [(order: Int, piece: Evidence)])] = []
        for item in textual {
            if let g = bySignal.firstIndex(where: { $0.signal == item.piece.signal }) {
                bySignal[g].items.append(item)
            } else {
                bySignal.append((item.piece.signal, [item]))
            }
        }
        var unions: [(order: Int, piece: Evidence)] = []
        for group in bySignal {
            let items = group.items.sorted { ($0.piece.span.lowerBound, $0.order) < ($1.piece.span.lowerBound, $1.order) }
            var current = items[0]
            for item in items.dropFirst() {
                if !item.piece.span.isEmpty, !current.piece.span.isEmpty, item.piece.span.lowerBound <= current.piece.span.upperBound {
                    current = (min(current.order, item.order), union(current.piece, item.piece))
                } else {
                    unions.append(current)
                    current = item
                }
            }
            unions.append(current)
        }
        // 2. Same span (for an empty span: same excerpt too), any signal. The pieces come by
        // start, so a piece of the same span is among the last ones `grouped` holds, those that
        // start where it does (a group keeps the span and excerpt of its first piece).
        var grouped: [(order: Int, piece: Evidence)] = []
        for item in unions.sorted(by: { ($0.piece.span.lowerBound, $0.order) < ($1.piece.span.lowerBound, $1.order) }) {
            let span = item.piece.span
            var same = grouped.count - 1
            while same >= 0, grouped[same].piece.span.lowerBound == span.lowerBound {
                if grouped[same].piece.span == span, !span.isEmpty || grouped[same].piece.excerpt == item.piece.excerpt { break }
                same -= 1
            }
            if same >= 0, grouped[same].piece.span.lowerBound == span.lowerBound {
                grouped[same].piece = joined(grouped[same].piece, item.piece)
                grouped[same].order = min(grouped[same].order, item.order)
            } else {
                grouped.append(item)
            }
        }
        for i in grouped.indices { grouped[i].piece.excerpt = Evidence.cut(grouped[i].piece.excerpt, maxScalars: maxScalars) }
        // Text order: by start, then the merged pieces' first appearance; the kept pieces where they were.
        let merged = grouped.sorted { ($0.piece.span.lowerBound, $0.order) < ($1.piece.span.lowerBound, $1.order) }.map(\.piece)
        guard !kept.isEmpty else { return merged }
        var result = merged
        for item in kept { result.insert(item.piece, at: min(item.order, result.count)) }
        return result
    }

    /// `b` added to `a`: rules and signals not yet named, the higher score.
    private static func joined(_ a: Evidence, _ b: Evidence) -> Evidence {
        var out = a
        for rule in b.rules where !out.rules.contains(rule) { out.moreRules.append(rule) }
        for signal in b.signals where !out.signals.contains(signal) { out.moreSignals.append(signal) }
        if let score = b.score { out.score = max(out.score ?? score, score) }
        return out
    }

    /// Two overlapping (or touching) pieces of one record as one, over the union of their spans;
    /// `a` starts first. The excerpt is rebuilt from what each excerpt shows of the text.
    static func union(_ a: Evidence, _ b: Evidence) -> Evidence {
        var out = joined(a, b)
        let (first, second) = a.span.lowerBound <= b.span.lowerBound ? (a, b) : (b, a)
        out.span = first.span.lowerBound..<max(first.span.upperBound, second.span.upperBound)
        out.excerpt = unionExcerpt(first, second, span: out.span)
        return out
    }

    /// The text of the union span as far as the two excerpts show it, with "…" when they do
    /// not show all of it. An excerpt shows the bytes of its span from the start, all of them
    /// unless it was cut (then a prefix, and "…").
    static func unionExcerpt(_ first: Evidence, _ second: Evidence, span: Range<Int>) -> String {
        guard !first.excerpt.isEmpty, !second.excerpt.isEmpty else { return "" }
        let a = shown(first), b = shown(second)
        var bytes = a
        let reach = first.span.lowerBound + a.count
        if reach >= second.span.lowerBound {
            let skip = reach - second.span.lowerBound
            if skip < b.count { bytes += b[skip...] }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.count < span.count ? text + "…" : text
    }

    /// The bytes of the text an excerpt shows (without its "…" when it was cut).
    private static func shown(_ piece: Evidence) -> [UInt8] {
        var bytes = Array(piece.excerpt.utf8)
        let ellipsis: [UInt8] = [0xE2, 0x80, 0xA6]
        if bytes.count != piece.span.count, bytes.count >= 3, Array(bytes.suffix(3)) == ellipsis { bytes.removeLast(3) }
        return Array(bytes.prefix(piece.span.count))
    }
}
