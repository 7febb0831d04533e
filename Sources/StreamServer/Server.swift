import Audit
import Auth
import Broadcast
import DemoFeed
import Foundation
import Metrics
import NetCore
import Policy
import Redis
import Synchronization
import TLS
import TextFormat
import WebSocket

/// Why the server could not start, in words an operator can act on.
public struct ServerStartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The streamd server: N event loops, one listener per loop on the same port
/// (SO_REUSEPORT), one TLS context shared by all.
public final class Server: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let state: ServerState
    let group: EventLoopGroup
    private var contexts: [LoopContext] = []
    private var listeners: [Listener] = []
    private var acceptors: [Acceptor] = []
    /// In-process publishing (the `broadcastTick` family builds on it).
    public let broadcaster: Broadcaster
    let metrics: ServerMetrics
    private let reloadLock = NSLock()
    private var watcher: Thread?

    /// The port actually bound (useful when the configuration asked for 0).
    public let port: UInt16
    public var host: String { configuration.host }
    public var loopCount: Int { group.loops.count }
    public var certificateSummary: String { state.tls.certificateSummary }

    public init(configuration: ServerConfiguration, logger: Logger) throws {
        let problems = configuration.limits.problems() + configuration.streams.problems() + configuration.cluster.problems()
            + configuration.compression.problems()
        guard problems.isEmpty else { throw ServerStartupError("invalid limits: " + problems.joined(separator: "; ")) }
        self.configuration = configuration
        let tls: TLSContext
        do {
            tls = try TLSContext(server: TLSServerConfiguration(
                certificateChainPath: configuration.certificate, privateKeyPath: configuration.privateKey))
        } catch {
            throw ServerStartupError("TLS set-up failed: \(error.message)")
        }
        let verifier = try Server.loadVerifier(configuration.auth)
        let policy: PolicySet
        do {
            policy = try PolicySet.load(directory: configuration.policyDirectory)
        } catch {
            throw ServerStartupError("policy: \(error)")
        }
        let audit: AuditLog
        do {
            let directory = (configuration.audit.path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            audit = try AuditLog(path: configuration.audit.path, maxFileBytes: configuration.audit.maxFileBytes,
                                 keepFiles: configuration.audit.keepFiles, fsync: configuration.audit.fsync)
        } catch {
            throw ServerStartupError("\(error)")
        }
        state = ServerState(configuration: configuration, logger: logger, tls: tls,
                            access: AccessControl(verifier: verifier, policy: policy), audit: audit)
        let loopCount = configuration.loops > 0 ? configuration.loops : EventLoopGroup.availableCores
        do {
            group = try EventLoopGroup(loopCount: loopCount)
            let requested = try SocketAddress(host: configuration.host, port: configuration.port)
            // The first listener picks the port (it may be 0); the others join it.
            let first = try Listener(address: requested)
            listeners.append(first)
            let bound = try SocketAddress(host: configuration.host, port: first.address.port)
            for _ in 1..<loopCount { listeners.append(try Listener(address: bound)) }
            port = first.address.port
        } catch {
            for listener in listeners { listener.close() }
            throw ServerStartupError("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        for (loop, listener) in zip(group.loops, listeners) {
            let context = LoopContext(loop: loop, state: state)
            contexts.append(context)
            acceptors.append(Acceptor(listener: listener, context: context))
        }
        let broadcaster = try Broadcaster(contexts: contexts, settings: configuration.streams,
                                          maxChannelNameBytes: configuration.limits.maxChannelNameBytes, logger: logger)
        let metrics = ServerMetrics(loops: contexts.count, state: state)
        cluster = try Server.makeCluster(configuration, loop: contexts[0].loop, broadcaster: broadcaster,
                                         registry: metrics.registry, logger: logger)
        broadcaster.cluster = cluster
        broadcaster.publishedCounter = metrics.published
        broadcaster.duplicateCounter = metrics.duplicatePublishes
        broadcaster.evictedKeysCounter = metrics.evictedIdempotencyKeys
        self.broadcaster = broadcaster
        self.metrics = metrics
        let compression = configuration.compression
        let compressorFor: @Sendable (Int) -> FrameCompressor = { shard in
            FrameCompressor(level: compression.level, minBytes: compression.minBytes) { input, output in
                metrics.compressedFrames.increment(shard: shard)
                metrics.compressionBytesIn.increment(shard: shard, by: input)
                metrics.compressionBytesOut.increment(shard: shard, by: output)
            }
        }
        if compression.enabled {
            broadcaster.frameCompressor = compressorFor(0)
            broadcaster.compressionWanted = { [state] in state.compressedSessions.load(ordering: .relaxed) > 0 }
        }
        for context in contexts {
            context.broadcaster = broadcaster
            context.metrics = metrics
            context.frameCompressor = compressorFor(context.shard)
        }
    }

    private static func makeCluster(_ configuration: ServerConfiguration, loop: EventLoop, broadcaster: Broadcaster,
                                    registry: MetricsRegistry, logger: Logger) throws -> RedisCluster? {
        guard let url = configuration.cluster.redis else { return nil }
        let endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint(url: url)
        } catch {
            throw ServerStartupError("cluster.redis (--redis): \(error)")
        }
        return RedisCluster(endpoint: endpoint, settings: configuration.cluster, loop: loop, broadcaster: broadcaster,
                            historyDepth: configuration.streams.historyDepth, registry: registry, logger: logger)
    }

    /// The Redis engine when running as one of several instances (`--redis`).
    let cluster: RedisCluster?
    /// Where the cluster's Redis is, for the start-up lines; nil on a single node.
    public var clusterDescription: String? { cluster.map { "\($0.endpoint) (key prefix \(configuration.cluster.keyPrefix))" } }

    /// Keys and revocations, with errors that name the file.
    static func loadVerifier(_ auth: AuthSettings) throws -> TokenVerifier {
        let ring: KeyRing
        do {
            ring = try KeyRing.load(auth.keys)
        } catch {
            throw ServerStartupError("auth.keys: \(error)")
        }
        var revoked: Set<String> = []
        if let file = auth.revocationFile {
            do {
                revoked = try RevocationList.load(path: file)
            } catch {
                throw ServerStartupError("auth.revocation_file: \(error)")
            }
        }
        return TokenVerifier(keyRing: ring, settings: VerifierSettings(
            issuer: auth.issuer, audience: auth.audience, leewaySeconds: auth.leewaySeconds,
            maxTokenBytes: auth.maxTokenBytes, revokedTokenIDs: revoked,
            verifiedTokenCacheEntries: auth.verifiedTokenCacheEntries))
    }

    var loopContexts: [LoopContext] { contexts }

    func setWatcher(_ thread: Thread) {
        reloadLock.lock()
        watcher = thread
        reloadLock.unlock()
    }

    func stopWatching() {
        reloadLock.lock()
        watcher?.cancel()
        watcher = nil
        reloadLock.unlock()
    }

    public var policyFiles: [String] { state.access.snapshot.policy.files }
    public var keyIDs: [String] { state.configuration.auth.keys.map(\.kid) }
    public var auditPath: String { state.audit.path }

    /// Starts the loops and begins accepting; returns at once.
    public func start() {
        group.start()
        cluster?.start()
        for (context, acceptor) in zip(contexts, acceptors) {
            let box = UncheckedBox((context, acceptor))
            context.loop.execute {
                let (context, acceptor) = box.value
                do {
                    try context.loop.registerListener(fd: acceptor.listener.fd, handler: acceptor)
                } catch {
                    context.state.logger.error("cannot watch listener", ["error": .string("\(error)")])
                }
                context.startSweeping()
            }
        }
        if configuration.demo { startDemoFeed() }
    }

    /// The simulated market of `--demo`, driven from the first loop.
    private func startDemoFeed() {
        let loop = contexts[0].loop
        let broadcaster = self.broadcaster
        let logger = state.logger
        let box = UncheckedBox(DemoDriver(feed: DemoFeed(seed: UInt64(truncatingIfNeeded: WallClock.nowMilliseconds()))))
        loop.execute {
            func tick() {
                for event in box.value.feed.events(upTo: WallClock.nowMilliseconds()) {
                    // Signals and payloads carry their expiry in the data too, as publishers do.
                    let expires = event.validForMilliseconds.map { WallClock.nowMilliseconds() + $0 }
                    var data = event.dataJSON
                    if let expires, data.hasSuffix("}") {
                        data.removeLast()
                        data += #","valid_until":"\#(RFC3339.format(milliseconds: expires))"}"#
                    }
                    let channel = event.channel
                    broadcaster.publish(channel: channel, dataJSON: data, expiresAtMilliseconds: expires) { result in
                        if case .failure(let error) = result {
                            logger.warning("demo publish failed", ["channel": .string(channel), "error": .string(error.description)])
                        }
                    }
                }
                loop.schedule(afterNanoseconds: 50_000_000, tick)
            }
            tick()
        }
    }

    /// Open sessions right now (upgraded WebSocket connections).
    public var openSessions: Int { state.upgradedConnections.load(ordering: .relaxed) }
    public var openConnections: Int { state.openConnections.load(ordering: .relaxed) }

    /// Stops accepting, sends every session close 1001, waits up to
    /// `gracePeriod` seconds for them to go, then stops the loops.
    public func shutdown(gracePeriod: Double = 5) {
        guard !state.isShuttingDown.exchange(true, ordering: .relaxed) else { return }
        for (context, acceptor) in zip(contexts, acceptors) {
            let box = UncheckedBox((context, acceptor))
            context.loop.execute {
                let (context, acceptor) = box.value
                context.loop.deregister(fd: acceptor.listener.fd)
                acceptor.listener.close()
                for connection in context.connections {
                    switch connection.phase {
                    case .webSocket: connection.close(.goingAway, reason: "server shutting down")
                    case .connecting, .httpRequest: connection.terminate(reason: "server shutting down")
                    case .closing, .closed: break
                    }
                }
            }
        }
        let deadline = MonotonicClock.now() &+ UInt64(gracePeriod * 1e9)
        while openConnections > 0 && MonotonicClock.now() < deadline {
            MonotonicClock.sleep(milliseconds: 20)
        }
        let latch = Atomic<Int>(0)
        for context in contexts {
            let box = UncheckedBox(context)
            context.loop.execute {
                box.value.stopSweeping()
                for connection in box.value.connections { connection.terminate(reason: "server stopped") }
                latch.add(1, ordering: .relaxed)
            }
        }
        while latch.load(ordering: .relaxed) < contexts.count { MonotonicClock.sleep(milliseconds: 5) }
        cluster?.stop()
        group.stopAndJoin()
        stopWatching()
        broadcaster.close()
        // Every disconnect line is queued by now; nothing recorded is lost on a clean stop.
        state.audit.close()
    }
}

/// Moves a loop-confined value into a task that runs on that same loop.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Holds the demo generator's state on its loop.
final class DemoDriver {
    var feed: DemoFeed
    init(feed: DemoFeed) { self.feed = feed }
}
