/// Look-alike spellings folded by the normalizer after its per-scalar steps: what scammers
/// type to slip past keyword filters while a person still reads the word.
///
/// - **Han look-alikes** (`han`): variant and look-alike characters with the character they
///   stand for (囯 → 国, 値 → 值), applied with traditional → simplified, scalar by scalar.
/// - **Symbols inside a Latin word** are dropped (`acc★ount`, `pay♥pal`): decorative symbols
///   (dingbats, hearts, stars, bullets, emoji) with an ASCII letter on both sides, when the
///   letters around them spell a word of `LookAlikeWords`.
/// - **Spaced letters** (`b a n k`, `p.a.y.p.a.l`): three or more single letters, each
///   separated by one space or one dot (the same separator throughout), are joined when they
///   spell a word of `LookAlikeWords` (so `a b c` and initials stay as they are).
/// - **Letters in digit runs** (`4OO8l23456`, `2o25`): `l` and `i` become `1`, `o` becomes `0`
///   when the token is made of digits and those letters only and each such letter stands between
///   digits. A trailing letter stays (`10l` of water is not `101`), so amounts and phone
///   numbers written with digits are never touched.
/// - **Leetspeak in a Latin word** (`P@yPal`, `acc0unt`, `ver1fy`, `s3curity`, `pa$$word`):
///   `0`→o, `1`→l or i, `3`→e, `4`→a, `5`→s, `@`→a, `$`→s inside a token of letters, digits,
///   `@` and `$`, only when the result is a word of `LookAlikeWords` (with an `s`, `es`, `ed`,
///   `d`, `ing` or `ly` ending): `$500`, `b2b`, `mp3` and order numbers stay as they are.
///
/// Invariants: the text stays valid UTF-8; substitutions replace an ASCII byte by an ASCII
/// byte (so the normalized map is unchanged for them) and deletions remove whole scalars
/// (the map is rebuilt by `ByteMap.deleting`), so every byte still maps to the original scalar
/// it came from.
enum LookAlikes {
    /// Han variants and look-alikes → the character the rules are written with. Not in
    /// `TraditionalToSimplified` (which maps a traditional character to its simplified form);
    /// these are other characters that a reader takes for the word's own.
    static let han: [UInt32: UInt32] = {
        let pairs: [(Character, Character)] = [
            ("囯", "国"), ("圀", "国"), ("囶", "国"), ("囻", "国"), ("國", "国"), ("値", "值"), ("吿", "告"),
            ("戸", "户"), ("戶", "户"), ("巿", "市"), ("叧", "另"), ("徴", "征"), ("揺", "摇"), ("銭", "钱"),
            ("賎", "贱"), ("冩", "写"), ("窓", "窗"), ("搨", "拓"), ("亊", "事"), ("説", "说"), ("悪", "恶"),
            ("険", "险"), ("験", "验"), ("証", "证"), ("関", "关"), ("帰", "归"), ("決", "决"), ("変", "变"),
            ("転", "转"), ("従", "从"), ("訳", "译"), ("鉄", "铁"),
        ]
        var out: [UInt32: UInt32] = [:]
        for (a, b) in pairs { out[a.unicodeScalars.first!.value] = b.unicodeScalars.first!.value }
        return out
    }()

