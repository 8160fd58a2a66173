// libFuzzer target for the model file reader: what loading a pack with a model does with its
// `model/*.sfmodel` (ScamEngine's `ModelFile.parse`, then `ScoringModel`), bytes that arrive in
// bundles, the store and the binary. Each input is read twice: as it is (almost always refused
// by the checksum on its last line), and resealed with the right checksum, so the header,
// weights and trained-text readers behind the checksum are fuzzed too.
//
// Invariants, checked with `precondition`: reading never crashes; what reads builds a
// `ScoringModel` or throws; and reading what it writes gives a model that writes the same
// bytes again (one round may normalize spacing, a second changes nothing).
//
// Seeds (Seeds/ModelFile/): a small model trained by `scamflow learn`, and its truncated half.
//
// Built as a library-style file (not main.swift): libFuzzer provides main().

import ScamEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    check(bytes)
    check(resealed(bytes))
    return 0
}

/// The bytes without any `end` line, with a correct one appended.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var body = bytes
    if let range = findEnd(body) { body.removeSubrange(range.lowerBound...) }
    if let last = body.last, last != 0x0A { body.append(0x0A) }
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in body { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    if h == 0 { h = 1 }
    let hex = String(h, radix: 16)
    return body + Array("end\t\(String(repeating: "0", count: 16 - hex.count) + hex)\n".utf8)
}

func findEnd(_ bytes: [UInt8]) -> Range<Int>? {
    let marker = Array("\nend\t".utf8)
    guard bytes.count >= marker.count else { return nil }
    for i in stride(from: bytes.count - marker.count, through: 0, by: -1) where Array(bytes[i..<(i + marker.count)]) == marker {
        return (i + 1)..<bytes.count
    }
    return nil
}

func check(_ bytes: [UInt8]) {
    let parsed: ModelFile
    do {
        parsed = try bytes.withUnsafeBufferPointer { try ModelFile.parse(bytes: $0, keys: true) }
    } catch {
        return
    }
    _ = try? ScoringModel(parsed)
    let once = parsed.encode()
    guard let again = try? ModelFile.parse(once, keys: true) else {
        preconditionFailure("a model this reader wrote does not read back")
    }
    precondition(again.encode() == once, "writing a model read back changed its bytes")
}
