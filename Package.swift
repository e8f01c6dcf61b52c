// swift-tools-version:6.1
import PackageDescription

// Build modes, chosen by environment variables when the manifest is read:
// - default: release builds drop runtime checks (`-Ounchecked`) only in the
//   numeric hot-path targets, which index arrays they built themselves; every
//   target that reads outside bytes (CSV, gzip, model files, HTTP, the event
//   stores) keeps bounds and overflow checks (issue 20, docs/benchmarks.md).
// - `RECSYS_NO_UNSAFE_FLAGS=1`: no `unsafeFlags` at all (plain `-O`), for a
//   package that depends on this one: SwiftPM refuses unsafe flags in a
//   dependency pinned by version.
// - `RECSYS_FUZZ=1`: first-party code built with libFuzzer coverage and
//   AddressSanitizer, plus the `recsys-fuzz` harness (`scripts/fuzz.sh`).
let noUnsafeFlags = Context.environment["RECSYS_NO_UNSAFE_FLAGS"].map { !$0.isEmpty && $0 != "0" } ?? false
let fuzzing = ["1", "readers"].contains(Context.environment["RECSYS_FUZZ"] ?? "")
/// `RECSYS_FUZZ=readers`: only the file readers' targets, without building Serve's HTTP stack.
let fuzzServe = Context.environment["RECSYS_FUZZ"] == "1"

/// Release-only unsafe flags, none when `RECSYS_NO_UNSAFE_FLAGS` is set.
func release(_ flags: [String]) -> [SwiftSetting] {
    noUnsafeFlags ? [] : [.unsafeFlags(flags, .when(configuration: .release))]
}
let fuzzFlags: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []
/// Numeric hot paths (core kernels, candidates, features, ranking, pipeline, evaluation): no runtime checks in release.
let swiftSettings = release(["-Ounchecked", "-cross-module-optimization"]) + fuzzFlags
/// Targets that read outside bytes (files, HTTP bodies, the stores): release keeps bounds and overflow checks.
/// `RECSYS_OUNCHECKED=all` restores the flags before issue 20 (every target unchecked), for A/B benchmarks.
let checkedSettings =
    Context.environment["RECSYS_OUNCHECKED"] == "all"
    ? swiftSettings : release(["-cross-module-optimization"]) + fuzzFlags

/// Products of the package dependencies, by package, in a stable order.
func products(_ byPackage: KeyValuePairs<String, [String]>) -> [Target.Dependency] {
    byPackage.flatMap { package, names in names.map { Target.Dependency.product(name: $0, package: package) } }
}

let serveDependencies: [Target.Dependency] =
    ["RecsysCore", "Dataset", "ModelFile", "Pipeline", "EventStore", "EventStorePostgres"]
    + products([
        "swift-argument-parser": ["ArgumentParser"], "hummingbird": ["Hummingbird"],
        "swift-log": ["Logging"], "swift-metrics": ["Metrics"], "swift-prometheus": ["Prometheus"],
        "swift-service-lifecycle": ["ServiceLifecycle", "UnixSignals"],
    ])

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
        .target(name: "Dataset", dependencies: ["RecsysCore", "CZlib"], swiftSettings: checkedSettings),
        .target(name: "ModelFile", dependencies: ["RecsysCore", "CZlib"], swiftSettings: checkedSettings),
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
        .target(name: "EventStore", dependencies: ["RecsysCore", "Dataset", "CZlib"], swiftSettings: checkedSettings),
        // The shared store for several replicas; its own target so the embedded log needs no database client.
        .target(
            name: "EventStorePostgres",
            dependencies: [
                "Dataset", "EventStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: checkedSettings
        ),
        .executableTarget(
            name: "Train",
            dependencies: [
                "RecsysCore", "Dataset", "ModelFile", "Candidates", "Features", "Ranker", "Pipeline", "Evaluation",
                "EventStore", "EventStorePostgres", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: checkedSettings
        ),
        .executableTarget(
            name: "Serve",
            dependencies: serveDependencies,
            swiftSettings: checkedSettings
        ),
        // AddressSanitizer's defaults for the test binary (`swift test --sanitize=address`): no leak report.
        .target(name: "SanitizerDefaults", path: "Tests/SanitizerDefaults"),
        // One shared fixture (a tiny generated world and a model trained on it) for every test target.
        .target(
            name: "TestSupport",
            dependencies: [
                "SanitizerDefaults", "RecsysCore", "Dataset", "Candidates", "Features", "Ranker", "Pipeline",
                "EventStorePostgres",
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

if fuzzing {
    package.products.append(.executable(name: "recsys-fuzz", targets: ["Fuzz"]))
    package.targets += [
        .target(name: "CFuzz", path: "Fuzz/CFuzz"),
        .executableTarget(
            name: "Fuzz",
            dependencies: ["CFuzz", "Dataset", "EventStore", "ModelFile", "Pipeline"]
                + (fuzzServe ? ["FuzzServe"] : [Target.Dependency]()),
            path: "Fuzz/Harness",
            swiftSettings: fuzzFlags,
            // lld: gold stops at an internal error on libFuzzer's archive.
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
        ),
    ]
}
if fuzzServe {
    package.targets += [
        // Serve's sources but its `@main` file, as a library the harness can
        // link (an executable target can't be): symlinks that scripts/fuzz.sh
        // lays in a git-ignored folder, so Serve's own files stay as they are.
        .target(name: "FuzzServe", dependencies: serveDependencies, path: "Fuzz/ServeLinks", swiftSettings: fuzzFlags)
    ]
}
