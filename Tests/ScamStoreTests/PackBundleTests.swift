import Foundation
import Testing
@testable import ScamPacks
@testable import ScamStore

/// Bundles: the tar container, the manifest's hashes, signatures and key files.
@Suite struct PackBundleTests {
    static let files = [
        PackFile(path: "pack.yaml", contents: "name: demo\nversion: 1.2.0\nthreshold: 60\n"),
        PackFile(path: "rules/a.yaml", contents: "- id: demo.a\n  title: 甲\n  signal: request.sms_code\n  match: '蓝鲸暗号'\n  score: 60\n"),
        PackFile(path: "tests/seq.yaml", contents: "[]\n"),
    ]

    func bundle(version: String = "1.2.0", minEngine: String = "0.1.0") throws -> PackBundle {
        try PackBundle.build(name: "demo", version: version, minEngine: minEngine, files: Self.files, builtWith: "test")
    }

    @Test func aBundleRoundTripsAndIsAPlainTar() throws {
        let original = try bundle()
        let bytes = original.encoded()
        #expect(bytes.count % 512 == 0)
        #expect(bytes == (try bundle()).encoded(), "building is reproducible")
        let read = try PackBundle.read(bytes)
        #expect(read.manifest == original.manifest)
        #expect(read.packFiles == Self.files)
        #expect(read.signature == nil)
        #expect(read.manifest.files.map(\.path) == ["pack.yaml", "rules/a.yaml", "tests/seq.yaml"])

        // The system tar lists it: operators can look inside with ordinary tools.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString).sfpack")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-tf", url.path]
        let pipe = Pipe()
        tar.standardOutput = pipe
        try tar.run()
        tar.waitUntilExit()
        let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(listing == "MANIFEST.json\npack.yaml\nrules/a.yaml\ntests/seq.yaml\n")
    }

    @Test func aChangedByteInAFileIsTampering() throws {
        var bytes = try bundle().encoded()
        let phrase = Array("蓝鲸暗号".utf8)
        let at = try #require((0..<(bytes.count - phrase.count)).first { Array(bytes[$0..<($0 + phrase.count)]) == phrase })
        bytes[at + 1] ^= 0x01
        #expect { try PackBundle.read(bytes) } throws: { ($0 as? BundleError)?.kind == .tampered && "\($0)".contains("rules/a.yaml") }
    }

    @Test func anAddedOrMissingFileIsTampering() throws {
        let b = try bundle()
        var members = [Tar.Member(name: PackBundle.manifestName, bytes: b.manifestBytes)] + b.files.map { Tar.Member(name: $0.path, bytes: $0.bytes) }
        let added = Tar.write(members + [Tar.Member(name: "rules/extra.yaml", bytes: Array("[]".utf8))])
        #expect { try PackBundle.read(added) } throws: { ($0 as? BundleError)?.kind == .tampered && "\($0)".contains("does not list") }
        members.removeLast()
        #expect { try PackBundle.read(Tar.write(members)) } throws: { ($0 as? BundleError)?.kind == .tampered && "\($0)".contains("does not hold") }
    }

    @Test func everyTruncationIsRefused() throws {
        let bytes = try bundle().encoded()
        // Cut anywhere before the end marker: never a bundle, never a crash.
        for cut in stride(from: 512, to: bytes.count - 1024, by: 37) {
            #expect(throws: BundleError.self, "cut at \(cut)") { try PackBundle.read(Array(bytes[..<cut])) }
        }
        let error = try #require(throws: BundleError.self) { try PackBundle.read(Array(bytes[..<1500])) }
        #expect(error.kind == .truncated)
        #expect(error.message.contains("incomplete"))
    }

