import Foundation
import ScamEngine

/// Reads a WhatsApp "Export chat" text file (Android or iOS), one record per message.
///
/// A message starts at a dated line (see `WhatsAppHeader`) and runs over the lines that follow
/// until the next dated line. System lines (no `Name: `, or iOS's U+200E mark), media
/// placeholders and deleted messages are passed over. Times are local: they are read in `--tz`.
/// The day/month order is `--date-order`, or with `auto` the first date whose first or second
/// number is over 12 decides it (the file is pre-read for one when the head has none, without
/// holding it); when no date decides, a 12-hour clock suggests month/day and a 24-hour clock
/// day/month, and an issue says what was assumed.
///
/// Invariants: a record's position is the line its message starts on; `--me NAME` makes NAME's
/// messages `out` and the others `in` (without it, direction is unknown); a date that is not
/// valid in the file's order is reported at its line and its message is kept without a time; a
/// message over `maxLineBytes` is reported and skipped.
struct WhatsAppReader {
    let context: ReadContext
    let head: [UInt8]

    /// Texts WhatsApp writes in place of a message that has no text to scan.
    static let placeholders: Set<String> = [
        "<Media omitted>", "<media omitted>", "This message was deleted", "You deleted this message", "null",
        "<省略影音内容>", "<媒体文件已忽略>", "此消息已删除", "你删除了此消息", "您删除了此消息", "Waiting for this message",
        "image omitted", "video omitted", "audio omitted", "sticker omitted", "GIF omitted", "document omitted",
        "Contact card omitted", "<View once voice message omitted>",
    ]

    private struct Pending {
        var line: Int
        var header: WhatsAppHeader
        var text: String
        var bytes: Int
    }

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        let (order, assumption) = resolveOrder()
        if let assumption { guard emit(assumption) else { return } }
        var pending: Pending?
        var dropping = false
        func flush(_ emit: inout Emitter) -> Bool {
            guard let message = pending.take() else { return true }
            for output in outputs(message, order: order) { guard emit(output) else { return false } }
            return true
        }
        while let line = lines.next() {
            switch line {
            case .readError(let number, let code):
                guard flush(&emit) else { return }
                emit(context.readError(code, line: number))
                return
            case .oversized(let number, let bytes):
                guard emit(context.issue(.oversizedLine, line: number, "\(bytes) bytes, over the limit of \(context.options.maxLineBytes)",
                                         hint: "raise it with --max-line-bytes")) else { return }
            case .text(let number, let bytes):
                let (text, invalid) = context.decode(bytes, line: number)
                guard emit(invalid) else { return }
                if let header = WhatsAppHeader.parse(bytes: bytes) {
                    guard flush(&emit) else { return }
                    pending = Pending(line: number, header: header, text: header.text, bytes: bytes.count)
                    dropping = false
                } else if dropping {
                    continue
                } else if var message = pending {
                    message.bytes += bytes.count + 1
                    if message.bytes > context.options.maxLineBytes {
                        pending = nil
                        dropping = true
                        guard emit(context.issue(.oversizedLine, line: message.line, "the message runs over \(context.options.maxLineBytes) bytes",
                                                 hint: "raise it with --max-line-bytes")) else { return }
                        continue
                    }
                    message.text += "\n" + text
                    pending = message
                } else if !text.trimmed().isEmpty {
                    guard emit(context.issue(.badField, line: number, "a line before the first dated message: \(text.prefix(60))",
                                             hint: "WhatsApp exports start each message with its date; the line was skipped")) else { return }
                }
            }
        }
        _ = flush(&emit)
    }

    private func outputs(_ message: Pending, order: DateOrder) -> [ReaderOutput] {
        let header = message.header
        guard let sender = header.sender, !(header.iOS && header.marked) else { return [] }
        var text = message.text
        if text.hasSuffix("<This message was edited>") { text = String(text.dropLast(25)).trimmed() }
        let trimmed = text.trimmed()
        guard !trimmed.isEmpty else { return [] }
        if trimmed.utf8.count < 64, Self.placeholders.contains(trimmed) || trimmed.hasPrefix("<attached: ") { return [] }
        var out: [ReaderOutput] = []
        var time: Int64?
        if let date = header.date(order), let hour = header.hour24 {
            time = context.options.zone.epochMillis(year: date.year, month: date.month, day: date.day, hour: hour,
                                                    minute: header.minute, second: header.second_)
        } else {
            let other: DateOrder = order == .mdy ? .dmy : .mdy
            let name = order == .mdy ? "month/day/year" : "day/month/year"
            let alternative = header.date(other) != nil ? " (it would be valid as \(other == .mdy ? "month/day" : "day/month"))" : ""
            out.append(context.issue(.badDate, line: message.line, "date \(header.writtenDate) is not valid in \(name) order\(alternative)",
                                     hint: "the message was kept without a time; pass --date-order dmy or mdy to match the phone that exported it",
                                     skipped: false))
        }
        var direction: String?
        if let me = context.options.me { direction = sender == me ? "out" : "in" }
        out.append(.record(Record(text: text, source: context.at(message.line), time: time, channel: "chat", subject: context.subject,
                                  peer: direction == "out" ? nil : sender, direction: direction)))
        return out
    }

    /// The day/month order to read dates in, and an issue when it had to be assumed.
    private func resolveOrder() -> (DateOrder, ReaderOutput?) {
        if context.options.dateOrder != .auto { return (context.options.dateOrder, nil) }
        var twelveHour = false
        var sawDate = false
        func decide(_ line: ArraySlice<UInt8>) -> DateOrder? {
            guard let header = WhatsAppHeader.parse(bytes: line) else { return nil }
            sawDate = true
            if header.yearFirst { return .dmy }  // year first: the order does not matter
            if header.pm != nil { twelveHour = true }
            return header.decidedOrder
        }
        for line in head.split(separator: 0x0A) {
            if let order = decide(line) { return (order, nil) }
        }
        // Nothing decided in the head: read the rest of the file for a date that decides.
        if context.path != "-", head.count >= FormatDetector.headSize {
            let fd = open(context.path, O_RDONLY)
            if fd >= 0 {
                defer { close(fd) }
                var lines = LineReader(fd: fd, maxLineBytes: context.options.maxLineBytes)
                while let line = lines.next() {
                    guard case .text(_, let bytes) = line else { continue }
                    if let order = decide(bytes) { return (order, nil) }
                }
            }
        }
        guard sawDate else { return (.dmy, nil) }
        let assumed: DateOrder = twelveHour ? .mdy : .dmy
        let name = assumed == .mdy ? "month/day/year" : "day/month/year"
        return (assumed, context.issue(.badDate, line: 1, "no date in the file has a day over 12, so the order of day and month is unknown; read as \(name)",
                                       hint: "pass --date-order dmy or mdy if that is wrong", skipped: false))
    }
}
