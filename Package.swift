// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Swift 6 language mode (strict concurrency) for every target of ours.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// The business systems, found by folder: `Sources/<Name>System/` (one folder per bounded
/// context) with its scenarios in `Tests/<Name>SystemTests/`. Adding a system adds no line here;
/// `Sources/WarrenCLI/Systems.swift` registers it with the `warren` command.
/// A `Python` folder (a context run by a Python worker, see docs/writing-a-worker-in-another-language.md)
/// is left out of the module, and a system folder with no Swift file yet is not a module.
let systemModules = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Sources")) ?? [])
    .filter { $0.hasSuffix("System") && hasSwiftSources(Context.packageDirectory + "/Sources/\($0)") }.sorted()
func hasSwiftSources(_ folder: String) -> Bool {
    let files = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
    return files.contains { $0.hasSuffix(".swift") && !$0.hasPrefix("Python/") }
}
/// The linker script that gathers the code the fleet runs (bench/hot-text), for release links.
let hotText = Context.packageDirectory + "/Sources/WarrenCLI/hot-text.ld"
let hotTextSettings: [LinkerSetting] = FileManager.default.fileExists(atPath: hotText)
    ? [.unsafeFlags(["-Xlinker", "--script=" + hotText], .when(platforms: [.linux], configuration: .release))] : []

let systemTargets: [Target] = systemModules.flatMap { module -> [Target] in
    var targets: [Target] = [
        .target(name: module, dependencies: ["Warren", "WarrenEmbedded", "Postgres", .product(name: "Logging", package: "swift-log"),
                                           .product(name: "GRDB", package: "GRDB.swift"),
                                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                exclude: ["Python"].filter { FileManager.default.fileExists(atPath: Context.packageDirectory + "/Sources/\(module)/\($0)") },
                swiftSettings: swiftSettings),
    ]
    if FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests/\(module)Tests") {
        let extras = ["HTTPie", "Fixtures", "Python"].filter { FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests/\(module)Tests/\($0)") }
        targets.append(.testTarget(name: "\(module)Tests",
                                   dependencies: [.target(name: module), "Warren", "WarrenEmbedded", "WarrenTesting", "WarrenIngress", "WarrenTrace", "BrokerAdmin", "Topology", "Postgres", "RabbitMQ",
                                                  .product(name: "GRDB", package: "GRDB.swift"),
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                  .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                                   exclude: extras, swiftSettings: swiftSettings))
    }
    return targets
}

let package = Package(
    name: "warren",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warren", targets: ["WarrenCLI"]),
        .library(name: "RabbitMQ", targets: ["RabbitMQ"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "Topology", targets: ["Topology"]),
        .library(name: "Warren", targets: ["Warren"]),
        .library(name: "WarrenIngress", targets: ["WarrenIngress"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        // SHA-256 and HMAC for stable ids and card hashes (already built for Hummingbird's TLS stack).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // A context whose state is an embedded SQLite store (storagemanage): DESIGN.md names GRDB.
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        // C libraries, from Debian's -dev packages.
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // Our Swift clients over them.
        .target(
            name: "RabbitMQ",
            dependencies: ["CRabbitMQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // The fleet's topology: a pure model, its loader, validator and exporters.
        .target(
            name: "Topology",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),

        // The broker's management HTTP API, and `topology apply` / `permissions --apply` on it.
        .target(
            name: "BrokerAdmin",
            dependencies: ["RabbitMQ", "Topology", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // The worker runtime: handlers, inbox, outbox, retries, RPC, health.
        .target(
            name: "Warren",
            dependencies: [
                "RabbitMQ", "Postgres", "Topology",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // The worker runtime of a context whose state is an embedded SQLite file (GRDB): the same
        // broker side as `Warren`'s, with inbox, state and outbox in one SQLite transaction.
        .target(
            name: "WarrenEmbedded",
            dependencies: [
                "Warren", "RabbitMQ", "Topology",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The HTTP gateway of one system: requests become commands and RPC calls, GETs read views.
        .target(
            name: "WarrenIngress",
            dependencies: [
                "Warren", "Postgres", "Topology",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),

        // One conversation across a system (`warren trace`): inboxes, outboxes and queues.
        .target(
            name: "WarrenTrace",
            dependencies: ["BrokerAdmin", "Postgres", "Topology", .product(name: "Logging", package: "swift-log"),
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),

        // The `warren` command.
        .executableTarget(
            name: "WarrenCLI",
            dependencies: [
                "RabbitMQ", "Postgres", "Topology", "BrokerAdmin", "Warren", "WarrenIngress", "WarrenTrace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + systemModules.map { .target(name: $0) },
            exclude: ["hot-text.ld"],
            swiftSettings: swiftSettings,
            // Smaller processes (docs/performance.md, "Resident memory"): lld packs the 126,000
            // relative relocations of a position-independent binary into a few kB (DT_RELR,
            // glibc 2.36), and not exporting the binary's 36,000 symbols drops the dynamic symbol
            // table and lets --gc-sections remove what only the export kept. In release, the code
            // the fleet runs is put in one place (hot-text.ld, written by bench/hot-text).
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                                           "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux]))]
                + hotTextSettings
        ),

        // Benchmarks' Swift side; the C references live beside them in bench/.
        .executableTarget(
            name: "WarrenBench",
            dependencies: [
                "RabbitMQ", "Postgres", "Warren",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "bench/Sources/WarrenBench",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "WarrenTesting",
            dependencies: [
                "Warren", "BrokerAdmin", "RabbitMQ", "Postgres", "Topology",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "RabbitMQTests", dependencies: ["RabbitMQ"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WarrenTests",
            dependencies: [
                "Warren", "WarrenTesting", "BrokerAdmin", "RabbitMQ", "Postgres", "Topology",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WarrenIngressTests",
            dependencies: [
                "WarrenIngress", "Warren", "WarrenTesting", "CleaningSystem", "Postgres", "Topology",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WarrenEmbeddedTests",
            dependencies: [
                "WarrenEmbedded", "Warren", "WarrenTesting", "BrokerAdmin", "RabbitMQ", "Topology",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "BrokerAdminTests", dependencies: ["BrokerAdmin", "RabbitMQ", "Topology"], swiftSettings: swiftSettings),
    ] + systemTargets
)

// Every module folder says in a README.md what it owns and what it may import (scripts/check-docs
// holds it to its imports): a document, not a source or a resource of the module.
for target in package.targets where target.type != .system && target.type != .binary {
    let folder = target.path ?? "\(target.type == .test ? "Tests" : "Sources")/\(target.name)"
    if FileManager.default.fileExists(atPath: "\(Context.packageDirectory)/\(folder)/README.md") {
        target.exclude.append("README.md")
    }
}
