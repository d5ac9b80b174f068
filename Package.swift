// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A product of the packages below, by name.
extension String {
    var product: Target.Dependency {
        let packages = ["Hummingbird": "hummingbird", "Yams": "Yams", "Logging": "swift-log", "Crypto": "swift-crypto", "NIOCore": "swift-nio",
                        "ServiceLifecycle": "swift-service-lifecycle", "HTTPTypes": "swift-http-types", "Metrics": "swift-metrics",
                        "Prometheus": "swift-prometheus", "PostgresNIO": "postgres-nio", "NIOSSL": "swift-nio-ssl", "ArgumentParser": "swift-argument-parser",
                        "NIOHTTPTypes": "swift-nio-extras", "NIOHTTP1": "swift-nio", "Tracing": "swift-distributed-tracing", "OTel": "swift-otel"]
        return .product(name: self, package: packages[self]!)
    }
}

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
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OpenTelemetry traces over OTLP/HTTP only (no gRPC stack in the build).
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // C libraries, each behind one thin Swift type in TollgateCore.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "blas", providers: [.apt(["libblas-dev", "libopenblas0-pthread"])]),

        // The request path, one module per stage; each imports only the stages below it, so the
        // compiler keeps them apart:
        //   server → dialects → pipeline → exact cache → shared tier → semantic cache → fixtures | routing → providers → HTTP client
        .target(name: "TollgateBase", dependencies: [  // JSON, errors, config, the internal request and its key, SSE
            "Hummingbird".product, "Yams".product, "Logging".product, "Crypto".product, "NIOCore".product, "HTTPTypes".product, "Metrics".product,
            "Prometheus".product, "Tracing".product,
        ], swiftSettings: strict),
        .target(name: "TollgateHTTPClient", dependencies: ["CCurl", "TollgateBase", "Logging".product, "Tracing".product], swiftSettings: strict),  // libcurl
        .target(name: "TollgateExactCache", dependencies: ["CLMDB", "TollgateBase", "Logging".product, "NIOCore".product, "Tracing".product], swiftSettings: strict),  // LMDB
        .target(name: "TollgateSemantic", dependencies: ["CBLAS", "TollgateBase", "TollgateExactCache", "TollgateHTTPClient", "Logging".product, "Tracing".product], swiftSettings: strict),
        .target(name: "TollgateProviders", dependencies: ["TollgateBase", "TollgateHTTPClient", "Logging".product], swiftSettings: strict),
        .target(name: "TollgateRouting", dependencies: ["TollgateBase", "TollgateProviders", "Logging".product, "Tracing".product], swiftSettings: strict),
        .target(name: "TollgateShared", dependencies: [  // the PostgreSQL tier shared by several nodes
            "TollgateBase", "TollgateExactCache", "TollgateSemantic", "PostgresNIO".product, "NIOSSL".product, "ServiceLifecycle".product, "Logging".product, "Tracing".product,
        ], swiftSettings: strict),
        .target(name: "TollgateFixtures", dependencies: ["TollgateBase", "TollgateExactCache", "TollgateSemantic", "Logging".product], swiftSettings: strict),
        .target(name: "TollgateDialects", dependencies: ["TollgateBase", "TollgateExactCache"], swiftSettings: strict),  // chat, Messages, Responses
        .target(name: "TollgatePipeline", dependencies: [  // the stages in order, for every dialect
            "TollgateBase", "TollgateHTTPClient", "TollgateExactCache", "TollgateSemantic", "TollgateProviders", "TollgateRouting", "TollgateShared",
            "TollgateFixtures", "TollgateDialects", "Logging".product, "Tracing".product,
        ], swiftSettings: strict),
        .target(name: "TollgateServer", dependencies: [  // Hummingbird routes over the pipeline
            "TollgateBase", "TollgatePipeline", "TollgateDialects", "Hummingbird".product, "Prometheus".product, "ServiceLifecycle".product,
            "NIOCore".product, "NIOHTTP1".product, "NIOHTTPTypes".product, "Tracing".product, "OTel".product,
        ], resources: [.copy("Console")], swiftSettings: strict),  // the console's page, script and style (GET /console)
        .target(name: "TollgateMock", dependencies: ["TollgateBase", "TollgateSemantic", "Hummingbird".product, "Crypto".product], swiftSettings: strict),  // the fake upstream
        .target(name: "TollgateBench", dependencies: [  // the hit-ratio benchmark
            "TollgateBase", "TollgateHTTPClient", "TollgateExactCache", "TollgateSemantic", "TollgatePipeline", "TollgateFixtures", "TollgateMock", "Hummingbird".product,
        ], swiftSettings: strict),
        .target(name: "TollgateCore", dependencies: [  // everything, as one import
            "TollgateBase", "TollgateHTTPClient", "TollgateExactCache", "TollgateSemantic", "TollgateProviders", "TollgateRouting", "TollgateShared",
            "TollgateFixtures", "TollgateDialects", "TollgatePipeline", "TollgateServer", "TollgateMock", "TollgateBench",
        ], swiftSettings: strict),
        // The command line: a thin layer over TollgateCore.
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "ServiceLifecycle".product,
            ],
            swiftSettings: strict
        ),
        // Benchmark: ms per embedding against the bare sgemm calls of the same shapes.
        .executableTarget(name: "embed-bench", dependencies: ["TollgateCore"], path: "benchmarks/embed-bench", swiftSettings: strict),
        // Benchmark: embeddings a second at concurrency 1-32, direct forward passes vs the batching embedder.
        .executableTarget(name: "batch-bench", dependencies: ["TollgateCore"], path: "benchmarks/batch-bench", swiftSettings: strict),
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

// libFuzzer target over every parser of outside bytes (scripts/fuzz.sh builds it in .build-fuzz with
// TOLLGATE_FUZZ=1; it needs libFuzzer at link time, so ordinary builds skip it). Only the modules that
// hold the parsers are instrumented for coverage (`-sanitize=fuzzer`): the packages below them build
// as usual, which keeps the fuzz build short enough for `make test`.
if Context.environment["TOLLGATE_FUZZ"] != nil {
    let instrumented: Set<String> = ["TollgateBase", "TollgateExactCache", "TollgateDialects", "TollgateFixtures"]
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=fuzzer"])]
    }
    package.targets.append(.executableTarget(
        name: "tollgate-fuzz", dependencies: ["TollgateBase", "TollgateExactCache", "TollgateDialects", "TollgateFixtures", "NIOCore".product],
        path: "fuzz/parsers", swiftSettings: strict + [.unsafeFlags(["-sanitize=fuzzer"])], linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]))
}
