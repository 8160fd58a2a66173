// libFuzzer target for the record reader (ScamIO): LineReader, format detection, the jsonl,
// text and transcript line parsers, Timestamp and TranscriptLine, and the MessageScan that
// consumes the records. Invariants are checked with `precondition`, so a violation is a crash.
//
// Built as a library-style file (not main.swift): libFuzzer provides main().

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScamEngine
import ScamIO
import ScamPacks

// MARK: - Fixtures

/// A small rule set: English and Chinese rules, an `unless`, a rule limited to channels and a
/// rule that matches the empty string (zero-length spans through `originalRange`).
private let packYAML = """
name: fuzz-pack
version: 1.0.0
threshold: 50
languages: [zh, en]
"""

private let rulesYAML = #"""
- id: en.gift-card
  title: gift cards
  signal: request.gift_card
  channels: [sms, call, chat]
  lang: en
  match: 'gift ?cards?|verification code|wire (?:the )?money'
  score: 40
  examples: {match: ['buy a gift card'], no_match: ['hello']}
- id: zh.code
  title: 索要验证码
  signal: request.sms_code
  lang: zh
  match: '验证码[^。\n]{0,12}?(?:告诉|报|发)'
  unless: '切勿|请勿'
  score: 60
  examples: {match: ['验证码告诉我'], no_match: ['验证码切勿告诉他人']}
- id: any.pay
  title: 免密支付
  signal: pretext.password_free
  lang: any
  match: '免密支付|刷脸'
  score: 30
  examples: {match: ['关闭免 密 支 付'], no_match: ['支付宝']}
- id: any.link
  title: a link (zero-length match)
  signal: link.any
  lang: any
  match: '(?=https?://)'
  score: 10
  examples: {match: ['see http://x'], no_match: ['none']}
