import ScamEngine

/// Masks what identifies people in alerts (`--redact`), the same way in every format:
/// numbers (card and ID numbers, phone numbers, verification codes) in excerpts and names
/// (subject, peer, speaker). Invariant: no run of 4 or more digits of the input is left in a
/// masked field, and equal names mask to equal pseudonyms (alerts of one phone still group).
/// Names inside the message text itself (an excerpt saying 我是张警官) are not recognised.
public enum Redactor {
    /// `text` with every run of 4 or more digits (ASCII or full-width) turned into `*`s,
    /// keeping the last 2 of runs of 11 or more, so an analyst can still tell two cards apart
    /// without any 4 digits of them showing.
    public static func redact(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var run: [Unicode.Scalar] = []
        func flush() {
            if run.count >= 4 {
                let keep = run.count >= 11 ? 2 : 0
                for _ in 0..<(run.count - keep) { out.append("*") }
                out.append(contentsOf: run.suffix(keep))
            } else {
                out.append(contentsOf: run)
            }
            run.removeAll()
        }
        for s in text.unicodeScalars {
            // ASCII and full-width digits.
            if (0x30...0x39).contains(s.value) || (0xFF10...0xFF19).contains(s.value) {
                run.append(s)
            } else {
                flush()
                out.append(s)
            }
        }
        flush()
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
        var hash = StableHash()
        hash.add(name)
        var letters = "", v = hash.value
        for _ in 0..<4 {
            letters.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "a") + UInt8(v % 26)))
            v /= 26
        }
        let first = name.unicodeScalars.first.map { s -> String in
            (0x30...0x39).contains(s.value) || (0xFF10...0xFF19).contains(s.value) || s == "+" ? "*" : String(s)
        } ?? ""
        return first + "~" + letters
    }

    /// `alert` as every format writes it under `--redact`: excerpts masked, subject, peer and
    /// speakers as pseudonyms (also in the evidence). The one place redaction happens.
    public static func mask(_ alert: Alert) -> Alert {
        var a = alert
        a.subject = a.subject.map(pseudonym)
        a.peer = a.peer.map(pseudonym)
        for i in a.evidence.indices {
            a.evidence[i].excerpt = redact(a.evidence[i].excerpt)
            a.evidence[i].speaker = a.evidence[i].speaker.map(pseudonym)
        }
        return a
    }
}
