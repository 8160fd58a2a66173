import ScamEngine

/// Reads WeChat chat exports saved as CSV by WeChatMsg (留痕: `localId,TalkerId,Type,SubType,
/// IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender`) or by PyWxDump
/// (`id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime`).
///
/// Text messages (and quotes, link cards, system notices, voice transcriptions) become `chat`
/// records; transfers (转账, WeChat type 49/2000) become `payment.transfer` events with `amount`,
/// `currency`, `memo` and `status`; voice and video calls (type 50) become `call.incoming`,
/// `call.outgoing`, `call.missed` or `call.rejected` events with `duration_s` when answered.
/// Pictures, stickers, files and other media carry no text and are passed over.
///
/// Invariants: a record's position is the line its row starts on and its id the export's
/// message id; a broken quote or a row with the wrong number of fields is reported and the rest
/// is read.
struct WeChatCSVReader {
    /// Which tool wrote the file, from its header.
    enum Variant: Equatable {
        case weChatMsg
        case pyWxDump

        init?(header: [String]) {
            let names = Set(header.map { $0.trimmed() })
            if names.isSuperset(of: ["StrContent", "IsSender", "CreateTime", "Type"]) {
                self = .weChatMsg
            } else if names.isSuperset(of: ["MsgSvrID", "type_name", "is_sender", "msg", "CreateTime"]) {
                self = .pyWxDump
            } else {
                return nil
            }
        }
    }

