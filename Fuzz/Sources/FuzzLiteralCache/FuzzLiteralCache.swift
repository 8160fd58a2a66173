// libFuzzer target for the literal cache reader: what every `scamflow` start does with
// `literals.bin` (ScamEngine's `LiteralCache.decode`), a file any process of the user can
// write. Invariants, checked with `precondition`: decoding never crashes; what decodes keeps
// the requirement invariants (no empty literal set, no empty literal, no empty `all`/`either`)
// and encodes back to bytes that decode to the same entries.
//
// Seeds (Seeds/LiteralCache/): the cache the built-in packs write, and a three-entry file.
//
// Built as a library-style file (not main.swift): libFuzzer provides main().

import ScamEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let entries = LiteralCache.decode(bytes) else { return 0 }
    for requirement in entries.values { precondition(requirement.isWellFormed, "decoded a requirement that breaks its invariants") }
    let again = LiteralCache.decode(LiteralCache.encode(Array(entries)))
    precondition(again == entries, "encode/decode changed \(entries.count) entries")
    return 0
}
