import ScamEngine

/// Reads what `adb shell content query --uri content://sms` (or `content://sms/inbox`,
/// `content://call_log/calls`) prints: `Row: N key=value, key=value, ...`, one row a line,
/// except that a message body may hold newlines (its next lines do not start with `Row:`) and
/// commas.
///
/// A row is split at `, key=` only where `key` is a column: a known SMS or call-log column that
/// has not been seen in the row, or, before any free-text column (`body`, `subject`, `name`),
/// any name. Once a row has been split, later rows must list the same columns in the same order
/// (adb prints one projection), so `, date=5` inside a body stays in the body. SMS rows (with
/// `body`) become `sms` records; call-log rows (with `number` and `duration`) become call events.
///
/// Invariants: a record's position is the line its `Row:` starts on and its id the row's `_id`;
/// `NULL` is an absent value; a row over `maxLineBytes` is reported and skipped.
struct ADBContentReader {
    let context: ReadContext

    static let knownColumns: Set<String> = [
        // Telephony.Sms
        "_id", "thread_id", "address", "person", "date", "date_sent", "protocol", "read", "status", "type",
        "reply_path_present", "subject", "body", "service_center", "locked", "sub_id", "error_code", "creator", "seen",
        "priority", "app_id", "msg_id", "sim_id", "sim_slot", "phone_id", "retry_count", "deletable", "hidden",
        "group_id", "group_type", "delivery_date", "pri", "teleservice_id", "link_url", "svc_cmd", "svc_cmd_content",
        "roam_pending", "spam_report", "secret_mode", "safe_message", "favorite", "d_rpt_cnt", "using_mode",
        "device_name", "correlation_tag", "object_id", "cmc_prop", "mx_status", "mx_id", "block_type", "advanced_seen",
        "fake_cell_type", "url_risky_type", "favorite_date", "out_time", "timed", "account", "marker", "deleted",
        "source", "sync_state", "network_type", "privacy_mode", "is_secret", "risk_url_body", "rcs_message_type",
        // CallLog.Calls
        "number", "presentation", "post_dial_digits", "via_number", "duration", "data_usage", "features",
        "subscription_component_name", "subscription_id", "phone_account_address", "new", "name", "numbertype",
        "numberlabel", "countryiso", "voicemail_uri", "is_read", "geocoded_location", "lookup_uri", "matched_number",
        "normalized_number", "photo_id", "photo_uri", "formatted_number", "add_for_all_users", "last_modified",
        "call_screening_component_name", "call_screening_app_name", "block_reason", "transcription",
        "transcription_state", "missed_reason", "location", "composer_photo_uri", "is_business_call",
        "asserted_display_name",
        // Telephony.Mms
        "msg_box", "m_type", "sub", "ct_t", "m_id", "tr_id", "text_only",
    ]

    /// Columns whose values are free text, after which an unknown `, key=` stays in the value.
    static let freeText: Set<String> = ["body", "subject", "name", "transcription", "geocoded_location", "numberlabel", "sub"]

    /// The row number of a `Row: N ...` line.
    static func rowNumber<S: StringProtocol>(of line: S) -> Int? {
        guard line.hasPrefix("Row: ") else { return nil }
        let digits = line.dropFirst(5).prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, line.dropFirst(5 + digits.count).first == " " else { return nil }
        return Int(digits)
    }

