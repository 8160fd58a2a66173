/// Escaping for the HTML report: the one place input text becomes markup.
///
/// Invariant: what `escape` returns holds none of `<`, `>`, `&`, `"`, `'` except in the
/// entities it wrote, and no C0 control but tab and newline, so any input string (an SMS that
/// says `<script>`, a peer named `"><img onerror=…>`) is shown as text whether it lands in an
/// element or in a quoted attribute value.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            // Other controls (NUL, ESC, DEL, the C1 range) and lone format characters a
            // browser may choke on or hide are shown as the replacement character.
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
