// swift-tools-version: 6.0
import PackageDescription

/// scamflow: catch phone and payment scams in messages, transcripts and device events.
///
/// Target boundaries (see ARCHITECTURE.md): only `PCRE2` imports libpcre2 and only `NATS` the
/// NATS C client; only the
/// `scamflow` executable writes to stdout/stderr.
let package = Package(
    name: "scamflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scamflow", targets: ["scamflow"]),
        .library(name: "ScamEngine", targets: ["ScamEngine"]),
        .library(name: "ScamIO", targets: ["ScamIO"]),
        .library(name: "ScamPacks", targets: ["ScamPacks"]),
        .library(name: "ScamStore", targets: ["ScamStore"]),
        .library(name: "ScamLiterals", targets: ["ScamLiterals"]),
        .library(name: "PCRE2", targets: ["PCRE2"]),
        .library(name: "NATS", targets: ["NATS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // The C boundary: a module map and a one-line shim over the system libpcre2-8.
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // Safe Swift wrapper: compiled patterns (JIT), per-thread matchers, typed errors.
        .target(name: "PCRE2", dependencies: ["CPCRE2"]),
        // The C boundary of the NATS JetStream transport: a module map over the system libnats
        // (Debian's libnats-dev, which ships libnats.pc).
        .systemLibrary(
            name: "CNATS",
            pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        // Safe Swift wrapper: connections, JetStream streams, pull consumers, publish with
        // Nats-Msg-Id, key-value buckets, typed errors. The only target that imports CNATS.
        .target(name: "NATS", dependencies: ["CNATS"]),
        // Pure Swift, no I/O: the literals a pattern requires (the prefilter's input), their
        // table as packs carry it, and the traditional-to-simplified Han map they are written in.
        // Pure so the build plugin can run it on the built-in packs when the binary is built.
        .target(name: "ScamLiterals"),
        // Packs as data: YAML decoding with source positions, validation, diagnostics.
        .target(name: "ScamPacks", dependencies: ["Yams", "ScamLiterals"]),
        // Packs as shipped: bundles, signatures (Ed25519), trust, the store of installed packs.
        // Apart from ScamPacks so the build plugin's tool does not build swift-crypto again.
        .target(name: "ScamStore", dependencies: ["ScamPacks", .product(name: "Crypto", package: "swift-crypto")]),
        // Normalizer, compiled rule set, scanner, alert model. No file I/O, no clock, no
        // environment: what it needs comes in as values.
        .target(name: "ScamEngine", dependencies: ["PCRE2", "ScamPacks", "ScamLiterals"]),
        // Training the learned scorer: FTRL-proximal logistic regression, Platt scaling.
        .target(name: "ScamLearn", dependencies: ["ScamEngine"]),
        // Readers (records in) and encoders (alerts out).
        .target(name: "ScamIO", dependencies: ["ScamEngine", .product(name: "GRDB", package: "GRDB.swift")]),
        // The packs under Patterns/, embedded into the binary at build time with their literal
        // tables (worked out by the plugin's tool, so a scan never extracts them).
        .target(name: "ScamBuiltins", dependencies: ["ScamPacks"], plugins: ["EmbedPacks"]),
        .executableTarget(name: "PackEmbedder", dependencies: ["ScamPacks", "ScamLiterals"]),
        .plugin(
            name: "EmbedPacks",
            capability: .buildTool(),
            dependencies: ["PackEmbedder"]
        ),
        .executableTarget(
            name: "scamflow",
            dependencies: [
                "ScamEngine", "ScamIO", "ScamPacks", "ScamStore", "ScamBuiltins", "ScamLearn", "ScamLiterals", "NATS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PCRE2Tests", dependencies: ["PCRE2"]),
        // Starts real nats-server processes (one, or a 3-node cluster) for the NATS tests.
        .target(name: "NATSTestSupport", path: "Tests/NATSTestSupport"),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "NATSTestSupport"]),
        .testTarget(name: "ScamPacksTests", dependencies: ["ScamPacks"]),
        .testTarget(name: "ScamStoreTests", dependencies: ["ScamStore", "ScamPacks"]),
        .testTarget(name: "ScamEngineTests", dependencies: ["ScamEngine", "ScamBuiltins", "ScamLiterals"]),
        .testTarget(name: "ScamLearnTests", dependencies: ["ScamLearn", "ScamEngine", "ScamPacks"]),
        .testTarget(
            name: "ScamIOTests",
            dependencies: ["ScamIO", "scamflow", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Benchmark"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "ScamflowCLITests", dependencies: ["scamflow", "ScamPacks", "ScamStore", "ScamLiterals", "NATSTestSupport"], exclude: ["Golden"]),
    ]
)