    @inline(__always)
    static func isLetter(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// A decorative symbol, dropped between two letters (`★` in `acc★ount`).
    static func isDecorative(_ v: UInt32) -> Bool {
        switch v {
        case 0xB7, 0x2022, 0x2023, 0x2027, 0x2219, 0x22C5, 0x25A0...0x25FF, 0x2600...0x27BF, 0x2B50...0x2B55,
             0x1F300...0x1FAFF, 0x2764, 0x2665, 0x2661:
            return true
        default: return false
        }
    }

    /// `bytes` (normalized: Latin lowercased) with the look-alikes folded, and the byte ranges
    /// deleted; nil when there is nothing to fold (nearly every text: the check is one pass).
    static func fold(_ bytes: inout [UInt8]) -> [Range<Int>]? {
        let n = bytes.count
        // One pass to see whether anything can apply: a letter next to a digit, `@`, `$` or a
        // non-ASCII scalar, or a letter with a space or dot on each side.
        var candidate = false
        var i = 0
        while i < n - 1 {
            let a = bytes[i], b = bytes[i + 1]
            if isLetter(a) || isDigit(a) {
                if (isLetter(a) && (isDigit(b) || b == 0x40 || b == 0x24 || b >= 0xC2 || b == 0x20 || b == 0x2E))
                    || (isDigit(a) && isLetter(b)) { candidate = true; break }
            } else if (a == 0x40 || a == 0x24) && isLetter(b) { candidate = true; break }
            i += 1
        }
        guard candidate else { return nil }
        var deleted: [Range<Int>] = []
        dropSymbolsInWords(&bytes, &deleted)
        joinSpacedLetters(&bytes, &deleted)
        fixTokens(&bytes, deleted: deleted)
        return deleted.isEmpty ? [] : deleted.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Decodes the scalar at `i` (valid UTF-8): value and width.
    @inline(__always)
    static func scalar(_ bytes: [UInt8], _ i: Int) -> (UInt32, Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 < 0xE0 { return (UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 { return (UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3) }
        return (UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    /// Up to two decorative symbols between two ASCII letters are deleted when the letters
    /// around them spell a word (`acc★ount`; `ok👍thanks` stays two words).
    static func dropSymbolsInWords(_ bytes: inout [UInt8], _ deleted: inout [Range<Int>]) {
        let n = bytes.count
        var i = 1
        while i < n {
            guard bytes[i] >= 0xC2, isLetter(bytes[i - 1]) else { i += 1; continue }
            var j = i, symbols = 0
            while j < n, bytes[j] >= 0xC2, symbols < 2 {
                let (v, w) = scalar(bytes, j)
                guard isDecorative(v) else { break }
                j += w; symbols += 1
            }
            if symbols > 0, j < n, isLetter(bytes[j]) {
                var left = i - 1, right = j
                while left > 0, isLetter(bytes[left - 1]) { left -= 1 }
                while right < n, isLetter(bytes[right]) { right += 1 }
                if LookAlikeWords.contains(Array(bytes[left..<i]) + Array(bytes[j..<right])) { deleted.append(i..<j) }
            }
            i = max(j, i + 1)
        }
    }

    /// `b a n k`, `p.a.y.p.a.l`: the separators are deleted when the letters spell a word.
    static func joinSpacedLetters(_ bytes: inout [UInt8], _ deleted: inout [Range<Int>]) {
        let n = bytes.count
        func boundary(_ k: Int) -> Bool { k < 0 || k >= n || !(isLetter(bytes[k]) || isDigit(bytes[k])) }
        var i = 0
        while i < n {
            guard isLetter(bytes[i]), boundary(i - 1), i + 2 < n, bytes[i + 1] == 0x20 || bytes[i + 1] == 0x2E else { i += 1; continue }
            let separator = bytes[i + 1]
            var letters: [UInt8] = [bytes[i]]
            var j = i + 1
            // Single letter, separator, single letter, ...
            while j + 1 < n, bytes[j] == separator, isLetter(bytes[j + 1]), boundary(j + 2) {
                letters.append(bytes[j + 1]); j += 2
            }
            if letters.count >= 3, LookAlikeWords.contains(letters) {
                var k = i + 1
                while k < j { deleted.append(k..<(k + 1)); k += 2 }
                i = j
            } else {
                i += 1
            }
        }
    }

    /// Digit runs and leetspeak, token by token (a token: ASCII letters, digits, `@`, `$`, with
    /// the bytes deleted above skipped over).
    static func fixTokens(_ bytes: inout [UInt8], deleted: [Range<Int>]) {
        let n = bytes.count
        let gone = deleted.isEmpty ? [] : Set(deleted.flatMap { Array($0) })
        func tokenByte(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) || b == 0x40 || b == 0x24 }
        var i = 0
        while i < n {
            guard tokenByte(bytes[i]) else { i += 1; continue }
            // Most tokens are a plain word or a plain number: only one with letters and digits,
            // `@` or `$` together is looked at closely.
            var j = i, letters = false, others = false
            while j < n, tokenByte(bytes[j]) || (!gone.isEmpty && gone.contains(j)) {
                if isLetter(bytes[j]) { letters = true } else if !gone.contains(j) { others = true }
                j += 1
            }
            defer { i = j }
            guard letters && others, j - i <= 24 else { continue }
            let positions = (i..<j).filter { !gone.contains($0) }
            guard positions.count >= 2 else { continue }
            let token = positions.map { bytes[$0] }
            if let fixed = digitRun(token) ?? leet(token) {
                for (k, p) in positions.enumerated() { bytes[p] = fixed[k] }
            }
        }
    }

    /// `4oo8l23456` → `4008123456`: digits with `l`, `i`, `o` between digits.
    static func digitRun(_ token: [UInt8]) -> [UInt8]? {
        var digits = 0, letters = 0
        for b in token {
            if isDigit(b) { digits += 1 } else if b == 0x6C || b == 0x69 || b == 0x6F { letters += 1 } else { return nil }
        }
        guard letters > 0, digits >= 3, isDigit(token.first!), isDigit(token.last!) else { return nil }
        return token.map { $0 == 0x6F ? 0x30 : ($0 == 0x6C || $0 == 0x69) ? 0x31 : $0 }
    }

    /// The word a leetspeak token spells (same length), or nil.
    static func leet(_ token: [UInt8]) -> [UInt8]? {
        var choices: [[UInt8]] = []
        var ambiguous = 0, letters = 0, swaps = 0
        for b in token {
            switch b {
            case 0x30: choices.append([0x6F]); swaps += 1
            case 0x31: choices.append([0x6C, 0x69]); swaps += 1; ambiguous += 1
            case 0x33: choices.append([0x65]); swaps += 1
            case 0x34, 0x40: choices.append([0x61]); swaps += 1
            case 0x35, 0x24: choices.append([0x73]); swaps += 1
            default:
                guard isLetter(b) else { return nil }
                choices.append([b]); letters += 1
            }
        }
        guard swaps > 0, letters >= 2, ambiguous <= 3 else { return nil }
        var word = [UInt8](repeating: 0, count: token.count)
        func search(_ k: Int) -> Bool {
            if k == choices.count { return LookAlikeWords.contains(word) }
            for c in choices[k] {
                word[k] = c
                if search(k + 1) { return true }
            }
            return false
        }
        return search(0) ? word : nil
    }
}
