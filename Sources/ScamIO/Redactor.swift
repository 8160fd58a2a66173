/// Masks numbers that identify people or unlock accounts (card and ID numbers, phone numbers,
/// verification codes) in excerpts: a run of 4 or more digits becomes `*`s, keeping the last 4
/// of runs of 11 or more so an analyst can still tell two cards apart.
public enum Redactor {
    public static func redact(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var run: [Unicode.Scalar] = []
        func flush() {
            if run.count >= 4 {
                let keep = run.count >= 11 ? 4 : 0
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
}
