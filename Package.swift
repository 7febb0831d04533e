// swift-tools-version:6.0
// streamd: a TLS WebSocket streaming server. No Swift package dependencies:
// only the toolchain and C libraries reached through system-library targets.
import PackageDescription

/// A C library from a Debian -dev package, reached through its pkg-config
/// file when it has a usable one (Sources/NAME holds the modulemap and shim.h).
func cLibrary(_ name: String, pkgConfig: String?, debian package: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([package])])
}

let package = Package(
    name: "streamd",
    products: [
        .executable(name: "streamd", targets: ["streamd"]),
        .library(name: "StreamServer", targets: ["StreamServer"]),
    ],
    targets: [
        // C headers and macro wrappers the Glibc module does not expose (epoll, eventfd, timerfd).
        .target(name: "CLinux"),
        cLibrary("COpenSSL", pkgConfig: "openssl", debian: "libssl-dev"),
        cLibrary("CJWT", pkgConfig: "libjwt", debian: "libjwt-dev"),
        // No pkgConfig: hiredis.pc carries -D_FILE_OFFSET_BITS=64, which
        // SwiftPM refuses with a warning; the headers are on the default path.
        cLibrary("CHiredis", pkgConfig: nil, debian: "libhiredis-dev"),
        // permessage-deflate (RFC 7692); only the WebSocket target imports it.
        cLibrary("CZlib", pkgConfig: "zlib", debian: "zlib1g-dev"),
        // Shared low-level helpers every layer may use: the syscall door, the lock
        // ThreadSanitizer understands, Base64, small-file reads, and the channel-name
        // rules and kinds that Policy, Broadcast and StreamServer share.
        .target(name: "Base"),
        .target(name: "NetCore", dependencies: ["CLinux", "Base"]),
        .target(name: "TLS", dependencies: ["COpenSSL", "Base"]),
        // RFC 3339 time stamps, JSON string literals and JSON values: the text every layer writes.
        .target(name: "TextFormat", dependencies: ["Base"]),
        .target(name: "WebSocket", dependencies: ["TextFormat", "CZlib", "Base"]),
        .target(name: "Auth", dependencies: ["CJWT", "TLS", "TextFormat", "Base"]),
        .target(name: "Policy", dependencies: ["Base"]),
        .target(name: "Audit", dependencies: ["TLS", "TextFormat", "Base"]),
        // Shared messages keep their compressed frames beside the plain ones.
        .target(name: "Broadcast", dependencies: ["WebSocket", "Base"]),
        .target(name: "Metrics", dependencies: ["Base"]),
        .target(name: "DemoFeed", dependencies: ["TextFormat", "Base"]),
        .target(
            name: "StreamServer",
            dependencies: ["NetCore", "TLS", "WebSocket", "Auth", "Policy", "Audit", "Broadcast", "Metrics", "DemoFeed", "Redis", "TextFormat", "Base"],
            resources: [.copy("Dashboard")]
        ),
        .target(name: "StreamClient", dependencies: ["NetCore", "TLS", "WebSocket", "TextFormat", "Base"]),
        // A non-blocking Redis client on the event loops; hiredis parses replies.
        .target(name: "Redis", dependencies: ["CHiredis", "NetCore", "Base"]),
        // The load generator behind `streamd bench`.
        .target(name: "StreamBench", dependencies: ["NetCore", "TLS", "WebSocket", "StreamClient", "Metrics", "TextFormat", "Base"]),
        .executableTarget(name: "streamd", dependencies: ["StreamServer", "StreamClient", "StreamBench", "TLS", "Auth", "Policy", "Audit", "TextFormat", "Base"]),

        .testTarget(name: "BaseTests", dependencies: ["Base"]),
        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket", "Base"]),
        .testTarget(name: "TextFormatTests", dependencies: ["TextFormat"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS"]),
        .testTarget(name: "NetCoreTests", dependencies: ["NetCore"]),
        .testTarget(name: "AuthTests", dependencies: ["Auth", "Base"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "TextFormat"]),
        .testTarget(name: "BroadcastTests", dependencies: ["Broadcast", "WebSocket", "Base"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "DemoFeedTests", dependencies: ["DemoFeed", "Base"]),
        .testTarget(name: "StreamClientTests", dependencies: ["StreamClient"]),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "NetCore", "Base"]),
        .testTarget(name: "StreamBenchTests", dependencies: ["StreamBench"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["StreamServer", "TLS", "WebSocket", "NetCore", "Auth", "Policy", "Audit", "Broadcast", "StreamClient", "StreamBench"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every import is internal unless a file says `public import`, and a member is
// visible only where its module is imported: what a module exposes is what it
// means to.
for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