    @Test func garbageAndOtherArchivesAreRefused() throws {
        #expect { try PackBundle.read(Array("<html>404 not found</html>".utf8)) } throws: { "\($0)".contains("not a tar archive") }
        #expect { try PackBundle.read([UInt8](repeating: 0x41, count: 2048)) } throws: { "\($0)".contains("bad checksum") }
        #expect { try PackBundle.read([]) } throws: { "\($0)".contains("empty file") }
        // A tar whose first member is not the manifest.
        let other = Tar.write([Tar.Member(name: "README", bytes: Array("hi".utf8))])
        #expect { try PackBundle.read(other) } throws: { "\($0)".contains("not MANIFEST.json") }
        // A manifest that lists a path outside the pack.
        let evil = BundleManifest(name: "demo", version: "1.0.0", minEngine: "0.1.0", description: "", builtWith: "x",
                                  files: [.init(path: "../../etc/passwd", size: 1, sha256: String(repeating: "0", count: 64))])
        #expect { try PackBundle.read(Tar.write([Tar.Member(name: PackBundle.manifestName, bytes: evil.encoded())])) } throws: {
            "\($0)".contains("unsafe path")
        }
        // Data after the end marker.
        #expect { try PackBundle.read(try bundle().encoded() + [1]) } throws: { "\($0)".contains("after the end") }
    }

    @Test func unsafePathsCannotBeBundled() {
        for path in ["../x.yaml", "/etc/x.yaml", "rules/.hidden.yaml", "rules//a.yaml", "rules/a b.yaml", "MANIFEST.json", String(repeating: "a", count: 101)] {
            #expect(!PackBundle.isSafePath(path), "\(path)")
        }
        for path in ["pack.yaml", "rules/zh-pay_1.yaml", "tests/seq.yml", "flows/a.b.yaml"] {
            #expect(PackBundle.isSafePath(path), "\(path)")
        }
        #expect(throws: BundleError.self) {
            try PackBundle.build(name: "demo", version: "1.0.0", minEngine: "0.1.0", files: [PackFile(path: "rules/a b.yaml", contents: "")], builtWith: "t")
        }
    }

    @Test func signaturesVerifyOnlyWithTheRightKeyAndTheSameManifest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ops = SigningKey.generate(name: "ops"), mallory = SigningKey.generate(name: "ops")
        let trust = TrustStore(directory: dir)
        try trust.add(ops.publicKey)

        let signed = try PackBundle.read(try bundle().signed(with: ops).encoded())
        #expect(trust.check(signed) == .trusted(ops.publicKey))
        #expect(trust.check(try bundle()) == .unsigned)
        // Another key, even one calling itself by the same name.
        let other = try bundle().signed(with: mallory)
        #expect(trust.check(other) == .unknownKey(keyID: mallory.keyID, signer: "ops"))
        // The files changed and the manifest rebuilt to match, the old signature kept.
        var forged = try PackBundle.build(name: "demo", version: "1.2.0", minEngine: "0.1.0",
                                          files: Self.files.map { PackFile(path: $0.path, contents: $0.contents.replacingOccurrences(of: "蓝鲸", with: "白鲸")) },
                                          builtWith: "test")
        forged.signature = signed.signature
        #expect(trust.check(try PackBundle.read(forged.encoded())) == .badSignature(ops.publicKey))
        // A signature claiming a trusted key id but made by another key.
        var stolenID = try bundle().signed(with: mallory)
        stolenID.signature?.keyID = ops.keyID
        #expect(trust.check(stolenID) == .badSignature(ops.publicKey))
        #expect(try trust.remove(ops.keyID).count == 1)
        #expect(trust.check(signed) == .unknownKey(keyID: ops.keyID, signer: "ops"))
    }

    @Test func keyFilesRoundTripAndExplainMistakes() throws {
        let key = SigningKey.generate(name: "Ops team")
        let parsed = try SigningKey.parse(key.fileText, file: "k.key")
        #expect(parsed.keyID == key.keyID)
        #expect(parsed.name == "Ops team")
        #expect(try PublicKey.parse(key.publicKey.fileText, file: "k.pub") == key.publicKey)
        let message = Array("hello".utf8)
        #expect(key.publicKey.isValidSignature(try parsed.sign(message), for: message))

        #expect { try SigningKey.parse(key.publicKey.fileText, file: "k.pub") } throws: { "\($0)".contains("this is a public key") }
        #expect { try PublicKey.parse(key.fileText, file: "k.key") } throws: { "\($0)".contains("this is a private key") }
        #expect { try PublicKey.parse("-----BEGIN PGP PUBLIC KEY BLOCK-----", file: "x") } throws: { "\($0)".contains("not a scamflow key file") }
        let damaged = key.publicKey.fileText.replacingOccurrences(of: key.keyID, with: String(repeating: "0", count: 16))
        #expect { try PublicKey.parse(damaged, file: "k.pub") } throws: { "\($0)".contains("does not match the key") }
    }

    @Test func tarReaderRefusesWhatItDoesNotSupport() throws {
        var directory = Tar.header(name: "rules/", size: 0)
        directory[156] = UInt8(ascii: "5")
        directory.replaceSubrange(148..<156, with: Tar.checksumField(of: directory))
        #expect { try Tar.read(directory + [UInt8](repeating: 0, count: 1024)) } throws: { "\($0)".contains("only regular files") }
        #expect(Tar.parseOctal(Array("0000644\0".utf8)[...]) == 0o644)
        #expect(Tar.parseOctal(Array("  12 \0".utf8)[...]) == 0o12)
        #expect(Tar.parseOctal(Array("12x".utf8)[...]) == nil)
        #expect(Tar.parseOctal(Array("\0\0".utf8)[...]) == nil)
        // A size larger than the archive.
        var huge = Tar.header(name: "a", size: 0)
        huge.replaceSubrange(124..<136, with: Tar.octal(0o77777777777, width: 12))
        huge.replaceSubrange(148..<156, with: Tar.checksumField(of: huge))
        #expect { try Tar.read(huge + [UInt8](repeating: 0, count: 1024)) } throws: { "\($0)".contains("truncated") }
    }

    @Test func indexesDecodeStrictlyAndPickTheNewestUsableVersion() throws {
        let sha = String(repeating: "a", count: 64)
        let index = PackIndex(packs: [
            .init(name: "demo", version: "1.0.0", minEngine: "0.1.0", url: "demo-1.0.0.sfpack", size: 10, sha256: sha),
            .init(name: "demo", version: "1.10.0", minEngine: "0.1.0", url: "demo-1.10.0.sfpack", size: 10, sha256: sha),
            .init(name: "demo", version: "2.0.0", minEngine: "99.0.0", url: "demo-2.0.0.sfpack", size: 10, sha256: sha),
        ])
        let decoded = try PackIndex.decode(index.encoded(), source: "t")
        #expect(decoded == index)
        #expect(decoded.newest("demo").usable?.version == "1.10.0")
        #expect(decoded.newest("demo").newest?.version == "2.0.0")
        #expect(decoded.newest("other").usable == nil)
        #expect { try PackIndex.decode(Array("<html>".utf8), source: "http://x/index.json") } throws: { "\($0)".contains("not a scamflow pack index") }
        #expect { try PackIndex.decode(Array(#"{"format":"scamflow-pack-index/9","packs":[]}"#.utf8), source: "t") } throws: { "\($0)".contains("not supported") }
    }
}
