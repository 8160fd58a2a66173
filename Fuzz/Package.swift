// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, so the main package's identity is the name
/// of the folder this clone lives in (`scamflow`, `main`, a worktree's name), not a constant.
let scamflow = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

/// libFuzzer targets for scamflow, kept out of the main package so its `swift build` and
/// `swift test` never see them. Build and run with ./run.sh (see README.md).
let package = Package(
    name: "scamflow-fuzz",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "FuzzRecordReader", targets: ["FuzzRecordReader"]),
        .executable(name: "FuzzPackLoader", targets: ["FuzzPackLoader"]),
        .executable(name: "FuzzReaders", targets: ["FuzzReaders"]),
        .executable(name: "FuzzPackBundle", targets: ["FuzzPackBundle"]),
        .executable(name: "FuzzLiteralTable", targets: ["FuzzLiteralTable"]),
        .executable(name: "FuzzModelFile", targets: ["FuzzModelFile"]),
    ],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzRecordReader",
            dependencies: [
                .product(name: "ScamIO", package: scamflow),
                .product(name: "ScamEngine", package: scamflow),
                .product(name: "ScamPacks", package: scamflow),
            ]
        ),
        // The export readers (XML, JSON, CSV, WhatsApp, subtitles, SQLite) and their tokenizers.
        .executableTarget(
            name: "FuzzReaders",
            dependencies: [
                .product(name: "ScamIO", package: scamflow),
                .product(name: "ScamEngine", package: scamflow),
                .product(name: "ScamPacks", package: scamflow),
            ]
        ),
        .executableTarget(
            name: "FuzzPackLoader",
            dependencies: [
                .product(name: "ScamPacks", package: scamflow),
                .product(name: "ScamEngine", package: scamflow),
                .product(name: "PCRE2", package: scamflow),
            ]
        ),
        // Pack bundles (.sfpack): tar, manifest, hashes, signature, then the pack loader.
        .executableTarget(
            name: "FuzzPackBundle",
            dependencies: [
                .product(name: "ScamPacks", package: scamflow),
                .product(name: "ScamStore", package: scamflow),
            ]
        ),
        // Model files (`model/*.sfmodel`): header, weights, trained texts, checksum, cues.
        .executableTarget(
            name: "FuzzModelFile",
            dependencies: [
                .product(name: "ScamEngine", package: scamflow),
            ]
        ),
        // The literal table (`literals.sflit`) a pack or bundle carries.
        .executableTarget(
            name: "FuzzLiteralTable",
            dependencies: [
                .product(name: "ScamLiterals", package: scamflow),
            ]
        ),
    ]
)
