import Foundation
import ScamEngine

/// Turns one line of an input into records, by format. Keeps the little state a format needs
/// (which call a transcript line belongs to).
struct LineParser {
    let format: InputFormat
    let file: String
    let channel: String?
    let subject: String?
    var options = ReaderOptions()

    mutating func parse(_ bytes: ArraySlice<UInt8>, line: Int) -> [ReaderOutput] {
        let source = SourcePosition(file: file, line: line)
        var out: [ReaderOutput] = []
        let (text, invalidAt) = TextDecoding.decode(bytes)
        if let invalidAt {
            out.append(.issue(InputIssue(.invalidUTF8, at: source, "invalid UTF-8 at byte \(invalidAt) of the line",
                                         hint: "bad bytes were replaced with U+FFFD and the line was still scanned", skipped: false)))
        }
        if text.allSatisfy({ $0 == " " || $0 == "\t" }) { return out }
        switch format {
        case .jsonl:
            // The design's Record, a CloudEvents envelope or an ECS document: the same parser as
            // `scamflow stream`, so a captured stream scans as it streamed.
            out.append(StreamRecordParser.parse(text, source: source))
        case .transcript:
            if let segment = TranscriptLine.parse(text) {
                let speaker = options.speakerMap[segment.speaker] ?? segment.speaker
                let time = options.callStart.flatMap { start in segment.offset.map { start + Int64($0) * 1000 } }
                out.append(.record(Record(text: segment.text, source: source, time: time, channel: "call", subject: subject,
                                          speaker: speaker, conversation: file)))
            } else {
                // An unlabelled line continues the call: keep it, without a speaker.
                out.append(.record(Record(text: text.trimmed(), source: source, channel: "call", subject: subject,
                                          conversation: file)))
            }
        default:
            // Plain text (the only other format read line by line here): each line is its own
            // message, so only an explicit --subject ties lines to one person (and to flows).
            out.append(.record(Record(text: text, source: source, channel: channel, subject: options.subject)))
        }
        return out
    }
}
