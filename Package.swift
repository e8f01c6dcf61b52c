// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "recsys",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "recsys-train", targets: ["Train"]),
        .executable(name: "recsys-serve", targets: ["Serve"]),
        .library(name: "Ranker", targets: ["Ranker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "Dataset", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(name: "Candidates", dependencies: ["Dataset"], swiftSettings: swiftSettings),
        .target(name: "Features", dependencies: ["Dataset", "Candidates"], swiftSettings: swiftSettings),
        .target(
            name: "Ranker",
            dependencies: ["Dataset", "Candidates", "Features", "CZlib"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Train",
            dependencies: [
                "Dataset", "Candidates", "Features", "Ranker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Serve",
            dependencies: [
                "Ranker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset"]),
        .testTarget(name: "CandidatesTests", dependencies: ["Candidates", "Dataset"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Dataset", "Candidates"]),
        .testTarget(
            name: "RankerTests", dependencies: ["Ranker", "Dataset", "Candidates", "Features"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ServeTests",
            dependencies: [
                "Serve", "Ranker", "Dataset", "Candidates",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
