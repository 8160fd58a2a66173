/// Reads speech-to-text JSON as one call, a record per segment: OpenAI Whisper
/// (`{"text", "segments": [{"id", "start", "end", "text"}], "language"}`), WhisperX (the same
/// `segments` with `speaker` and `words`), whisper.cpp `-oj` (`{"transcription": [{"timestamps",
/// "offsets": {"from", "to"} in ms, "text"}]}`), or a bare array of segments.
///
/// Invariants: the document is parsed as a stream and one segment is materialized at a time (at
/// most `maxLineBytes`; a larger one is reported and skipped), so a long call's words never sit
/// in memory together; a record's position is the line its segment starts on (OpenAI writes
/// the whole document on line 1, so its id, the segment's `id` or index, tells segments apart);
/// times are checked by `TranscriptTimeline`; a syntax error is reported with its line after
/// every segment before it.
struct WhisperJSONReader {
    let context: ReadContext

    func read(_ input: inout ByteInput, _ emit: inout Emitter) {
        var parser = JSONPullParser(input: input, maxStringBytes: context.options.maxLineBytes)
        defer { input = parser.input }
        var timeline = TranscriptTimeline(context: context)
        var pendingKey: String?
        var sawSegments = false
        var index = 0
        do {
            while let token = try parser.next() {
                var isSegments = false
                if case .key(let key) = token {
                    pendingKey = key
                    continue
                }
                if token == .arrayStart {
                    isSegments = (parser.depth == 1 && pendingKey == nil)
                        || (parser.depth == 2 && (pendingKey == "segments" || pendingKey == "transcription"))
                }
                pendingKey = nil
                guard isSegments else { continue }
                sawSegments = true
                while let first = try parser.next(), first != .arrayEnd {
                    let line = parser.tokenLine
                    defer { index += 1 }
                    switch try parser.readValue(startingWith: first, budget: context.options.maxLineBytes) {
                    case .tooLarge:
                        guard emit(context.issue(.oversizedLine, line: line, "segment \(index) is over \(context.options.maxLineBytes) bytes",
                                                 hint: "raise it with --max-line-bytes")) else { return }
                    case .value(let segment):
                        for output in outputs(segment, index: index, line: line, &timeline) { guard emit(output) else { return } }
                    }
                }
            }
        } catch {
            let cut = error.message.contains("cut short") || error.message.contains("ends inside")
            emit(context.issue(cut ? .truncated : .malformedJSON, line: error.line, error.message,
                               hint: cut ? "every segment before this point was read" : "the rest of the file could not be read"))
            return
        }
        if !sawSegments {
            emit(context.issue(.unknownFormat, line: 0, "no \"segments\" or \"transcription\" array: not a Whisper transcript",
                               hint: "write it with whisper --output_format json, whisper.cpp -oj or WhisperX"))
        }
    }

    private func outputs(_ segment: JSONValue, index: Int, line: Int, _ timeline: inout TranscriptTimeline) -> [ReaderOutput] {
        guard case .object = segment, let text = segment["text"]?.string else {
            return [context.issue(.badField, line: line, "segment \(index) has no text", hint: "it was skipped")]
        }
        var start = segment["start"]?.number
        var end = segment["end"]?.number
        if start == nil, let offsets = segment["offsets"] {
            start = offsets["from"]?.number.map { $0 / 1000 }
            end = offsets["to"]?.number.map { $0 / 1000 }
        }
        if start == nil, let stamps = segment["timestamps"] {
            start = stamps["from"]?.string.flatMap(SubtitleReader.seconds)
            end = stamps["to"]?.string.flatMap(SubtitleReader.seconds)
        }
        let id = segment["id"]?.string ?? String(index)
        return timeline.segment(text: text, start: start, end: end, speaker: segment["speaker"]?.string, line: line, id: id)
    }
}