"""#

private let ruleSet: RuleSet = {
    let files = [PackFile(path: "pack.yaml", contents: packYAML), PackFile(path: "rules/a.yaml", contents: rulesYAML)]
    let loaded = PackLoader.load(files: files, root: "fuzz", origin: .builtin)
    guard let pack = loaded.pack else { fatalError("fuzz pack does not load: \(loaded.diagnostics)") }
    let (set, diagnostics) = RuleSet.compile([pack])
    guard let set else { fatalError("fuzz pack does not compile: \(diagnostics)") }
    return set
}()

/// A private folder for the input file (no extension, so detection looks at the content).
private let inputPath: String = {
    var template = Array("/tmp/scamflow-fuzz-XXXXXX".utf8CString)
    guard let dir = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    return String(cString: dir) + "/input"
}()

private func writeInput(_ bytes: UnsafeBufferPointer<UInt8>) {
    let fd = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(inputPath)")
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        precondition(n > 0, "write failed")
        done += n
    }
    close(fd)
}

// MARK: - Reference line splitting

/// One line as the documentation defines it: split on LF, one trailing CR removed.
private struct RefLine {
    var number: Int
    var raw: ArraySlice<UInt8>
    var content: ArraySlice<UInt8>
    /// 3 when this is the first line and starts with a UTF-8 byte-order mark, which LineReader
    /// drops (`content` is without it, `raw` with it).
    var mark = 0
}

private func referenceLines(_ bytes: [UInt8]) -> [RefLine] {
    var lines: [RefLine] = []
    var start = 0
    var number = 0
    func add(_ end: Int) {
        number += 1
        let raw = bytes[start..<end]
        var content = raw.last == 0x0D ? raw.dropLast() : raw
        let mark = number == 1 && content.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        content = content.dropFirst(mark)
        lines.append(RefLine(number: number, raw: raw, content: content, mark: mark))
    }
    for (i, b) in bytes.enumerated() where b == 0x0A {
        add(i)
        start = i + 1
    }
    if start < bytes.count { add(bytes.count) }
    return lines
}

/// Checks one `LineReader` output against the reference line. A line whose content is exactly
/// `max` bytes plus a CR may be reported either way (the CR is seen before the LF that proves
/// it is a line ending), and an oversized line's byte count may include its CR.
private func check(_ line: LineReader.Line, against ref: RefLine, max: Int) {
    switch line {
    case .text(let number, let bytes):
        precondition(number == ref.number, "line number \(number), expected \(ref.number)")
        precondition(Array(bytes) == Array(ref.content), "line \(number): wrong bytes")
        precondition(bytes.count <= max, "line \(number): \(bytes.count) bytes over the limit \(max) returned as text")
    case .oversized(let number, let count):
        precondition(number == ref.number, "oversized line number \(number), expected \(ref.number)")
        // A first line's byte-order mark counts towards the limit while the line is still
        // being read in chunks, not once it is whole: near the limit, either is right.
        let withMark = ref.content.count + ref.mark
        let edge = withMark >= max && ref.raw.count >= max + 1
        precondition(withMark > max || edge, "line \(number) of \(ref.content.count) bytes reported oversized (limit \(max))")
        precondition([ref.content.count, withMark, ref.raw.count, ref.raw.count - ref.mark].contains(count),
                     "line \(number): oversized count \(count), content \(ref.content.count), raw \(ref.raw.count)")
    case .readError(_, let code):
        preconditionFailure("read error \(code) on a regular file")
    }
}

/// LineReader with small chunks and limits, with peeks mixed in, against the reference split.
private func fuzzLineReader(_ bytes: [UInt8], chunkSize: Int, max: Int, peek: Int) {
    let fd = open(inputPath, O_RDONLY)
    precondition(fd >= 0)
    defer { close(fd) }
    var reader = LineReader(fd: fd, maxLineBytes: max, chunkSize: chunkSize)
    let refs = referenceLines(bytes)
    let peeked = reader.peek(peek)
    precondition(peeked.count == Swift.min(peek, refs.count), "peek(\(peek)) gave \(peeked.count) of \(refs.count) lines")
    for (line, ref) in zip(peeked, refs) { check(line, against: ref, max: max) }
    var index = 0
    while let line = reader.next() {
        precondition(index < refs.count, "more lines than the input has")
        check(line, against: refs[index], max: max)
        index += 1
        if index % 3 == 0 { _ = reader.peek(2) }  // peeking never changes what next() returns
    }
    precondition(index == refs.count, "\(index) lines read, \(refs.count) expected")
    precondition(reader.next() == nil, "next() after the end")
    precondition(reader.bytesRead == bytes.count, "bytesRead \(reader.bytesRead), file has \(bytes.count)")
}

// MARK: - RecordReader

private func fuzzRecordReader(_ bytes: [UInt8], refs: [RefLine], format: InputFormat?, max: Int?) {
    var options = ReaderOptions()
    options.format = format
    if let max { options.maxLineBytes = max }
    let limit = options.maxLineBytes
    var reader = RecordReader(path: inputPath, options: options)
    var outputs: [ReaderOutput] = []
    reader.read { outputs.append($0); return true }
    precondition(reader.bytesRead == bytes.count, "bytesRead \(reader.bytesRead) of \(bytes.count)")
    // Detection may find no format (one unknown-format issue) or an export format, whose
    // readers FuzzReaders checks; the line invariants below are for the line formats. Text in
    // UTF-16 or UTF-32 is read by no format, even a forced one (one not-UTF-8 issue).
    guard let used = reader.format else {
        precondition(outputs.count == 1, "no format but \(outputs.count) outputs")
        if case .issue(let issue) = outputs[0], issue.kind == .notUTF8 {
            precondition(ForeignEncoding.detect(bytes) != nil, "not UTF-8 but no foreign encoding: \(issue)")
        } else {
            precondition(format == nil, "a forced format read nothing")
        }
        return
    }
    if let format { precondition(used == format) }
    guard [InputFormat.jsonl, .text, .transcript].contains(used) else { return }

    let scan = MessageScan(ruleSet: ruleSet)
    var textsByLine: [Int: String] = [:]
    var lastLine = 0
    var alerts: [Alert] = []
    var recordLines: [Int] = []
    for output in outputs {
        switch output {
        case .record(let record):
            precondition(record.source.file == inputPath)
            let line = record.source.line
            precondition(line >= 1 && line <= refs.count, "record at line \(line) of \(refs.count)")
            precondition(line >= lastLine, "record out of order: \(line) after \(lastLine)")
            precondition(line > (recordLines.last ?? 0), "two records from line \(line)")
            lastLine = line
            recordLines.append(line)
            let ref = refs[line - 1]
            precondition(ref.content.count <= limit, "record from a line over the limit")
            if used == .text {
                precondition(record.text == String(decoding: ref.content, as: UTF8.self), "text record differs from its line")
            }
            if used == .transcript { precondition(record.conversation == inputPath && record.channel == "call") }
            if let text = record.text { textsByLine[line] = text }
            alerts += scan.add(record)
        case .issue(let issue):
            let line = issue.source.line
            precondition(line >= 1 && line <= refs.count, "issue at line \(line) of \(refs.count)")
            precondition(line >= lastLine, "issue out of order: \(line) after \(lastLine)")
            lastLine = line
            precondition(issue.kind != .unreadable, "unreadable: \(issue)")
            if issue.kind == .oversizedLine { precondition(refs[line - 1].raw.count > limit, "\(issue)") }
            if issue.kind == .invalidUTF8 {
                precondition(String(validating: refs[line - 1].content, as: UTF8.self) == nil, "\(issue)")
            }
            _ = issue.description
        }
    }
    alerts += scan.finish()

    if used == .text {
        // Every non-blank line within the limit is one record, with the line's text.
        let expected = refs.filter { ref in
            guard ref.content.count < limit else { return false }
            return !String(decoding: ref.content, as: UTF8.self).allSatisfy { $0 == " " || $0 == "\t" }
        }.map(\.number)
        let got = recordLines.filter { refs[$0 - 1].content.count < limit }
        precondition(got == expected, "text records at lines \(got), expected \(expected)")
    }

    // Evidence spans are byte ranges of the record's own text, on scalar boundaries.
    for alert in alerts {
        precondition(!alert.evidence.isEmpty, "alert without evidence")
        for evidence in alert.evidence {
            guard let text = textsByLine[evidence.source.line] else {
                preconditionFailure("evidence at line \(evidence.source.line), which produced no text record")
            }
            let utf8 = Array(text.utf8)
            let span = evidence.span
            precondition(span.lowerBound >= 0 && span.upperBound <= utf8.count,
                         "span \(span) outside a text of \(utf8.count) bytes")
            precondition(String(validating: utf8[span], as: UTF8.self) != nil, "span \(span) splits a scalar")
        }
    }
    precondition(scan.records == recordLines.count)
}

// MARK: - Timestamp and TranscriptLine

private func fuzzTimestamp(_ text: String) {
    guard let ms = Timestamp.parse(text) else { return }
    let formatted = Timestamp.format(ms)
    // Four-digit years survive a round trip (an offset can push year 0000 or 9999 out of range).
    let head = Array(formatted.utf8.prefix(5))
    if head.count == 5, head[0..<4].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), head[4] == 0x2D {
        precondition(Timestamp.parse(formatted) == ms, "\(text) -> \(ms) -> \(formatted) -> \(String(describing: Timestamp.parse(formatted)))")
    }
}

private func fuzzTranscriptLine(_ text: String) {
    guard let line = TranscriptLine.parse(text) else { return }
    precondition(!line.speaker.isEmpty, "empty speaker from \(text.debugDescription)")
    if let offset = line.offset { precondition(offset >= 0 && offset < 100 * 3600, "offset \(offset)") }
}

// MARK: - Entry point

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    let bytes = Array(buffer)
    writeInput(buffer)
    let refs = referenceLines(bytes)

    // The first byte picks the LineReader's chunk size, line limit and peek depth.
    let knob = Int(bytes.first ?? 0)
    let limits = [0, 1, 2, 3, 5, 8, 16, 64]
    fuzzLineReader(bytes, chunkSize: 1 + knob % 7, max: limits[(knob >> 3) % limits.count], peek: knob >> 6)
    fuzzLineReader(bytes, chunkSize: 1 << 16, max: 256, peek: 20)

    for format in [nil, InputFormat.jsonl, .text, .transcript] {
        fuzzRecordReader(bytes, refs: refs, format: format, max: nil)
        fuzzRecordReader(bytes, refs: refs, format: format, max: 256)
    }

    let text = String(decoding: bytes, as: UTF8.self)
    fuzzTimestamp(text)
    fuzzTranscriptLine(text)
    for ref in refs.prefix(64) {
        let line = String(decoding: ref.content, as: UTF8.self)
        fuzzTimestamp(line)
        fuzzTranscriptLine(line)
    }
    _ = InputFormat.detect(path: "x", firstLines: refs.prefix(20).map { String(decoding: $0.content, as: UTF8.self) })
    return 0
}
