import ScamEngine

/// Reads the XML of Android's "SMS Backup & Restore" app: `<smses>` with `<sms>` and `<mms>`
/// elements, and `<calls>` with `<call>` elements, which become call events.
///
/// An `<sms>` is one record: `body` the text, `address` the peer, `date` (epoch ms) the time,
/// `type` 1 received (`in`), 2 and up sent, draft, outbox (`out`), `contact_name` other than
/// `(Unknown)` means the peer is a contact. An `<mms>` joins the `text` of its `text/plain` parts;
/// its peer is the sender `<addr type="137">` of a received message, else its `address`.
///
/// Invariants: each record's position is the line of its opening tag; the document is read as
/// a stream (memory is one element, with attribute values cut at `maxLineBytes`); a malformed
/// element is reported and skipped, and a file cut short reports where it ends, after every
/// record before the cut has been read.
struct AndroidSMSBackupReader {
    let context: ReadContext

    /// An `<mms>` being read: its tag and the parts and addresses seen so far.
    private struct PendingMMS {
        var tag: XMLTag
        var texts: [String] = []
        var sender: String?
        var bytes = 0
    }

    func read(_ input: inout ByteInput, _ emit: inout Emitter) {
        var parser = XMLPullParser(input: input, maxValueBytes: context.options.maxLineBytes)
        defer { input = parser.input }
        var open: [(name: String, line: Int)] = []
        var mms: PendingMMS?
        var sawRoot = false
        while let event = parser.next() {
            switch event {
            case .start(let tag):
                switch tag.name {
                case "smses", "calls":
                    sawRoot = true
                    if !tag.selfClosing { open.append((tag.name, tag.line)) }
                case "sms":
                    if let pending = mms.take() { guard finish(pending, unclosed: true, &emit) else { return } }
                    guard emitAll(sms(tag), &emit) else { return }
                case "call":
                    if let pending = mms.take() { guard finish(pending, unclosed: true, &emit) else { return } }
                    guard emitAll(call(tag), &emit) else { return }
                case "mms":
                    if let pending = mms.take() { guard finish(pending, unclosed: true, &emit) else { return } }
                    let pending = PendingMMS(tag: tag)
                    if tag.selfClosing { guard finish(pending, unclosed: false, &emit) else { return } } else { mms = pending }
                case "part":
                    guard mms != nil, tag["ct"]?.lowercased().hasPrefix("text/plain") == true, let text = tag["text"],
                          text != "null", !text.isEmpty else { continue }
                    if tag.oversized.contains("text") {
                        guard emit(oversized(tag, "text")) else { return }
                        continue
                    }
                    if mms!.bytes + text.utf8.count > context.options.maxLineBytes {
                        guard emit(oversized(tag, "text")) else { return }
                        continue
                    }
                    mms!.texts.append(text)
                    mms!.bytes += text.utf8.count + 1
                case "addr":
                    if tag["type"] == "137", let address = tag["address"], mms != nil { mms!.sender = address }
                default:
                    continue
                }
            case .end(let name, _):
                if name == "mms", let pending = mms.take() {
                    guard finish(pending, unclosed: false, &emit) else { return }
                }
                if let index = open.lastIndex(where: { $0.name == name }) { open.removeSubrange(index...) }
            case .malformed(let message, let line):
                guard emit(context.issue(.malformedXML, line: line, message, hint: "the element was skipped; the rest of the file was read")) else { return }
            case .truncated(let message, let line):
                if let pending = mms.take(), pending.tag.line != line {
                    guard emit(context.issue(.truncated, line: pending.tag.line, "the file ends inside this <mms>", hint: "its parts were not all read")) else { return }
                }
                emit(context.issue(.truncated, line: line, "\(message): the file is cut short",
                                   hint: "every record before this point was read; export the backup again for the rest"))
                return
            }
        }
        if let pending = mms.take() { guard finish(pending, unclosed: true, &emit) else { return } }
        if let root = open.first {
            emit(context.issue(.truncated, line: parser.input.line, "the file ends before </\(root.name)> (opened at line \(root.line)): it is cut short",
                               hint: "every record in it was read; export the backup again if some are missing", skipped: false))
        } else if !sawRoot {
            emit(context.issue(.unknownFormat, line: 0, "no <smses> or <calls> element: not an SMS Backup & Restore file",
                               hint: "check the file, or pick another --input-format"))
        }
    }

