import ScamEngine

/// Masks what identifies people in alerts (`--redact`), the same way in every format:
/// numbers (card and ID numbers, phone numbers, verification codes) in excerpts and names
/// (subject, peer, speaker). Invariant: no run of 4 or more digits of the input is left in a
/// masked field, and equal names mask to equal pseudonyms (alerts of one phone still group).
/// Names inside the message text itself (an excerpt saying 我是张警官) are not recognised.
public enum Redactor {
    /// `text` with every run of 4 or more digits (ASCII or full-width) turned into `*`s,
    /// keeping the last 2 of runs of 11 or more, so an analyst can still tell two cards apart
    /// without any 4 digits of them showing. A run goes on over one space, `-` or `.` between
    /// two digits: a code read out as "4 8 2 9 1 7" or a phone number as 415-555-0134 is one
    /// number (the separators stay, the digits go). A comma does not join: 5,000 is an amount.
    public static func redact(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        func isDigit(_ s: Unicode.Scalar) -> Bool { (0x30...0x39).contains(s.value) || (0xFF10...0xFF19).contains(s.value) }
        func joins(_ s: Unicode.Scalar) -> Bool { s == " " || s == "-" || s == "." || s == "\u{3000}" }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard isDigit(scalars[i]) else { out.append(scalars[i]); i += 1; continue }
            // The run: digits, and single separators with a digit on each side.
            var end = i, digits = 0
            while end < scalars.count {
                if isDigit(scalars[end]) {
                    digits += 1
                    end += 1
                } else if joins(scalars[end]), end + 1 < scalars.count, isDigit(scalars[end + 1]) {
                    end += 1
                } else {
                    break
                }
            }
            let keep = digits >= 11 ? 2 : 0
            var seen = 0
            for s in scalars[i..<end] {
                if isDigit(s) {
                    seen += 1
                    out.append(digits >= 4 && seen <= digits - keep ? "*" : s)
                } else {
                    out.append(s)
                }
            }
            i = end
        }
        return String(out)
    }

    /// Speaker labels that name a role, not a person: left as they are.
    static let roles: Set<String> = ["me", "caller", "callee", "agent", "customer", "user", "system", "unknown", "other",
                                     "坐席", "客服", "客户", "我", "对方", "来电", "本人"]

    /// A name as a stable pseudonym: its first character (`*` for a digit or `+`), `~`, then
    /// four letters from a hash of the whole name: `dev-7f3a` → `d~kpmq`. Role labels
    /// (`caller`, `SPEAKER_01`, 坐席) are kept: they say who spoke without saying who it was.
    public static func pseudonym(_ name: String) -> String {
        if roles.contains(name.lowercased()) || name.hasPrefix("SPEAKER_") { return name }
        let letters = hashLetters(name, count: 4)
        let first = name.unicodeScalars.first.map { s -> String in
            (0x30...0x39).contains(s.value) || (0xFF10...0xFF19).contains(s.value) || s == "+" ? "*" : String(s)
        } ?? ""
        return first + "~" + letters
    }

    /// A record id under `--redact`: kept when it holds no run of 4 digits (`corpus/msg/a12`),
    /// else its masked form and a hash of the whole id (`sms-********~qkcdhv`), so ids that
    /// were a phone number or a message number stay distinct and join alerts to one another
    /// without showing the number.
    public static func recordPseudonym(_ id: String) -> String {
        let masked = redact(id)
        guard masked != id else { return id }
        return masked + "~" + hashLetters(id, count: 6)
    }

    /// `count` lowercase letters from a stable hash of `text`.
    static func hashLetters(_ text: String, count: Int) -> String {
        var hash = StableHash()
        hash.add(text)
        var letters = "", v = hash.value
        for _ in 0..<count {
            letters.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "a") + UInt8(v % 26)))
            v /= 26
        }
        return letters
    }

    /// `alert` as every format writes it under `--redact`: excerpts masked, subject, peer and
    /// speakers as pseudonyms (also in the evidence). The one place redaction happens.
    public static func mask(_ alert: Alert) -> Alert {
        var a = alert
        a.subject = a.subject.map(pseudonym)
        a.peer = a.peer.map(pseudonym)
        a.recordID = a.recordID.map(recordPseudonym)
        for i in a.evidence.indices {
            a.evidence[i].excerpt = redact(a.evidence[i].excerpt)
            a.evidence[i].speaker = a.evidence[i].speaker.map(pseudonym)
            a.evidence[i].recordID = a.evidence[i].recordID.map(recordPseudonym)
        }
        return a
    }
}
