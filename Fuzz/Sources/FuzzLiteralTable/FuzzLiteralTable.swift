// libFuzzer target for the literal table reader: what loading a pack does with its
// `literals.sflit` (ScamLiterals' `LiteralTable(text:)`), a file that comes inside bundles.
// Invariants, checked with `precondition`: reading never crashes; what reads keeps the
// requirement invariants (no empty literal set, no empty literal, no empty `all`/`either`) and
// writes back to a text that reads to the same table.
//
// Seeds (Seeds/LiteralTable/): a table of a few patterns (literals, an always, an all of
// either); `scripts/fuzz-all` adds none.
//
// Built as a library-style file (not main.swift): libFuzzer provides main().

import ScamLiterals

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let table = try? LiteralTable(text: text) else { return 0 }
    for requirement in table.entries.values { precondition(requirement.isWellFormed, "read a requirement that breaks its invariants") }
    let again = try? LiteralTable(text: table.text)
    precondition(again == table, "write/read changed \(table.count) entries")
    return 0
}