    func read(_ lines: inout LineReader, _ emit: inout Emitter) {
        var order: [String]?
        var pending: (line: Int, text: String, bytes: Int)?
        var dropping = false
        func flush(_ emit: inout Emitter) -> Bool {
            guard let row = pending.take() else { return true }
            for output in outputs(row.text, line: row.line, order: &order) { guard emit(output) else { return false } }
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
                if Self.rowNumber(of: text) != nil {
                    guard flush(&emit) else { return }
                    pending = (number, text, bytes.count)
                    dropping = false
                } else if dropping {
                    continue
                } else if var row = pending {
                    row.bytes += bytes.count + 1
                    if row.bytes > context.options.maxLineBytes {
                        pending = nil
                        dropping = true
                        guard emit(context.issue(.oversizedLine, line: row.line, "the row runs over \(context.options.maxLineBytes) bytes",
                                                 hint: "raise it with --max-line-bytes")) else { return }
                        continue
                    }
                    row.text += "\n" + text
                    pending = row
                } else if !text.trimmed().isEmpty, text.trimmed() != "No result found." {
                    guard emit(context.issue(.badField, line: number, "a line before the first `Row:`: \(text.prefix(60))",
                                             hint: "adb content query output starts with `Row: 0 `; the line was skipped")) else { return }
                }
            }
        }
        _ = flush(&emit)
    }

    /// Splits one row into its columns, in order.
    ///
    /// Every `, key=` is a candidate boundary. The row's columns are the learned `order` (or, for
    /// the first row, the candidates that are known columns not yet seen, or any name before the
    /// first free-text column). A look-alike `, key=` can only sit inside free text, so columns
    /// up to the first free-text one take their earliest candidate and columns after it their
    /// latest: `body=a, seen=0, b, seen=1` keeps `a, seen=0, b` as the body.
    func split(_ text: String, order: inout [String]?) -> [(key: String, value: String)] {
        let bytes = Array(text.utf8)
        guard let number = Self.rowNumber(of: text) else { return [] }
        let start = 5 + String(number).utf8.count + 1
        guard let firstEq = bytes[start...].firstIndex(of: UInt8(ascii: "=")) else { return [] }
        // Candidates: (key, where its ", " starts, where its value starts).
        var candidates: [(key: String, at: Int, value: Int)] = [(String(decoding: bytes[start..<firstEq], as: UTF8.self), start, firstEq + 1)]
        var i = firstEq + 1
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: ","), bytes[i + 1] == UInt8(ascii: " ") {
                var j = i + 2
                while j < bytes.count, Self.isKeyByte(bytes[j]) { j += 1 }
                if j > i + 2, j < bytes.count, bytes[j] == UInt8(ascii: "=") {
                    candidates.append((String(decoding: bytes[(i + 2)..<j], as: UTF8.self), i, j + 1))
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        let keys: [String]
        if let order {
            keys = order
        } else {
            var seen: Set<String> = []
            var derived: [String] = []
            var inFreeText = false
            for candidate in candidates where !seen.contains(candidate.key) {
                guard derived.isEmpty || Self.knownColumns.contains(candidate.key) || !inFreeText else { continue }
                seen.insert(candidate.key)
                derived.append(candidate.key)
                if Self.freeText.contains(candidate.key) { inFreeText = true }
            }
            keys = derived
        }
        // Columns up to the first free-text one: earliest candidates; after it: latest.
        let free = keys.firstIndex { Self.freeText.contains($0) } ?? keys.count - 1
        var chosen = [Int?](repeating: nil, count: keys.count)
        var next = 0
        for k in 0...max(0, min(free, keys.count - 1)) where k < keys.count {
            guard let c = candidates[next...].firstIndex(where: { $0.key == keys[k] }) else { break }
            chosen[k] = c
            next = c + 1
        }
        var limit = candidates.count
        if free + 1 < keys.count {
            for k in stride(from: keys.count - 1, to: free, by: -1) {
                guard let c = candidates[next..<limit].lastIndex(where: { $0.key == keys[k] }) else { continue }
                chosen[k] = c
                limit = c
            }
        }
        let picks = chosen.compactMap { $0 }
        guard !picks.isEmpty, picks.first == 0 else { return [] }
        var pairs: [(key: String, value: String)] = []
        for (n, c) in picks.enumerated() {
            let end = n + 1 < picks.count ? candidates[picks[n + 1]].at : bytes.count
            pairs.append((candidates[c].key, String(decoding: bytes[candidates[c].value..<max(end, candidates[c].value)], as: UTF8.self)))
        }
        if order == nil { order = pairs.map(\.key) }
        return pairs
    }

    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    private func outputs(_ text: String, line: Int, order: inout [String]?) -> [ReaderOutput] {
        let pairs = split(text, order: &order)
        var values: [String: String] = [:]
        for (key, value) in pairs where value != "NULL" { values[key] = value }
        var out: [ReaderOutput] = []
        var time: Int64?
        if let date = values["date"] {
            if let ms = Int64(date) { time = ms } else {
                out.append(context.issue(.badField, line: line, "date=\(date.prefix(30)) is not epoch milliseconds", hint: "the row was kept without a time", skipped: false))
            }
        }
        let id = values["_id"]
        if pairs.contains(where: { $0.key == "body" }) {
            guard let body = values["body"], !body.isEmpty else { return out }
            let type = values["type"].flatMap { Int($0) } ?? 1
            out.append(.record(Record(text: body, source: context.at(line), time: time, channel: "sms", subject: context.subject,
                                      peer: values["address"], direction: type == 1 ? "in" : "out", id: id)))
        } else if values["number"] != nil || values["duration"] != nil, let typeText = values["type"] {
            guard let type = Int(typeText), let event = CallEvent.name(androidType: type) else {
                out.append(context.issue(.badField, line: line, "type=\(typeText.prefix(10)) is not a call type (1-7)", hint: "the call was skipped"))
                return out
            }
            let name = values["name"].flatMap { $0.isEmpty ? nil : $0 }
            out.append(.record(CallEvent.record(event: event, number: values["number"], duration: values["duration"].flatMap { Double($0) },
                                                inContacts: name != nil, contactName: name, time: time, source: context.at(line),
                                                subject: context.subject, id: id)))
        } else if values["msg_box"] == nil {
            out.append(context.issue(.noText, line: line, "the row has neither body (content://sms) nor number and type (content://call_log/calls)",
                                     hint: "query content://sms or content://call_log/calls"))
        }
        return out
    }
}
