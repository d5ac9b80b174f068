// swift-tools-version:6.1
// A bare Hummingbird 2 route: the framework's own floor for the HTTP benchmark.
// Built on its own (swift build -c release --package-path benchmarks/http/bare-route);
// it is not part of the Tollgate package.
import PackageDescription

let package = Package(
    name: "bare-route",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "bare-route",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
