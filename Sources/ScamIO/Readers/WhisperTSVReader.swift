/// Reads Whisper's TSV output (`whisper --output_format tsv`): a header `start	end	text`, then
/// one segment a line with times in integer milliseconds, as one call. Extra columns such as
/// `speaker` are used when the header names them.
///
/// Invariants: a record's position is its line; a line with too few columns or times that are
/// not numbers is reported and skipped; times are checked by `TranscriptTimeline`.
struct WhisperTSVReader {
    let context: ReadContext

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        var timeline = TranscriptTimeline(context: context)
        var columns: (start: Int, end: Int, text: Int, speaker: Int?)?
        var segment = 0
        while let line = lines.next() {
            switch line {
            case .readError(let number, let code):
                emit(context.readError(code, line: number))
                return
            case .oversized(let number, let bytes):
                guard emit(context.issue(.oversizedLine, line: number, "\(bytes) bytes, over the limit of \(context.options.maxLineBytes)",
                                         hint: "raise it with --max-line-bytes")) else { return }
            case .text(let number, let bytes):
                let (text, invalid) = context.decode(bytes, line: number)
                guard emit(invalid) else { return }
                let fields = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard let c = columns else {
                    let names = fields.map { $0.trimmed().lowercased() }
                    guard let start = names.firstIndex(of: "start"), let end = names.firstIndex(of: "end"), let textColumn = names.firstIndex(of: "text") else {
                        emit(context.issue(.unknownFormat, line: number, "the header is not `start\tend\ttext`", hint: "this is not Whisper's TSV output"))
                        return
                    }
                    columns = (start, end, textColumn, names.firstIndex(of: "speaker"))
                    continue
                }
                if text.trimmed().isEmpty { continue }
                guard fields.count > max(c.start, c.end, c.text) else {
                    guard emit(context.issue(.badField, line: number, "\(fields.count) columns, expected at least \(max(c.start, c.end, c.text) + 1)",
                                             hint: "the segment was skipped")) else { return }
                    continue
                }
                guard let start = Double(fields[c.start].trimmed()), let end = Double(fields[c.end].trimmed()) else {
                    guard emit(context.issue(.badTiming, line: number, "start and end must be milliseconds: \(fields[c.start].prefix(20)), \(fields[c.end].prefix(20))",
                                             hint: "the segment was skipped")) else { return }
                    continue
                }
                segment += 1
                let speaker = c.speaker.flatMap { $0 < fields.count ? fields[$0].trimmed() : nil }.flatMap { $0.isEmpty ? nil : $0 }
                for output in timeline.segment(text: fields[c.text], start: start / 1000, end: end / 1000, speaker: speaker, line: number, id: nil) {
                    guard emit(output) else { return }
                }
            }
        }
    }
}
