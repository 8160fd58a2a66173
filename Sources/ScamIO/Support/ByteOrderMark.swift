/// Byte-order marks at the start of an input. Editors and tools on Windows (Notepad, Excel,
/// PowerShell redirection) write one before UTF-8 text; it is not part of the first line's
/// content, and left there it made the first JSON line "malformed JSON at byte 0", a record
/// lost without a word of why.
///
/// `LineReader` drops a UTF-8 mark at the start of an input. Anywhere else a mark is the
/// problem with the line, and the parsers name it (`problem(startingLine:)`) instead of
/// reporting an unexpected byte.
public enum ByteOrderMark {
    /// EF BB BF, U+FEFF in UTF-8.
    public static let utf8: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Why a line that does not parse fails, when a byte-order mark starts it; else nil.
    public static func problem<C: Collection>(startingLine line: C) -> String? where C.Element == UInt8 {
        if line.starts(with: utf8) {
            return "a UTF-8 byte-order mark (EF BB BF) starts the line; one is accepted only at the very start of an input "
                + "(were two files joined with cat? remove the mark, e.g. sed '1s/^\\xEF\\xBB\\xBF//' FILE)"
        }
        if line.starts(with: [0xFF, 0xFE]) || line.starts(with: [0xFE, 0xFF]) {
            let mark = line.starts(with: [0xFF, 0xFE]) ? "FF FE" : "FE FF"
            return "the input is UTF-16 (byte-order mark \(mark)), not UTF-8: convert it, e.g. iconv -f UTF-16 -t UTF-8 FILE"
        }
        return nil
    }
}
