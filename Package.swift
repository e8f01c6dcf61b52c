// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-cross-module-optimization"], .when(configuration: .release))
]

/// Products of the package dependencies, by package, in a stable order.
func products(_ byPackage: KeyValuePairs<String, [String]>) -> [Target.Dependency] {
    byPackage.flatMap { package, names in names.map { Target.Dependency.product(name: $0, package: package) } }
}

let package = Package(
    name: "recsys",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "recsys-train", targets: ["Train"]),
        .executable(name: "recsys-serve", targets: ["Serve"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The data's path, bottom up: each target depends only on the ones above it.
        .target(name: "RecsysCore", swiftSettings: swiftSettings),
        .target(name: "Dataset", dependencies: ["RecsysCore", "CZlib"], swiftSettings: swiftSettings),
        .target(name: "ModelFile", dependencies: ["RecsysCore", "CZlib"], swiftSettings: swiftSettings),
        .target(
            name: "Candidates", dependencies: ["RecsysCore", "Dataset", "ModelFile"], swiftSettings: swiftSettings),
        .target(name: "Features", dependencies: ["RecsysCore", "Candidates"], swiftSettings: swiftSettings),
        .target(name: "Ranker", dependencies: ["Features"], swiftSettings: swiftSettings),
        .target(
            name: "Pipeline",
            dependencies: ["RecsysCore", "Dataset", "ModelFile", "Candidates", "Features", "Ranker"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Evaluation",
            dependencies: ["RecsysCore", "Dataset", "Candidates", "Features", "Ranker", "Pipeline"],
            swiftSettings: swiftSettings
        ),
        .target(name: "EventStore", dependencies: ["RecsysCore", "Dataset", "CZlib"], swiftSettings: swiftSettings),
        // The shared store for several replicas; its own target so the embedded log needs no database client.
        .target(
            name: "EventStorePostgres",
            dependencies: [
                "Dataset", "EventStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Train",
            dependencies: [
                "RecsysCore", "Dataset", "ModelFile", "Candidates", "Features", "Ranker", "Pipeline", "Evaluation",
                "EventStore", "EventStorePostgres", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Serve",
            dependencies: ["RecsysCore", "Dataset", "ModelFile", "Pipeline", "EventStore", "EventStorePostgres"]
                + products([
                    "swift-argument-parser": ["ArgumentParser"], "hummingbird": ["Hummingbird"],
                    "swift-log": ["Logging"], "swift-metrics": ["Metrics"], "swift-prometheus": ["Prometheus"],
                    "swift-service-lifecycle": ["ServiceLifecycle", "UnixSignals"],
                ]),
            swiftSettings: swiftSettings
        ),
        // One shared fixture (a tiny generated world and a model trained on it) for every test target.
        .target(
            name: "TestSupport",
            dependencies: [
                "RecsysCore", "Dataset", "Candidates", "Features", "Ranker", "Pipeline", "EventStorePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "RecsysCoreTests", dependencies: ["RecsysCore"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "TestSupport"]),
        .testTarget(name: "ModelFileTests", dependencies: ["ModelFile", "Pipeline", "TestSupport"]),
        .testTarget(name: "CandidatesTests", dependencies: ["Candidates", "Dataset", "RecsysCore", "TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Dataset", "Candidates", "TestSupport"]),
        .testTarget(
            name: "RankerTests", dependencies: ["Ranker", "Features"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "ModelFile", "Dataset", "Candidates", "Features", "RecsysCore", "TestSupport"]),
        .testTarget(
            name: "EvaluationTests", dependencies: ["Evaluation", "Pipeline", "Dataset", "TestSupport"]),
        .testTarget(
            name: "EventStoreTests",
            dependencies: [
                "EventStore", "EventStorePostgres", "Dataset", "TestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "TrainTests", dependencies: ["Train", "Pipeline", "TestSupport"]),
        .testTarget(
            name: "ServeTests",
            dependencies: [
                "Serve", "Pipeline", "Dataset", "Candidates", "EventStore", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
