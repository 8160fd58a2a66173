/// Shows why the model scored a unit as it did: the text n-grams that weighed most, as excerpts
/// of the original text with their spans (like rule evidence), and the strongest other features.
///
/// The scanner already found each record's strongest n-grams, located in the original text
/// (`ModelInput.top`), so explaining costs a sort of a few dozen pieces, paid per alert the
/// model raised or changed, never per record.
public struct ModelExplainer: Sendable {
    /// Excerpts per alert.
    public var maxExcerpts = 4
    /// Text n-grams considered before merging neighbours into excerpts.
    public var maxNGrams = 16
    public var maxExcerptScalars = 120

    public init() {}

    /// One segment of a unit: its text and where it is.
    public struct Segment: Sendable {
        public var text: String
        public var source: SourcePosition
        public var time: Int64?
        /// The UTC offset its record's time was written with.
        public var utcOffset: Int?
        public var speaker: String?
        public var recordID: String?
        public init(text: String, source: SourcePosition, time: Int64?, utcOffset: Int? = nil, speaker: String?, recordID: String?) {
            self.text = text
            self.source = source
            self.time = time
            self.utcOffset = utcOffset
            self.speaker = speaker
            self.recordID = recordID
        }
    }

    /// Evidence for the n-grams that pushed the score up most, strongest first, and the other
    /// features by the size of their weight.
    public func explain(_ vector: ModelFeatures.Vector, pieces: [ModelInput.Piece], segments: [Segment], model: ScoringModel,
                        signal: String, rule: String) -> (evidence: [Evidence], features: [(key: String, weight: Double)]) {
        let scale = vector.textScale(model.file.textScale)
        struct Piece { var segment: Int; var range: Range<Int>; var weight: Double }
        // An n-gram counts once per unit: its first segment's occurrence.
        var seen = Set<UInt64>()
        var chosen: [Piece] = []
        for p in pieces.sorted(by: { ($0.weight, $1.segment, $1.range.lowerBound) > ($1.weight, $0.segment, $0.range.lowerBound) })
        where p.segment < segments.count && seen.insert(p.hash).inserted {
            chosen.append(Piece(segment: p.segment, range: p.range, weight: Double(p.weight) * scale))
            if chosen.count == maxNGrams { break }
        }
        // Overlapping or touching n-grams of one segment make one excerpt (免密, 密支, 支付 → 免密支付).
        chosen.sort { ($0.segment, $0.range.lowerBound) < ($1.segment, $1.range.lowerBound) }
        var merged: [Piece] = []
        for piece in chosen {
            if var last = merged.last, last.segment == piece.segment, piece.range.lowerBound <= last.range.upperBound {
                last.range = last.range.lowerBound..<max(last.range.upperBound, piece.range.upperBound)
                last.weight += piece.weight
                merged[merged.count - 1] = last
            } else {
                merged.append(piece)
            }
        }
        merged.sort { ($0.weight, $1.segment, $1.range.lowerBound) > ($1.weight, $0.segment, $0.range.lowerBound) }
        // The strongest excerpts, shown in text order (like rule evidence); one that adds less
        // than a quarter of the strongest one's weight proves little («您好») and is left out.
        let strongest = merged.first?.weight ?? 0
        let shown = merged.prefix(maxExcerpts).filter { $0.weight >= strongest / 4 }
            .sorted { ($0.segment, $0.range.lowerBound) < ($1.segment, $1.range.lowerBound) }
        var evidence: [Evidence] = []
        for piece in shown {
            let segment = segments[piece.segment]
            let original = Array(segment.text.utf8)
            guard piece.range.upperBound <= original.count else { continue }
            let excerpt = Evidence.cut(String(decoding: original[piece.range], as: UTF8.self), maxScalars: maxExcerptScalars)
            var e = Evidence(source: segment.source, time: segment.time, utcOffset: segment.utcOffset, signal: signal, rule: rule,
                             excerpt: excerpt, span: piece.range, speaker: segment.speaker, recordID: segment.recordID)
            e.weight = (piece.weight * 1000).rounded() / 1000
            evidence.append(e)
        }
        let features = vector.other.compactMap { h -> (key: String, weight: Double)? in
            let w = Double(model.weight(h))
            guard w != 0, let key = vector.otherKeys[h] else { return nil }
            return (key, (w * 1000).rounded() / 1000)
        }
        .sorted { (abs($0.weight), $1.key) > (abs($1.weight), $0.key) }
        return (evidence, Array(features.prefix(6)))
    }
}
