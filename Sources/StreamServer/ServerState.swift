import NetCore
import Synchronization
import TLS

/// What every loop shares: configuration, the TLS context, the logger and the
/// few counters that must be global (open connections for the capacity limit).
/// Immutable or atomic, so loops read it without locks.
final class ServerState: Sendable {
    let configuration: ServerConfiguration
    let limits: ServerLimits
    let logger: Logger
    let tls: TLSContext
    let openConnections = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)
    let upgradedConnections = Atomic<Int>(0)
    let isShuttingDown = Atomic<Bool>(false)

    // Nanosecond forms of the limits, computed once.
    let handshakeTimeoutNS: UInt64
    let heartbeatIntervalNS: UInt64
    let closeTimeoutNS: UInt64

    init(configuration: ServerConfiguration, logger: Logger, tls: TLSContext) {
        self.configuration = configuration
        self.limits = configuration.limits
        self.logger = logger
        self.tls = tls
        handshakeTimeoutNS = UInt64(configuration.limits.handshakeTimeout * 1e9)
        heartbeatIntervalNS = UInt64(configuration.limits.heartbeatInterval * 1e9)
        closeTimeoutNS = UInt64(configuration.limits.closeTimeout * 1e9)
    }
}
