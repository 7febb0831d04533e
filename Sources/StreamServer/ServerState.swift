import Audit
import NetCore
import Synchronization
import TLS
import WebSocket

/// What every loop shares: configuration, the TLS context, access control,
/// the audit log, the logger, and the few counters that must be global.
/// Immutable, atomic or internally locked, so loops read it freely.
final class ServerState: Sendable {
    let configuration: ServerConfiguration
    let limits: ServerLimits
    let logger: Logger
    let tls: TLSContext
    let access: AccessControl
    let audit: AuditLog
    /// A random prefix that makes session ids unique across restarts.
    let instanceID: String
    let openConnections = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)
    let upgradedConnections = Atomic<Int>(0)
    /// Open sessions that agreed on permessage-deflate: while there are any,
    /// the broadcaster compresses each large message once as it publishes it.
    let compressedSessions = Atomic<Int>(0)
    let isShuttingDown = Atomic<Bool>(false)

    let httpLimits: HTTPLimits
    let dashboard = DashboardAssets.bundled()

    // Nanosecond forms of the limits, computed once.
    let handshakeTimeoutNS: UInt64
    let heartbeatIntervalNS: UInt64
    let closeTimeoutNS: UInt64
    /// A connection is dropped only when a ping has gone unanswered for a
    /// full heartbeat interval and nothing at all arrived for two.
    var lifecycleTimeouts: ConnectionLifecycle.Timeouts {
        .init(request: handshakeTimeoutNS, heartbeat: heartbeatIntervalNS, silence: 2 &* heartbeatIntervalNS, close: closeTimeoutNS)
    }

    init(configuration: ServerConfiguration, logger: Logger, tls: TLSContext, access: AccessControl, audit: AuditLog) {
        self.configuration = configuration
        self.limits = configuration.limits
        self.logger = logger
        self.tls = tls
        self.access = access
        self.audit = audit
        httpLimits = HTTPLimits(maxHeaderBytes: configuration.limits.maxHeaderBytes,
                                maxHeaderCount: configuration.limits.maxHeaderCount,
                                maxBodyBytes: configuration.limits.maxRequestBodyBytes)
        instanceID = SecureRandom.bytes(3).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        handshakeTimeoutNS = UInt64(configuration.limits.handshakeTimeout * 1e9)
        heartbeatIntervalNS = UInt64(configuration.limits.heartbeatInterval * 1e9)
        closeTimeoutNS = UInt64(configuration.limits.closeTimeout * 1e9)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
