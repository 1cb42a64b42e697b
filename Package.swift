// swift-tools-version: 6.1
import PackageDescription

/// Compiler settings shared by every Swift target: Swift 6 language mode is the package default;
/// these add the checks we hold ourselves to.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "twindup",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "twindup", targets: ["twindup"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // Debian's C libraries. libinotifytools ships no .pc file, so its module map links it by name.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CInotifyTools", providers: [.apt(["libinotifytools0-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // glibc's <malloc.h> (mallopt), part of libc6-dev: the batch commands' heap settings.
        .systemLibrary(name: "CMalloc"),
        // setjmp-guarded wrappers: libjpeg and libpng report fatal errors by longjmp, which Swift cannot catch.
        .target(name: "CTwindupShims", dependencies: ["CPNG", "CJPEG"]),
        .target(
            name: "ImageIO",
            dependencies: ["CTwindupShims", "CPNG", "CJPEG"],
            swiftSettings: strictSwift
        ),
        .target(name: "ImageHashing", dependencies: ["CCrypto"], swiftSettings: strictSwift),
        .target(
            name: "NeuralNet",
            dependencies: ["COpenBLAS", "CMalloc"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "TwinModel",
            dependencies: ["ImageIO", "ImageHashing", "NeuralNet"],
            // The shipped model; found beside the executable at run time (TwinDetector.defaultModelPath).
            resources: [.copy("Resources/twindup.safetensors")],
            swiftSettings: strictSwift
        ),
        // The persistent index (SQLite through GRDB), the in-memory embedding search, the scan pipeline and the
        // report log.
        .target(
            name: "DuplicateIndex",
            dependencies: ["ImageIO", "ImageHashing", "TwinModel", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSwift
        ),
        // `twindup watch`: the inotify watcher thread, settling, the indexing pipeline as services, sd_notify, the
        // configuration file. Watcher.swift is the only file here that calls libinotifytools.
        .target(
            name: "Daemon",
            dependencies: [
                "DuplicateIndex", "TwinModel", "ImageIO", "CInotifyTools",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "twindup",
            dependencies: [
                "Daemon",
                "DuplicateIndex",
                "ImageIO",
                "ImageHashing",
                "NeuralNet",
                "TwinModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Helpers for tests only: locating ../shared/testdata, scratch folders.
        .target(name: "TestSupport", swiftSettings: strictSwift),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "ImageHashingTests", dependencies: ["ImageHashing"], swiftSettings: strictSwift),
        .testTarget(
            name: "TwinModelTests", dependencies: ["TwinModel", "ImageIO", "ImageHashing", "NeuralNet", "TestSupport"],
            swiftSettings: strictSwift),
        .testTarget(
            name: "DuplicateIndexTests",
            dependencies: [
                "DuplicateIndex", "TwinModel", "ImageIO", "ImageHashing", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "DuplicateIndex", "ImageIO", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift),
        .testTarget(
            name: "NeuralNetTests", dependencies: ["NeuralNet", "TestSupport"], exclude: ["Fixtures"],
            swiftSettings: strictSwift),
    ],
    swiftLanguageModes: [.v6]
)
