// swift-tools-version:6.1
import PackageDescription

/// Settings every vitals target builds with (STYLE.md 15).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "vitals",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vitals", targets: ["vitals"]),
        .library(name: "VitalsTestKit", targets: ["VitalsTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Tests only: property-based checks of the alert engine's invariants.
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(name: "VitalsCore", swiftSettings: strict),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "VitalsConfig", dependencies: ["VitalsCore", "CYAML"], swiftSettings: strict),
        .target(name: "VitalsProcFS", dependencies: ["VitalsCore", "CHost"], swiftSettings: strict),
        .target(name: "VitalsSamplers", dependencies: ["VitalsCore", "VitalsProcFS"], swiftSettings: strict),
        // The plugin runner's process start (vfork + limits + execve), in C: see Sources/CSpawn.
        .target(name: "CSpawn"),
        // Host facts for the compiled-in checks (sd-bus is variadic, adjtimex not exported).
        .target(name: "CHost", linkerSettings: [.linkedLibrary("systemd")]),
        // Delivery's TLS (SMTP STARTTLS and implicit, HTTPS webhooks and Alertmanager) on the host's
        // OpenSSL from Debian (libssl-dev to build, libssl3 to run): security updates come with
        // apt, and no TLS library is compiled into the binary (swift-nio-ssl vendored BoringSSL:
        // half of a clean build's compile steps and megabytes of the binary). See Sources/CTLS.
        // OpenSSL is loaded with dlopen when the first TLS context is made, so an agent without a
        // TLS channel never maps it (issue 17); the headers still type-check every call.
        .target(name: "CTLS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "VitalsPlugins", dependencies: ["VitalsCore", "CSpawn", "CHost"], swiftSettings: strict),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "VitalsSystemd",
            dependencies: ["VitalsCore", "CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "VitalsServer",
            dependencies: [
                "VitalsCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VitalsNotify",
            dependencies: [
                "VitalsCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "CTLS",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VitalsDaemon",
            dependencies: [
                "VitalsCore", "VitalsConfig", "VitalsProcFS", "VitalsSamplers", "VitalsSystemd", "VitalsServer", "VitalsPlugins", "VitalsNotify",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vitals",
            dependencies: [
                "VitalsDaemon", "VitalsPlugins", "VitalsConfig", "VitalsSamplers", "VitalsNotify", "VitalsProcFS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Tests only: the test process ignores SIGPIPE from its start (Sources/CTestHarness).
        .target(name: "CTestHarness"),
        .target(name: "VitalsTestKit", dependencies: ["VitalsCore", "CTestHarness"], swiftSettings: strict),
        // Tests only: Swift Testing traits the test targets share (VitalsTestKit stays free of
        // Testing, for the bench executables that use it).
        .target(name: "VitalsTestSupport", dependencies: ["VitalsTestKit"], path: "Tests/Support", swiftSettings: strict),
        // bench/replay: the 24-hour alert trace replay (figures for the alert manager's goals).
        .executableTarget(name: "vitals-replay", dependencies: ["VitalsCore", "VitalsTestKit"], path: "bench/replay", swiftSettings: strict),
        // bench/spawn: the plugin runner's cost per execution against a bare posix_spawn.
        .executableTarget(name: "vitals-spawn-bench", dependencies: ["VitalsCore", "VitalsPlugins"], path: "bench/spawn", swiftSettings: strict),
        // bench/fuzz: the seeded mutation fuzzer for everything read from outside (scripts/test runs it briefly).
        .executableTarget(
            name: "vitals-fuzz",
            dependencies: [
                "VitalsCore", "VitalsConfig", "VitalsProcFS", "VitalsServer", "VitalsDaemon", .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/fuzz", exclude: ["corpus", "README.md"], swiftSettings: strict),
        .testTarget(
            name: "VitalsCoreTests",
            dependencies: ["VitalsCore", "VitalsTestKit", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "VitalsConfigTests", dependencies: ["VitalsConfig", "VitalsTestKit"], swiftSettings: strict),
        .testTarget(name: "VitalsProcFSTests", dependencies: ["VitalsProcFS", "VitalsTestKit"], swiftSettings: strict),
        .testTarget(
            name: "VitalsSamplersTests",
            dependencies: ["VitalsSamplers", "VitalsTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VitalsServerTests",
            dependencies: [
                "VitalsServer", "VitalsDaemon", "VitalsConfig", "VitalsTestKit", "VitalsTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VitalsNotifyTests",
            dependencies: ["VitalsNotify", "VitalsDaemon", "VitalsTestKit", "VitalsTestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VitalsPluginsTests",
            dependencies: ["VitalsPlugins", "VitalsTestKit", "VitalsTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["VitalsTestKit", "VitalsTestSupport", "VitalsCore"],
            swiftSettings: strict
        ),
    ]
)
