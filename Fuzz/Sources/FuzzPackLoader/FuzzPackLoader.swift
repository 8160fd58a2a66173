// libFuzzer target for the pack loader (ScamPacks: YAML through Yams, validation, diagnostics),
// rule compilation and example checking (ScamEngine, PCRE2), the Normalizer's offset map (and the
// phonetic view's), PCRE2.Subject's UTF-8 validator. Invariants are checked with `precondition`.
//
// Input layout: parts separated by NUL bytes: pack.yaml, rules/a.yaml, then free text for the
// normalizer (the whole input is normalized too). See Seeds/PackLoader/.
//
// Built as a library-style file (not main.swift): libFuzzer provides main().

import Foundation
import PCRE2
@testable import ScamEngine  // originStart/originEnd are internal; debug builds enable testing
import ScamPacks

/// Splits on NUL; the parts after the second are kept for the normalizer.
private func split(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
}

// MARK: - Pack loading, compiling, checking

/// FUZZ_VERBOSE=1 prints what each input reached (for checking seeds).
private let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil

private func fuzzPack(manifest: String, rules: String) {
    let files = [PackFile(path: "pack.yaml", contents: manifest), PackFile(path: "rules/a.yaml", contents: rules)]
    let result = PackLoader.load(files: files, root: "fuzz", origin: .directory("fuzz"))
    let errors = result.diagnostics.filter { $0.severity == .error }
    for d in result.diagnostics {
        let text = d.description
        if verbose { print(text) }
    }
    guard let pack = result.pack else {
        precondition(!errors.isEmpty, "no pack and no error")
        return
    }
    precondition(errors.isEmpty, "a pack was returned with errors: \(errors)")
    for rule in pack.rules { precondition(!rule.match.value.isEmpty, "rule \(rule.id) with an empty match") }

    let (compiled, diagnostics) = RuleSet.compile([pack])
    for d in diagnostics {
        let text = d.description
        if verbose { print(text) }
    }
    guard let ruleSet = compiled else {
        precondition(diagnostics.contains { $0.severity == .error }, "no rule set and no error")
        return
    }
    precondition(ruleSet.rules.count == pack.rules.count, "compiled \(ruleSet.rules.count) of \(pack.rules.count) rules")
    let checker = PackChecker(ruleSet: ruleSet)
    let results = checker.runExamples()
    if verbose { print("compiled \(ruleSet.rules.count) rules; examples passed: \(results.filter(\.passed).count)/\(results.count)") }
    for r in results {
        if let matched = r.matched {
            let count = r.text.utf8.count
            precondition(matched.lowerBound >= 0 && matched.upperBound <= count, "match \(matched) outside \(count) bytes")
        }
    }
    for d in PackChecker.diagnostics(for: results) { _ = d.description }
}

// MARK: - Normalizer

nonisolated(unsafe) private let normalizer = Normalizer()  // libFuzzer runs inputs on one thread

private func isScalarBoundary(_ utf8: [UInt8], _ offset: Int) -> Bool {
    offset == utf8.count || (offset < utf8.count && utf8[offset] & 0xC0 != 0x80)
}

private func fuzzNormalizer(_ text: String) {
    let normalized = normalizer.normalize(text)
    let original = Array(text.utf8)
    let bytes = normalized.subject.bytes
    precondition(String(validating: bytes, as: UTF8.self) != nil, "normalized text is not valid UTF-8")
    precondition(normalized.hanCount >= 0)
    var previous = (0, 0)
    for i in 0..<bytes.count {
        let s = normalized.originStart(i), e = normalized.originEnd(i)
        precondition(0 <= s && s < e && e <= original.count, "byte \(i): origin \(s)..<\(e) in \(original.count) bytes")
        precondition(isScalarBoundary(original, s) && isScalarBoundary(original, e), "byte \(i): origin \(s)..<\(e) splits a scalar")
        // Ranges must not go backwards, or originalRange(of:) would build an inverted Range.
        precondition(s >= previous.0 && e >= previous.1, "byte \(i): origin goes backwards")
        previous = (s, e)
    }
    checkRangesMapInside(bytes.count, original.count, "normalized", normalized.originalRange(of:))
    _ = normalized.detectedLanguage
    fuzzPhonetic(PhoneticText(of: normalized), original: original)
}

