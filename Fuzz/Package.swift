// swift-tools-version: 6.0
import PackageDescription

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
        .executable(name: "FuzzLiteralCache", targets: ["FuzzLiteralCache"]),
        .executable(name: "FuzzModelFile", targets: ["FuzzModelFile"]),
    ],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzRecordReader",
            dependencies: [
                .product(name: "ScamIO", package: "main"),
                .product(name: "ScamEngine", package: "main"),
                .product(name: "ScamPacks", package: "main"),
            ]
        ),
        // The export readers (XML, JSON, CSV, WhatsApp, subtitles, SQLite) and their tokenizers.
        .executableTarget(
            name: "FuzzReaders",
            dependencies: [
                .product(name: "ScamIO", package: "main"),
                .product(name: "ScamEngine", package: "main"),
                .product(name: "ScamPacks", package: "main"),
            ]
        ),
        .executableTarget(
            name: "FuzzPackLoader",
            dependencies: [
                .product(name: "ScamPacks", package: "main"),
                .product(name: "ScamEngine", package: "main"),
                .product(name: "PCRE2", package: "main"),
            ]
        ),
        // Pack bundles (.sfpack): tar, manifest, hashes, signature, then the pack loader.
        .executableTarget(
            name: "FuzzPackBundle",
            dependencies: [
                .product(name: "ScamPacks", package: "main"),
            ]
        ),
        // Model files (`model/*.sfmodel`): header, weights, trained texts, checksum, cues.
        .executableTarget(
            name: "FuzzModelFile",
            dependencies: [
                .product(name: "ScamEngine", package: "main"),
            ]
        ),
        // The literal cache file (`literals.bin`) every start reads.
        .executableTarget(
            name: "FuzzLiteralCache",
            dependencies: [
                .product(name: "ScamEngine", package: "main"),
            ]
        ),
    ]
)
