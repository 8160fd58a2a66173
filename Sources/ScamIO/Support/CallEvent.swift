import ScamEngine

/// Phone calls from call logs as device events (`channel: event`), in the design's vocabulary.
enum CallEvent {
    /// The event for an Android `CallLog.Calls.TYPE` value (1 incoming, 2 outgoing, 3 missed,
    /// 4 voicemail, 5 rejected, 6 blocked, 7 answered on another device).
    static func name(androidType: Int) -> String? {
        switch androidType {
        case 1: return "call.incoming"
        case 2: return "call.outgoing"
        case 3: return "call.missed"
        case 4: return "call.voicemail"
        case 5: return "call.rejected"
        case 6: return "call.blocked"
        case 7: return "call.answered_externally"
        default: return nil
        }
    }

    /// The direction of a call event.
    static func direction(_ event: String) -> String { event == "call.outgoing" ? "out" : "in" }

    /// A call event record: `number`, `duration_s` and `in_contacts` (when known) as attributes.
    static func record(event: String, number: String?, duration: Double?, inContacts: Bool?, contactName: String?,
                       time: Int64?, source: SourcePosition, subject: String?, id: String? = nil,
                       extra: [String: AttributeValue] = [:]) -> Record {
        var attrs = extra
        if let number, !number.isEmpty { attrs["number"] = .string(number) }
        if let duration { attrs["duration_s"] = .number(duration) }
        if let inContacts { attrs["in_contacts"] = .bool(inContacts) }
        let peer = number.flatMap { $0.isEmpty ? nil : $0 } ?? contactName
        return Record(text: nil, source: source, time: time, channel: "event", subject: subject, peer: peer,
                      peerKnown: inContacts, direction: direction(event), event: event, attrs: attrs, id: id)
    }
}
