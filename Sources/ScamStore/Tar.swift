import ScamPacks

/// A strict reader and a reproducible writer for the subset of POSIX ustar that pack bundles use:
/// regular files only, names of at most 100 bytes, no prefix, no extended headers.
///
/// Every archive this writer produces is a valid tar (`tar -tvf` lists it, `tar -xf` unpacks it).
/// The reader accepts exactly that subset and refuses everything else with a `TarError`: it never
/// trusts a size or an offset it has not checked against the bytes it holds.
public enum Tar {
    public static let blockSize = 512

    /// One file of an archive.
    public struct Member: Sendable, Hashable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// Why bytes are not an archive of the supported subset. `offset` is where the problem is.
    public struct TarError: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "\(message) (at byte \(offset))" }
    }

    /// Writes members in order, each a header block then its bytes padded to a block, then two
    /// zero blocks. Mode 0644, owner 0:0, mtime 0: the same members always give the same bytes.
    /// - Precondition: every name is 1...100 bytes of UTF-8 without NUL.
    public static func write(_ members: [Member]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(members.reduce(1024) { $0 + blockSize + padded($1.bytes.count) })
        for member in members {
            out += header(name: member.name, size: member.bytes.count)
            out += member.bytes
            out += [UInt8](repeating: 0, count: padded(member.bytes.count) - member.bytes.count)
        }
        out += [UInt8](repeating: 0, count: 2 * blockSize)
        return out
    }

    /// Reads every member. Refuses: a header whose checksum is wrong, a member type other than a
    /// regular file, a size field that is not octal, a member that runs past the end (a
    /// truncated archive), a missing end-of-archive block, and anything but zeros after it.
    /// - Parameter maxMembers: refuse archives with more members than this.
    public static func read(_ bytes: [UInt8], maxMembers: Int = 10_000) throws(TarError) -> [Member] {
        var members: [Member] = []
        var offset = 0
        while true {
            guard offset + blockSize <= bytes.count else {
                if offset == 0 {
                    throw TarError(offset: 0, message: bytes.isEmpty ? "empty file" : "not a tar archive (\(bytes.count) bytes, less than one header)")
                }
                throw TarError(offset: offset, message: "truncated: the archive ends inside a header or before its end marker")
            }
            let block = bytes[offset..<offset + blockSize]
            if block.allSatisfy({ $0 == 0 }) {
                // End of archive: only zeros may follow (writers pad to a record size).
                if let junk = bytes[(offset + blockSize)...].firstIndex(where: { $0 != 0 }) {
                    throw TarError(offset: junk, message: "data after the end of the archive")
                }
                return members
            }
            let member = try readHeader(block, at: offset)
            let start = offset + blockSize
            guard member.size <= bytes.count - start else {
                throw TarError(offset: start, message: "truncated: member \(member.name) declares \(member.size) bytes, \(bytes.count - start) remain")
            }
            members.append(Member(name: member.name, bytes: Array(bytes[start..<start + member.size])))
            guard members.count <= maxMembers else { throw TarError(offset: offset, message: "more than \(maxMembers) members") }
            offset = start + padded(member.size)
        }
    }

    /// The size rounded up to whole blocks.
    static func padded(_ size: Int) -> Int { (size + blockSize - 1) / blockSize * blockSize }

    static func header(name: String, size: Int) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: blockSize)
        let nameBytes = Array(name.utf8)
        precondition(!nameBytes.isEmpty && nameBytes.count <= 100 && !nameBytes.contains(0), "tar member name must be 1...100 bytes")
        h.replaceSubrange(0..<nameBytes.count, with: nameBytes)
        put(octal(0o644, width: 8), at: 100, in: &h)      // mode
        put(octal(0, width: 8), at: 108, in: &h)          // uid
        put(octal(0, width: 8), at: 116, in: &h)          // gid
        put(octal(size, width: 12), at: 124, in: &h)      // size
        put(octal(0, width: 12), at: 136, in: &h)         // mtime
        h[156] = UInt8(ascii: "0")                        // typeflag: regular file
        put(Array("ustar\u{0}00".utf8), at: 257, in: &h)  // magic and version
        put(Array("root".utf8), at: 265, in: &h)          // uname
        put(Array("root".utf8), at: 297, in: &h)          // gname
        put(checksumField(of: h), at: 148, in: &h)
        return h
    }

    /// The checksum field: six octal digits, NUL, space (as GNU and BSD tar write it).
    static func checksumField(of header: [UInt8]) -> [UInt8] {
        let digits = octal(checksum(header[...]), width: 7)
        return Array(digits.prefix(6)) + [0, 0x20]
    }

    /// The sum of the header's bytes with the checksum field counted as spaces.
    public static func checksum(_ header: ArraySlice<UInt8>) -> Int {
        var sum = 0
        for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(byte) }
        return sum
    }

    /// `value` in octal, zero-padded to `width - 1` digits and NUL-terminated.
    static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        precondition(digits.count < width, "value too large for a tar field")
        return [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
    }

    static func put(_ bytes: [UInt8], at offset: Int, in header: inout [UInt8]) {
        header.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    /// Parses an octal numeric field: optional leading spaces, digits, then NULs or spaces.
    static func parseOctal(_ field: ArraySlice<UInt8>) -> Int? {
        var value = 0
        var digits = 0
        var ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7") where !ended:
                guard value <= (Int.max >> 3) else { return nil }
                value = value << 3 | Int(byte - UInt8(ascii: "0"))
                digits += 1
            case 0x20 where digits == 0 && !ended:
                continue
            case 0, 0x20:
                ended = true
            default:
                return nil
            }
        }
        return digits > 0 ? value : nil
    }

    private static func readHeader(_ block: ArraySlice<UInt8>, at offset: Int) throws(TarError) -> (name: String, size: Int) {
        let b = block.startIndex
        guard let stored = parseOctal(block[(b + 148)..<(b + 156)]), stored == checksum(block) else {
            throw TarError(offset: offset, message: "not a tar header (bad checksum): the file is damaged or not a pack bundle")
        }
        let type = block[b + 156]
        guard type == UInt8(ascii: "0") || type == 0 else {
            let shown = type >= 0x20 && type < 0x7F ? "'\(Character(Unicode.Scalar(type)))'" : "\(type)"
            throw TarError(offset: offset + 156, message: "member type \(shown) is not supported (only regular files)")
        }
        guard block[(b + 345)..<(b + 500)].allSatisfy({ $0 == 0 }) else {
            throw TarError(offset: offset + 345, message: "member names longer than 100 bytes (ustar prefix) are not supported")
        }
        let nameField = block[b..<(b + 100)]
        let nameBytes = nameField.prefix { $0 != 0 }
        guard !nameBytes.isEmpty, let name = String(validating: nameBytes, as: UTF8.self) else {
            throw TarError(offset: offset, message: "member name is empty or not UTF-8")
        }
        guard let size = parseOctal(block[(b + 124)..<(b + 136)]) else {
            throw TarError(offset: offset + 124, message: "member \(name) has a size that is not an octal number")
        }
        return (name, size)
    }
}
