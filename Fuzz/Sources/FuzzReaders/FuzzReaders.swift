// libFuzzer target for the export readers (ScamIO): SMS Backup & Restore XML, adb content query,
// WhatsApp, Telegram JSON, WeChat CSV, Whisper JSON, SRT, WebVTT, Whisper TSV, mapped CSV and
// iMessage SQLite, plus format detection, the XML and JSON pull parsers, the CSV row reader,
// WhatsApp date lines and the typedstream decoder. Invariants are `precondition`s.
//
// The first input byte picks the format and the options (line limit, date order); the rest is
// the file. Built as a library-style file: libFuzzer provides main().

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScamEngine
@testable import ScamIO
import ScamPacks

private let packYAML = """
name: fuzz-readers
version: 1.0.0
threshold: 40
languages: [zh, en]
"""

private let rulesYAML = #"""
- id: any.free-pay
  title: 免密支付
  signal: pretext.password_free
  lang: any
  match: '免密支付|刷脸|安全账户|verification code'
  score: 50
  examples: {match: ['免密支付'], no_match: ['支付宝']}
- id: any.empty
  title: a zero-length match
  signal: link.any
  lang: any
  match: '(?=http)'
  score: 10
  examples: {match: ['http://x'], no_match: ['none']}
"""#

private let ruleSet: RuleSet = {
    let files = [PackFile(path: "pack.yaml", contents: packYAML), PackFile(path: "rules/a.yaml", contents: rulesYAML)]
    guard let pack = PackLoader.load(files: files, root: "fuzz", origin: .builtin).pack,
          let set = RuleSet.compile([pack]).0 else { fatalError("fuzz pack does not load") }
    return set
}()

private let folder: String = {
    var template = Array("/tmp/scamflow-fuzz-readers-XXXXXX".utf8CString)
    guard let dir = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    return String(cString: dir)
}()

private func write(_ bytes: [UInt8], to path: String) {
    unlink(path)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        precondition(n > 0)
        done += n
    }
    close(fd)
}

/// The formats this target forces, by the first byte; the file name gives detection a hint too.
private let formats: [(InputFormat, String)] = [
    (.smsBackup, "sms.xml"), (.adb, "sms.txt"), (.whatsapp, "chat.txt"), (.telegram, "result.json"), (.wechat, "chat.csv"),
    (.whisper, "call.json"), (.srt, "call.srt"), (.vtt, "call.vtt"), (.whisperTSV, "call.tsv"), (.csv, "export.csv"),
    (.imessage, "chat.db"),
]

/// `FUZZ_FAMILY=xml|json|csv|lines|sqlite` keeps the run on one family of readers.
private let family: [Int] = {
    let families: [String: [InputFormat]] = [
        "xml": [.smsBackup], "json": [.telegram, .whisper], "csv": [.wechat, .csv],
        "lines": [.adb, .whatsapp, .srt, .vtt, .whisperTSV], "sqlite": [.imessage],
    ]
    guard let name = ProcessInfo.processInfo.environment["FUZZ_FAMILY"], let wanted = families[name] else { return Array(formats.indices) }
    return formats.indices.filter { wanted.contains(formats[$0].0) }
}()

private func lineCount(_ bytes: [UInt8]) -> Int { bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) } }

/// Reads `path`, checks what every reader promises, and runs the records through a scan.
private func check(path: String, bytes: [UInt8], options: ReaderOptions, sqlite: Bool) {
    var reader = RecordReader(path: path, options: options)
    var outputs: [ReaderOutput] = []
    reader.read { outputs.append($0); return true }
    if let forced = options.format { precondition(reader.format == nil || reader.format == forced) }
    if !sqlite { precondition(reader.bytesRead == bytes.count, "bytesRead \(reader.bytesRead) of \(bytes.count)") }
    let lines = lineCount(bytes)
    let limit = options.maxLineBytes
    let scan = MessageScan(ruleSet: ruleSet)
    var texts: [SourcePosition: [String]] = [:]
    var alerts: [Alert] = []
    for output in outputs {
        switch output {
        case .record(let record):
            precondition(record.source.file == path)
            if !sqlite { precondition(record.source.line >= 1 && record.source.line <= lines, "record at line \(record.source.line) of \(lines)") }
            if let text = record.text {
                precondition(!text.isEmpty, "an empty text record")
                // Kept bytes are capped at the limit; repairing invalid UTF-8 can triple them (U+FFFD).
                precondition(text.utf8.count <= 3 * limit + 16, "a text of \(text.utf8.count) bytes over the limit \(limit)")
                texts[record.source, default: []].append(text)
            }
            if record.event != nil { precondition(record.channel == "event" && record.text == nil, "event record with text") }
            if let format = reader.format, format.isTranscript {
                precondition(record.conversation == path && record.channel == "call", "transcript record outside its call")
            }
            alerts += scan.add(record)
        case .issue(let issue):
            precondition(issue.source.file == path)
            if !sqlite { precondition(issue.source.line >= 0 && issue.source.line <= lines + 1, "issue at line \(issue.source.line) of \(lines)") }
            precondition(!issue.message.isEmpty)
            _ = issue.description
        }
    }
    alerts += scan.finish()
    for alert in alerts {
        for evidence in alert.evidence where evidence.signal != "" {
            guard let candidates = texts[evidence.source] else { continue }  // event evidence
            let span = evidence.span
            precondition(candidates.contains { text in
                let utf8 = Array(text.utf8)
                return span.lowerBound >= 0 && span.upperBound <= utf8.count && String(validating: utf8[span], as: UTF8.self) != nil
            }, "evidence span \(span) is not a range of its record's text")
        }
    }
}

private func fuzzTokenizers(_ bytes: [UInt8]) {
    // XML: events come in order, lines never go backwards.
    var xml = XMLPullParser(input: ByteInput(source: ChunkSource(fd: devNull, head: bytes), chunkSize: 7), maxValueBytes: 64)
    var lastLine = 0
    while let event = xml.next() {
        switch event {
        case .start(let tag):
            precondition(tag.line >= lastLine && !tag.name.isEmpty)
            precondition(tag.attributes.allSatisfy { $0.value.utf8.count <= 3 * 64 })
            lastLine = tag.line
        case .end(_, let line), .malformed(_, let line), .truncated(_, let line):
            precondition(line >= lastLine)
            lastLine = line
        }
    }
    // JSON: balanced tokens, or one error that repeats.
    var json = JSONPullParser(input: ByteInput(source: ChunkSource(fd: devNull, head: bytes), chunkSize: 5), maxStringBytes: 32)
    var depth = 0
    do {
        while let token = try json.next() {
            switch token {
            case .objectStart, .arrayStart: depth += 1
            case .objectEnd, .arrayEnd: depth -= 1
            default: break
            }
            precondition(depth >= 0 && depth == json.depth, "depth \(depth) vs \(json.depth)")
            if case .string(let s) = token { precondition(s.utf8.count <= 3 * 32, "string of \(s.utf8.count) bytes") }  // U+FFFD for each bad byte
        }
        precondition(depth == 0, "document ended at depth \(depth)")
    } catch {
        do {
            _ = try json.next()
            preconditionFailure("the parser went on after an error")
        } catch let again { precondition(again == error) }
    }
    // typedstream: nil, or text that is in the blob.
    if let text = TypedStreamText.decode(bytes) {
        let utf8 = Array(text.utf8)
        precondition(!utf8.isEmpty && TypedStreamText.find(utf8, in: bytes, from: 0) != nil)
    }
    // WhatsApp lines: a parsed header has a valid clock and dates only when valid.
    for line in bytes.split(separator: 0x0A).prefix(32) {
        guard let header = WhatsAppHeader.parse(String(decoding: line, as: UTF8.self)) else { continue }
        if let hour = header.hour24 { precondition((0...23).contains(hour)) }
        for order in [DateOrder.dmy, .mdy] {
            if let date = header.date(order) { precondition((1...12).contains(date.month) && (1...31).contains(date.day)) }
        }
    }
    _ = CSVRowReader.splitHeader(String(decoding: bytes.prefix(512), as: UTF8.self))
}

private let devNull = open("/dev/null", O_RDONLY)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let all = Array(UnsafeBufferPointer(start: data, count: size))
    guard let knob = all.first else { return 0 }
    var body = Array(all.dropFirst())
    let (format, name) = formats[family[Int(knob) % family.count]]
    let sqlite = format == .imessage
    if sqlite, !body.starts(with: Array("SQLite format 3\0".utf8)) { body = Array("SQLite format 3\0".utf8) + body }
    let path = folder + "/" + name
    write(body, to: path)
    var options = ReaderOptions()
    options.maxLineBytes = [64, 300, 1 << 20][Int(knob >> 4) % 3]
    options.dateOrder = [DateOrder.auto, .dmy, .mdy][Int(knob >> 6) % 3]
    options.timeZone = knob & 8 == 0 ? .utc : TimeZoneSpec.parse("Asia/Shanghai")
    options.callStart = knob & 4 == 0 ? nil : 1_741_227_300_000
    options.speakerMap = ["SPEAKER_00": "坐席"]
    options.me = "我"
    if format == .csv { options.columnMap = ColumnMap(columns: ["text": "#1"]) }
    options.format = format
    check(path: path, bytes: body, options: options, sqlite: sqlite)
    if !sqlite {
        options.format = nil
        let detected = FormatDetector.detect(path: path, head: Array(body.prefix(FormatDetector.headSize)), options: options)
        check(path: path, bytes: body, options: options, sqlite: false)
        if case .format(let f) = detected, f != .imessage {
            var reader = RecordReader(path: path, options: options)
            reader.read { _ in true }
            precondition(reader.format == f, "detected \(f), read as \(String(describing: reader.format))")
        }
        fuzzTokenizers(body)
    }
    return 0
}
