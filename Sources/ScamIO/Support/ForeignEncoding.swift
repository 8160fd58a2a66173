import Foundation

/// Text in an encoding other than UTF-8 that tools commonly write: UTF-16 (PowerShell's `>`,
/// Notepad's "Unicode", Excel's "Unicode text") and, rarely, UTF-32. Read as UTF-8 it is noise:
/// a `.jsonl` file gave "malformed JSON at byte 0" for every line and never said why. Every
/// reader takes UTF-8 only, so it is recognised from the head, before any format reads it, and
/// named for the whole input with the command that converts it.
public struct ForeignEncoding: Sendable, Equatable {
    /// `UTF-16LE`, `UTF-16BE`, `UTF-32LE` or `UTF-32BE`.
    public var name: String
    /// How it was recognised: `byte-order mark FF FE`, or the pattern of zero bytes.
    public var evidence: String
    /// What `iconv -f` takes: `UTF-16` and `UTF-32` read the mark; without one the byte order
    /// must be named.
    public var iconvName: String

    /// The encoding of `head` (an input's first bytes) when it is UTF-16 or UTF-32, else nil.
    /// With a byte-order mark that is certain; without one, UTF-16 is recognised by its ASCII
    /// characters (a tenth of the characters at least: line ends and JSON punctuation are, even
    /// in Chinese messages), whose other byte is zero always on the same side, none a NUL or
    /// other control character. UTF-8 text has no zero byte at all, so the only other verdict
    /// for such a head is binary data. An SQLite database (the one binary format) is never text.
    public static func detect(_ head: [UInt8]) -> ForeignEncoding? {
        guard !FormatDetector.isSQLite(head) else { return nil }
        let marks: [([UInt8], String, String)] = [
            ([0xFF, 0xFE, 0x00, 0x00], "UTF-32LE", "UTF-32"), ([0x00, 0x00, 0xFE, 0xFF], "UTF-32BE", "UTF-32"),
            ([0xFF, 0xFE], "UTF-16LE", "UTF-16"), ([0xFE, 0xFF], "UTF-16BE", "UTF-16"),
        ]
        for (mark, name, iconv) in marks where head.starts(with: mark) {
            let hex = mark.map { String(format: "%02X", $0) }.joined(separator: " ")
            return ForeignEncoding(name: name, evidence: "byte-order mark \(hex)", iconvName: iconv)
        }
        let sample = head.prefix(4096)
        guard sample.count >= 16, sample.contains(0) else { return nil }
        for littleEndian in [true, false] {
            var ascii = 0, zeroLow = 0, pairs = 0
            var i = sample.startIndex
            while i + 1 < sample.endIndex {
                let (low, high) = littleEndian ? (sample[i], sample[i + 1]) : (sample[i + 1], sample[i])
                pairs += 1
                i += 2
                if high == 0 {
                    guard low >= 0x20 || low == 0x09 || low == 0x0A || low == 0x0D else { ascii = -1; break }
                    ascii += 1
                } else if low == 0 {
                    zeroLow += 1  // U+4E00, U+6700...: a Han character whose low byte is zero
                }
            }
            if ascii >= 4, ascii * 10 >= pairs, zeroLow * 4 <= ascii {
                let name = littleEndian ? "UTF-16LE" : "UTF-16BE"
                return ForeignEncoding(name: name, evidence: "no byte-order mark, but every other byte is zero like \(name)'s", iconvName: name)
            }
        }
        return nil
    }

    /// What it is, as a phrase: `UTF-16LE text (byte-order mark FF FE), not UTF-8`.
    public var summary: String { "\(name) text (\(evidence)), not UTF-8" }

    /// What is wrong, for an issue about the input named `file` (`<stdin>` for standard input).
    public func problem(file: String) -> String {
        "\(file == "<stdin>" ? "the input" : "the file") is \(name) (\(evidence)); scamflow reads UTF-8 only"
    }

    /// The command that converts `file` to UTF-8, as a hint.
    public func fix(file: String) -> String {
        let convert = "iconv -f \(iconvName) -t UTF-8"
        guard file != "<stdin>" else { return "convert it first: pipe it through \(convert)" }
        let slash = file.lastIndex(of: "/").map { file.index(after: $0) } ?? file.startIndex
        let dot = file[slash...].lastIndex(of: ".").flatMap { $0 == slash ? nil : $0 }
        let converted = dot.map { file[..<$0] + ".utf8" + file[$0...] } ?? file + ".utf8"
        return "convert it first: \(convert) \(Self.quoted(file)) > \(Self.quoted(String(converted))), then scan that file"
    }

    /// `path` as a shell word: as is when it holds only safe characters, else in single quotes.
    static func quoted(_ path: String) -> String {
        let safe = path.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-+/,:@%".unicodeScalars.contains($0)) }
        return safe && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