    private func emitAll(_ outputs: [ReaderOutput], _ emit: inout Emitter) -> Bool {
        for output in outputs { guard emit(output) else { return false } }
        return true
    }

    private func oversized(_ tag: XMLTag, _ attribute: String) -> ReaderOutput {
        context.issue(.oversizedLine, line: tag.line, "\(attribute) of <\(tag.name)> is over the limit of \(context.options.maxLineBytes) bytes",
                      hint: "raise it with --max-line-bytes")
    }

    private func utf8Issue(_ tag: XMLTag) -> ReaderOutput? {
        guard let attribute = tag.invalidUTF8.first else { return nil }
        return context.issue(.invalidUTF8, line: tag.line, "invalid UTF-8 in \(attribute) of <\(tag.name)>",
                             hint: "bad bytes were replaced with U+FFFD and the text was still scanned", skipped: false)
    }

    /// `date` in epoch milliseconds, with an issue when present but not a number.
    private func time(_ tag: XMLTag, _ outputs: inout [ReaderOutput]) -> Int64? {
        guard let date = tag["date"], !date.isEmpty, date != "null" else { return nil }
        if let value = Int64(date) { return value }
        outputs.append(context.issue(.badField, line: tag.line, "date=\"\(date.prefix(40))\" of <\(tag.name)> is not epoch milliseconds",
                                     hint: "the record was kept without a time", skipped: false))
        return nil
    }

    private func known(_ tag: XMLTag) -> Bool? {
        guard let name = tag["contact_name"], !name.isEmpty, name != "null" else { return nil }
        return name != "(Unknown)"
    }

    private func sms(_ tag: XMLTag) -> [ReaderOutput] {
        if tag.oversized.contains("body") { return [oversized(tag, "body")] }
        var out: [ReaderOutput] = []
        if let issue = utf8Issue(tag) { out.append(issue) }
        let time = time(tag, &out)
        guard let body = tag["body"], !body.isEmpty else { return out }
        let type = tag["type"].flatMap { Int($0) } ?? 1
        out.append(.record(Record(text: body, source: context.at(tag.line), time: time, channel: "sms", subject: context.subject,
                                  peer: nonNull(tag["address"]), peerKnown: known(tag), direction: type == 1 ? "in" : "out")))
        return out
    }

    private func call(_ tag: XMLTag) -> [ReaderOutput] {
        var out: [ReaderOutput] = []
        let time = time(tag, &out)
        guard let typeText = tag["type"], let type = Int(typeText), let event = CallEvent.name(androidType: type) else {
            out.append(context.issue(.badField, line: tag.line, "type=\"\(tag["type"] ?? "")\" of <call> is not a call type (1-7)",
                                     hint: "the call was skipped"))
            return out
        }
        let duration = tag["duration"].flatMap { Double($0) }
        var extra: [String: AttributeValue] = [:]
        if tag["presentation"] == "2" { extra["presentation"] = .string("restricted") }
        out.append(.record(CallEvent.record(event: event, number: nonNull(tag["number"]), duration: duration, inContacts: known(tag),
                                            contactName: known(tag) == true ? tag["contact_name"] : nil, time: time,
                                            source: context.at(tag.line), subject: context.subject, extra: extra)))
        return out
    }

    private func finish(_ pending: PendingMMS, unclosed: Bool, _ emit: inout Emitter) -> Bool {
        if unclosed {
            guard emit(context.issue(.malformedXML, line: pending.tag.line, "<mms> has no </mms>",
                                     hint: "the parts read up to the next element were kept", skipped: false)) else { return false }
        }
        var out: [ReaderOutput] = []
        if let issue = utf8Issue(pending.tag) { out.append(issue) }
        let time = time(pending.tag, &out)
        if !pending.texts.isEmpty {
            let box = pending.tag["msg_box"].flatMap { Int($0) } ?? 1
            let peer = box == 1 ? (pending.sender ?? nonNull(pending.tag["address"])) : nonNull(pending.tag["address"])
            out.append(.record(Record(text: pending.texts.joined(separator: "\n"), source: context.at(pending.tag.line), time: time,
                                      channel: "sms", subject: context.subject, peer: peer, peerKnown: known(pending.tag),
                                      direction: box == 1 ? "in" : "out")))
        }
        return emitAll(out, &emit)
    }

    private func nonNull(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value != "null" else { return nil }
        return value
    }
}
