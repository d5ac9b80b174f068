// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
        .library(name: "TollgateCore", targets: ["TollgateCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C libraries, each behind one thin Swift type in TollgateCore.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "blas", providers: [.apt(["libblas-dev", "libopenblas0-pthread"])]),

        // The request path: server → canonical request → exact cache → routing → providers.
        .target(
            name: "TollgateCore",
            dependencies: [
                "CLMDB", "CCurl", "CBLAS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The command line: a thin layer over TollgateCore.
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Benchmark: ms per embedding against the bare sgemm calls of the same shapes.
        .executableTarget(name: "embed-bench", dependencies: ["TollgateCore"], path: "benchmarks/embed-bench", swiftSettings: strict),
        // Benchmark: cosine top-1 over N × 384 vectors (against numpy and FAISS in benchmarks/index/).
        .executableTarget(name: "index-bench", dependencies: ["TollgateCore"], path: "benchmarks/index-bench", swiftSettings: strict),
        // Benchmark: ms per pair for the pair verifier (issue 15).
        .executableTarget(name: "verifier-bench", dependencies: ["TollgateCore"], path: "benchmarks/verifier-bench", swiftSettings: strict),
        // Tuning tool: threshold and look-alike guard over labelled pairs with their cosines.
        .executableTarget(name: "guard-eval", dependencies: ["TollgateCore"], path: "benchmarks/guard-eval", swiftSettings: strict),
        .testTarget(name: "TollgateCoreTests", dependencies: ["TollgateCore"], swiftSettings: strict),
        .testTarget(name: "IntegrationTests", dependencies: ["TollgateCore"], swiftSettings: strict),
    ]
)
