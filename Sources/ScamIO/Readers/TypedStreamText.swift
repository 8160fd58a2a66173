/// The plain text of an iMessage `attributedBody`: an `NSAttributedString` archived by
/// `NSArchiver` in Apple's "typedstream" format, which recent macOS and iOS versions write
/// instead of filling `message.text`.
///
/// Only the shape every such archive has is accepted: the `streamtyped` header, an
/// `NSAttributedString` (or `NSMutableAttributedString`) whose first object is an `NSString`
/// (or `NSMutableString`) stored as `+` (UTF-8 bytes) with a length that fits the blob and
/// bytes that are valid UTF-8. Anything else returns nil, so a blob is never guessed at: the
/// caller reports it instead of scanning garbage.
enum TypedStreamText {
    static func decode(_ blob: [UInt8]) -> String? {
        let header: [UInt8] = [0x04, 0x0B] + Array("streamtyped".utf8)
        guard blob.starts(with: header) else { return nil }
        guard let container = find(Array("AttributedString".utf8), in: blob, from: header.count) else { return nil }
        var classEnd: Int?
        for name in ["NSString", "NSMutableString"] {
            if let at = find(Array(name.utf8), in: blob, from: container) {
                let end = at + name.utf8.count
                if classEnd == nil || end < classEnd! { classEnd = end }
            }
        }
        guard let afterClass = classEnd else { return nil }
        // The class chain ends and the object starts with the type `+` (84 01 2B) soon after.
        guard let plus = find([0x84, 0x01, 0x2B], in: blob, from: afterClass), plus - afterClass <= 16 else { return nil }
        var i = plus + 3
        guard i < blob.count else { return nil }
        let length: Int
        switch blob[i] {
        case 0x81:
            guard i + 3 <= blob.count else { return nil }
            length = Int(blob[i + 1]) | Int(blob[i + 2]) << 8
            i += 3
        case 0x82:
            guard i + 5 <= blob.count else { return nil }
            length = Int(blob[i + 1]) | Int(blob[i + 2]) << 8 | Int(blob[i + 3]) << 16 | Int(blob[i + 4]) << 24
            i += 5
        case let b where b < 0x80:
            length = Int(b)
            i += 1
        default:
            return nil
        }
        guard length > 0, i + length <= blob.count else { return nil }
        return String(validating: blob[i..<(i + length)], as: UTF8.self)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