/// The phonetic view of the same text: valid UTF-8, every byte mapped to a non-empty range of the
/// original on scalar boundaries that never goes backwards, every range mapped inside it.
private func fuzzPhonetic(_ view: PhoneticText, original: [UInt8]) {
    let bytes = view.subject.bytes
    precondition(String(validating: bytes, as: UTF8.self) != nil, "phonetic text is not valid UTF-8")
    var previous = 0..<0
    for i in 0..<bytes.count {
        let r = view.originalRange(of: i..<(i + 1))
        precondition(0 <= r.lowerBound && r.lowerBound < r.upperBound && r.upperBound <= original.count,
                     "phonetic byte \(i): origin \(r) in \(original.count) bytes")
        precondition(isScalarBoundary(original, r.lowerBound) && isScalarBoundary(original, r.upperBound),
                     "phonetic byte \(i): origin \(r) splits a scalar")
        precondition(r.lowerBound >= previous.lowerBound && r.upperBound >= previous.upperBound, "phonetic byte \(i): origin goes backwards")
        previous = r
    }
    checkRangesMapInside(bytes.count, original.count, "phonetic", view.originalRange(of:))
}

/// Every range of a derived text of `n` bytes (empty ones included; a sample of them when the
/// text is long) maps into the original's `originalCount` bytes.
private func checkRangesMapInside(_ n: Int, _ originalCount: Int, _ what: String, _ originalRange: (Range<Int>) -> Range<Int>) {
    let probes = n <= 24 ? Array(0...n) : [0, 1, n / 3, n / 2, n - 1, n]
    for a in probes {
        for b in probes where b >= a {
            let r = originalRange(a..<b)
            precondition(r.lowerBound >= 0 && r.upperBound <= originalCount, "\(what) originalRange(\(a)..<\(b)) = \(r)")
        }
    }
}

// MARK: - Subject.firstInvalidUTF8

private func checkFirstInvalid<C: Collection<UInt8>>(_ bytes: C) where C.Index == Int {
    let array = Array(bytes)
    let valid = String(validating: array, as: UTF8.self) != nil
    let offset = Subject.firstInvalidUTF8(bytes)
    guard let offset else {
        precondition(valid, "firstInvalidUTF8 says valid, String(validating:) disagrees: \(array)")
        return
    }
    precondition(!valid, "firstInvalidUTF8 says invalid at \(offset), String(validating:) accepts: \(array)")
    precondition(offset >= 0 && offset < array.count, "offset \(offset) of \(array.count)")
    // Everything before the offset is valid, and no scalar starts at the offset.
    precondition(String(validating: array[..<offset], as: UTF8.self) != nil, "bytes before \(offset) are invalid: \(array)")
    for length in 1...4 where offset + length <= array.count {
        precondition(String(validating: array[offset..<(offset + length)], as: UTF8.self) == nil,
                     "a valid scalar starts at the reported offset \(offset): \(array)")
    }
    do {
        _ = try Subject(validating: array)
        preconditionFailure("Subject(validating:) accepted invalid bytes")
    } catch {
        precondition(error.offset == offset)
    }
}

// MARK: - Entry point

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    checkFirstInvalid(bytes)
    if bytes.count > 1 { checkFirstInvalid(bytes[1...]) }  // a slice whose startIndex is not 0

    let parts = split(bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    fuzzNormalizer(text)
    if parts.count > 2 { fuzzNormalizer(String(decoding: parts[2], as: UTF8.self)) }

    if parts.count >= 2 {
        fuzzPack(manifest: String(decoding: parts[0], as: UTF8.self), rules: String(decoding: parts[1], as: UTF8.self))
    }
    return 0
}
