import NetCore
import Synchronization
import TLS

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

    /// The port actually bound (useful when the configuration asked for 0).
    public let port: UInt16
    public var host: String { configuration.host }
    public var loopCount: Int { group.loops.count }
    public var certificateSummary: String { state.tls.certificateSummary }

    public init(configuration: ServerConfiguration, logger: Logger) throws {
        let problems = configuration.limits.problems()
        guard problems.isEmpty else { throw ServerStartupError("invalid limits: " + problems.joined(separator: "; ")) }
        self.configuration = configuration
        let tls: TLSContext
        do {
            tls = try TLSContext(server: TLSServerConfiguration(
                certificateChainPath: configuration.certificate, privateKeyPath: configuration.privateKey))
        } catch {
            throw ServerStartupError("TLS set-up failed: \(error.message)")
        }
        state = ServerState(configuration: configuration, logger: logger, tls: tls)
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
    }

    /// Starts the loops and begins accepting; returns at once.
    public func start() {
        group.start()
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
                    case .tlsHandshake, .httpRequest: connection.terminate(reason: "server shutting down")
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
        group.stopAndJoin()
    }
}

/// Moves a loop-confined value into a task that runs on that same loop.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