    let context: ReadContext

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        var rows = CSVRowReader(maxRowBytes: context.options.maxLineBytes)
        var layout: (variant: Variant, index: [String: Int])?
        while let output = rows.next(&lines) {
            switch output {
            case .readError(let line, let code):
                emit(context.readError(code, line: line))
                return
            case .oversized(let line, let bytes):
                guard emit(context.issue(.oversizedLine, line: line, "\(bytes) bytes, over the limit of \(context.options.maxLineBytes)",
                                         hint: "raise it with --max-line-bytes")) else { return }
            case .brokenQuote(let line, let reason):
                guard emit(context.issue(.malformedCSV, line: line, "broken quote: \(reason)",
                                         hint: "the row was skipped; reading went on with the next line")) else { return }
            case .row(let fields, let line, let invalidUTF8, _):
                guard let (variant, index) = layout else {
                    let header = fields.map { $0.trimmed() }
                    guard let variant = Variant(header: header) else {
                        emit(context.issue(.unknownFormat, line: line, "the header is neither WeChatMsg's nor PyWxDump's: \(header.prefix(12).joined(separator: ","))",
                                           hint: "read other CSV files with --input-format csv --map text=COLUMN"))
                        return
                    }
                    var index: [String: Int] = [:]
                    for (i, name) in header.enumerated() where index[name] == nil { index[name] = i }
                    layout = (variant, index)
                    rows.expectedFields = header.count
                    continue
                }
                if fields.count == 1, fields[0].trimmed().isEmpty { continue }
                guard fields.count == rows.expectedFields else {
                    guard emit(context.issue(.malformedCSV, line: line, "\(fields.count) fields, the header has \(rows.expectedFields ?? 0)",
                                             hint: "the row was skipped; check its quotes")) else { return }
                    continue
                }
                if invalidUTF8 {
                    guard emit(context.issue(.invalidUTF8, line: line, "invalid UTF-8 in the row",
                                             hint: "bad bytes were replaced with U+FFFD and the row was still scanned", skipped: false)) else { return }
                }
                let row = Row(fields: fields, index: index)
                let outputs = variant == .weChatMsg ? weChatMsg(row, line: line) : pyWxDump(row, line: line)
                for output in outputs { guard emit(output) else { return } }
            }
        }
    }

    /// One row's fields by column name.
    struct Row {
        let fields: [String]
        let index: [String: Int]

        subscript(_ name: String) -> String? {
            guard let i = index[name], i < fields.count else { return nil }
            let value = fields[i]
            return value.isEmpty ? nil : value
        }
    }

    // MARK: WeChatMsg

    private func weChatMsg(_ row: Row, line: Int) -> [ReaderOutput] {
        var out: [ReaderOutput] = []
        let type = row["Type"].flatMap { Int($0.trimmed()) } ?? 1
        let subType = row["SubType"].flatMap { Int($0.trimmed()) } ?? 0
        let outgoing = row["IsSender"]?.trimmed() == "1"
        let time = timeOf(row["CreateTime"], fallback: row["StrTime"], line: line, &out)
        let content = row["StrContent"] ?? ""
        let peer = outgoing ? nil : (row["Remark"] ?? row["NickName"] ?? row["Sender"])
        let id = row["localId"]
        switch (type, subType) {
        case (49, 2000):
            let info = WeChatContent.transfer(fromXML: content)
            out.append(.record(transfer(info, outgoing: outgoing, peer: peer, time: time, line: line, id: id)))
        case (50, _):
            out.append(.record(call(status: WeChatContent.voipStatus(content), outgoing: outgoing, peer: peer, time: time, line: line, id: id)))
        case (3, _), (34, _), (43, _), (47, _), (48, _):
            break
        default:
            let text = content.hasPrefix("<") ? WeChatContent.appMessageText(content) : content
            if let text, !text.trimmed().isEmpty {
                out.append(.record(Record(text: text, source: context.at(line), time: time, channel: "chat", subject: context.subject,
                                          peer: type == 10000 ? nil : peer, direction: outgoing ? "out" : "in", id: id)))
            }
        }
        return out
    }

    // MARK: PyWxDump

    static let mediaTypes: Set<String> = ["图片", "视频", "动画表情", "表情", "文件", "文件(猜)", "用户上传的GIF表情",
                                          "用户上传的 GIF 表情", "位置", "地图信息", "赠送红包封面", "(分享)音乐"]

    private func pyWxDump(_ row: Row, line: Int) -> [ReaderOutput] {
        var out: [ReaderOutput] = []
        let typeName = row["type_name"]?.trimmed() ?? "文本"
        let outgoing = row["is_sender"]?.trimmed() == "1"
        let time = timeOf(nil, fallback: row["CreateTime"], line: line, &out)
        let message = row["msg"] ?? ""
        let talker = row["talker"].flatMap { $0 == "我" ? nil : $0 }
        let peer = outgoing ? row["room_name"] : (talker ?? row["room_name"])
        let id = row["MsgSvrID"] ?? row["id"]
        if typeName.contains("转账") {
            out.append(.record(transfer(WeChatContent.transfer(fromText: message), outgoing: outgoing, peer: peer, time: time, line: line, id: id)))
        } else if typeName == "语音通话" {
            out.append(.record(call(status: WeChatContent.voipStatus(message), outgoing: outgoing, peer: peer, time: time, line: line, id: id)))
        } else if !Self.mediaTypes.contains(typeName), !message.trimmed().isEmpty {
            out.append(.record(Record(text: message, source: context.at(line), time: time, channel: "chat", subject: context.subject,
                                      peer: typeName == "系统通知" ? nil : peer, direction: outgoing ? "out" : "in", id: id)))
        }
        return out
    }

    // MARK: Shared

    /// Epoch seconds when given, else a local time string in `--tz`.
    private func timeOf(_ epoch: String?, fallback: String?, line: Int, _ out: inout [ReaderOutput]) -> Int64? {
        if let epoch, let seconds = Int64(epoch.trimmed()), abs(seconds) < 100_000_000_000 { return seconds * 1000 }
        guard let text = fallback ?? epoch else { return nil }
        if let ms = LocalTime.parse(text, zone: context.options.zone) { return ms }
        out.append(context.issue(.badField, line: line, "time '\(text.prefix(40))' is not a time", hint: "the message was kept without a time", skipped: false))
        return nil
    }

    private func transfer(_ info: WeChatContent.Transfer, outgoing: Bool, peer: String?, time: Int64?, line: Int, id: String?) -> Record {
        var attrs: [String: AttributeValue] = ["currency": .string("CNY")]
        if let amount = info.amount { attrs["amount"] = .number(amount) }
        if let memo = info.memo, !memo.isEmpty { attrs["memo"] = .string(memo) }
        if let status = info.status { attrs["status"] = .string(status) }
        if let peer { attrs[outgoing ? "payee" : "payer"] = .string(peer) }
        return Record(text: nil, source: context.at(line), time: time, channel: "event", subject: context.subject, peer: peer,
                      direction: outgoing ? "out" : "in", event: "payment.transfer", attrs: attrs, id: id)
    }

    private func call(status: WeChatContent.CallStatus, outgoing: Bool, peer: String?, time: Int64?, line: Int, id: String?) -> Record {
        let event: String
        switch (outgoing, status.outcome) {
        case (true, _): event = "call.outgoing"
        case (false, .missed): event = "call.missed"
        case (false, .rejected): event = "call.rejected"
        case (false, _): event = "call.incoming"
        }
        var extra: [String: AttributeValue] = [:]
        if !status.text.isEmpty { extra["status"] = .string(status.text) }
        if outgoing { extra["answered"] = .bool(status.outcome == .answered) }
        return CallEvent.record(event: event, number: nil, duration: status.duration, inContacts: nil, contactName: peer, time: time,
                                source: context.at(line), subject: context.subject, id: id, extra: extra)
    }
}
