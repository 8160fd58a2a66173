// libFuzzer target for the pack bundle reader: what `pack verify`, `pack install` and `pack
// update` do with a downloaded or copied `.sfpack` before anything reaches the store (ScamPacks:
// the tar reader, the manifest, SHA-256 of every member, the Ed25519 signature, then the pack
// loader on the bundle's files). Invariants are checked with `precondition`.
//
// Seeds (Seeds/PackBundle/): a one-rule pack built with `scamflow pack build`, the same signed
// with the fuzz key below, a truncated copy and a tampered copy.
//
// Built as a library-style file (not main.swift): libFuzzer provides main().

import ScamPacks
import ScamStore

/// The public half of the key the seeds were signed with (the private half was thrown away), so
/// inputs derived from the signed seed reach signature verification with a known key.
private let fuzzKey = try! PublicKey.parse(
    "scamflow-pack-public-key ed25519 6c2b66854f76ac62 QH3kvV6SBOHF/plydFJIpf6AkHjkae8+9n5WXXEiONw= scamflow fuzz seeds\n",
    file: "fuzz.pub")
private let trust = TrustStore(directory: "/nonexistent/scamflow-fuzz-keys", extraKeys: [fuzzKey])

private func fuzzTar(_ bytes: [UInt8]) {
    guard let members = try? Tar.read(bytes) else { return }
    // What the reader accepts, the writer writes back to the same members.
    let again = try? Tar.read(Tar.write(members))
    precondition(again == members, "tar round trip changed \(members.count) members")
}

private func fuzzBundle(_ bytes: [UInt8]) {
    let bundle: PackBundle
    do {
        bundle = try PackBundle.read(bytes)
    } catch {
        precondition(!error.description.isEmpty, "a refusal without a message")
        return
    }
    // A bundle that reads has exactly the files its manifest lists, each at a safe path.
    precondition(bundle.files.map(\.path) == bundle.manifest.files.map(\.path), "files differ from the manifest")
    for (file, entry) in zip(bundle.files, bundle.manifest.files) {
        precondition(PackBundle.isSafePath(file.path), "unsafe path \(file.path) accepted")
        precondition(file.bytes.count == entry.size, "size of \(file.path) differs from the manifest")
    }
    // Writing it again gives a bundle that reads back the same.
    guard let again = try? PackBundle.read(bundle.encoded()) else { preconditionFailure("a bundle that read does not read back") }
    precondition(again.manifestBytes == bundle.manifestBytes && again.files == bundle.files, "bundle round trip changed it")
    precondition(again.signature == bundle.signature, "signature round trip changed it")

    switch trust.check(bundle) {
    case .trusted(let key):
        precondition(key.keyID == fuzzKey.keyID && bundle.signature?.keyID == fuzzKey.keyID, "trusted by a key it was not signed with")
        // Only the exact manifest the key signed verifies (the manifest holds every file's hash).
        precondition(key.isValidSignature(bundle.signature!.signatureBytes, for: bundle.signedMessage))
    case .unsigned:
        precondition(bundle.signature == nil)
    case .unknownKey, .badSignature:
        precondition(bundle.signature != nil)
    }

    // What install does next: load the pack from the bundle's files.
    let result = PackLoader.load(files: bundle.packFiles, root: bundle.manifest.name, origin: .directory("fuzz"))
    let errors = result.diagnostics.filter { $0.severity == .error }
    precondition((result.pack == nil) == !errors.isEmpty, "a pack with errors, or no pack and no error")
    for d in result.diagnostics { _ = d.description }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzTar(bytes)
    fuzzBundle(bytes)
    return 0
}
