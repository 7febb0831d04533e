public import Audit
public import Auth

/// Everything an operator can set. Defaults are the documented ones; the
/// README's "Configuration and limits" table lists each field under the same name.
public struct ServerConfiguration: Sendable, Codable, Equatable {
    public var host = "127.0.0.1"
    public var port: UInt16 = 8443
    /// Event loop threads; 0 means one per available core.
    public var loops = 0
    public var certificate = "certs/server.pem"
    public var privateKey = "certs/server.key"
    /// The dev CA that signed the certificate; only used to tell clients what to trust.
    public var caCertificate = "certs/ca.pem"
    /// Create a dev CA and server certificate when the files above are absent.
    public var generateDevCertificates = true
    public var limits = ServerLimits()
    public var auth = AuthSettings()
    /// Directory of policy JSON files (roles, limits, clients), reloaded on SIGHUP and on change.
    public var policyDirectory = "policies"
    public var audit = AuditSettings()
    public var streams = StreamSettings()
    /// Several instances as one service through Redis (`--redis`).
    public var cluster = ClusterSettings()
    /// permessage-deflate (RFC 7692).
    public var compression = CompressionSettings()
    /// Run the simulated market feed (`--demo`).
    public var demo = false
    public var logFormat: LogFormat = .text
    public var logLevel: LogLevel = .info

    public init() {}

    enum CodingKeys: String, CodingKey {
        case host, port, loops, certificate, privateKey = "private_key", caCertificate = "ca_certificate"
        case generateDevCertificates = "generate_dev_certificates", limits, auth
        case policyDirectory = "policy_directory", audit, streams, cluster, compression, demo
        case logFormat = "log_format", logLevel = "log_level"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServerConfiguration()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? d.port
        loops = try c.decodeIfPresent(Int.self, forKey: .loops) ?? d.loops
        certificate = try c.decodeIfPresent(String.self, forKey: .certificate) ?? d.certificate
        privateKey = try c.decodeIfPresent(String.self, forKey: .privateKey) ?? d.privateKey
        caCertificate = try c.decodeIfPresent(String.self, forKey: .caCertificate) ?? d.caCertificate
        generateDevCertificates = try c.decodeIfPresent(Bool.self, forKey: .generateDevCertificates) ?? d.generateDevCertificates
        limits = try c.decodeIfPresent(ServerLimits.self, forKey: .limits) ?? d.limits
        auth = try c.decodeIfPresent(AuthSettings.self, forKey: .auth) ?? d.auth
        policyDirectory = try c.decodeIfPresent(String.self, forKey: .policyDirectory) ?? d.policyDirectory
        audit = try c.decodeIfPresent(AuditSettings.self, forKey: .audit) ?? d.audit
        streams = try c.decodeIfPresent(StreamSettings.self, forKey: .streams) ?? d.streams
        cluster = try c.decodeIfPresent(ClusterSettings.self, forKey: .cluster) ?? d.cluster
        compression = try c.decodeIfPresent(CompressionSettings.self, forKey: .compression) ?? d.compression
        demo = try c.decodeIfPresent(Bool.self, forKey: .demo) ?? d.demo
        logFormat = try c.decodeIfPresent(LogFormat.self, forKey: .logFormat) ?? d.logFormat
        logLevel = try c.decodeIfPresent(LogLevel.self, forKey: .logLevel) ?? d.logLevel
    }
}

/// Every limit the server enforces, by name. Times are in seconds.
public struct ServerLimits: Sendable, Codable, Equatable {
    /// Request line plus headers; beyond it the answer is 431 and the connection closes.
    public var maxHeaderBytes = 8192
    public var maxHeaderCount = 64
    /// Body of a plain HTTP request (publish batches later).
    public var maxRequestBodyBytes = 1 << 20
    /// TLS handshake plus the HTTP request must complete within this, else the socket is closed.
    public var handshakeTimeout = 10.0
    /// Largest WebSocket message a client may send (all fragments together); beyond it: close 1009.
    public var maxMessageBytes = 65536
    /// Server ping interval; a connection silent for two intervals is closed.
    public var heartbeatInterval = 30.0
    /// After the server sends a close frame, how long it waits for the client's before dropping the socket.
    public var closeTimeout = 5.0
    /// Open connections (all loops together); beyond it the upgrade answer is 503.
    public var maxConnections = 100_000
    /// Bytes queued towards one client (plaintext waiting plus ciphertext not yet accepted by the kernel).
    public var maxOutboundBytes = 4 << 20
    /// Queued bytes beyond which ticks towards a client are conflated (newest price per symbol).
    public var conflateAfterBytes = 65536
    /// Channels in one subscribe/unsubscribe; more is `bad_request`.
    public var maxChannelsPerRequest = 100
    /// Bytes in one channel name; longer is `bad_request`.
    public var maxChannelNameBytes = 128
    /// Rate-limited messages in a row before the session is closed with 4029.
    public var rateLimitStrikes = 10
    /// Messages one `subscribe` may replay for `since`, all channels
    /// together; beyond it the oldest part is reported as `recovery_failed`
    /// (`recovery_limit`) instead of replayed.
    public var maxRecoveryMessages = 1_000_000
    /// Channels one wildcard `since` entry may recover; the rest are named in
    /// one `recovery_failed` (`recovery_limit`).
    public var maxRecoveryChannels = 1000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxHeaderBytes = "max_header_bytes", maxHeaderCount = "max_header_count"
        case maxRequestBodyBytes = "max_request_body_bytes", handshakeTimeout = "handshake_timeout_s"
        case maxMessageBytes = "max_message_bytes", heartbeatInterval = "heartbeat_interval_s"
        case closeTimeout = "close_timeout_s", maxConnections = "max_connections"
        case maxOutboundBytes = "max_outbound_bytes", conflateAfterBytes = "conflate_after_bytes", maxChannelsPerRequest = "max_channels_per_request"
        case maxChannelNameBytes = "max_channel_name_bytes", rateLimitStrikes = "rate_limit_strikes"
        case maxRecoveryMessages = "max_recovery_messages", maxRecoveryChannels = "max_recovery_channels"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServerLimits()
        maxHeaderBytes = try c.decodeIfPresent(Int.self, forKey: .maxHeaderBytes) ?? d.maxHeaderBytes
        maxHeaderCount = try c.decodeIfPresent(Int.self, forKey: .maxHeaderCount) ?? d.maxHeaderCount
        maxRequestBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxRequestBodyBytes) ?? d.maxRequestBodyBytes
        handshakeTimeout = try c.decodeIfPresent(Double.self, forKey: .handshakeTimeout) ?? d.handshakeTimeout
        maxMessageBytes = try c.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? d.maxMessageBytes
        heartbeatInterval = try c.decodeIfPresent(Double.self, forKey: .heartbeatInterval) ?? d.heartbeatInterval
        closeTimeout = try c.decodeIfPresent(Double.self, forKey: .closeTimeout) ?? d.closeTimeout
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        maxOutboundBytes = try c.decodeIfPresent(Int.self, forKey: .maxOutboundBytes) ?? d.maxOutboundBytes
        conflateAfterBytes = try c.decodeIfPresent(Int.self, forKey: .conflateAfterBytes) ?? d.conflateAfterBytes
        maxChannelsPerRequest = try c.decodeIfPresent(Int.self, forKey: .maxChannelsPerRequest) ?? d.maxChannelsPerRequest
        maxChannelNameBytes = try c.decodeIfPresent(Int.self, forKey: .maxChannelNameBytes) ?? d.maxChannelNameBytes
        rateLimitStrikes = try c.decodeIfPresent(Int.self, forKey: .rateLimitStrikes) ?? d.rateLimitStrikes
        maxRecoveryMessages = try c.decodeIfPresent(Int.self, forKey: .maxRecoveryMessages) ?? d.maxRecoveryMessages
        maxRecoveryChannels = try c.decodeIfPresent(Int.self, forKey: .maxRecoveryChannels) ?? d.maxRecoveryChannels
    }

    /// Problems an operator must fix, each naming the field.
    public func problems() -> [String] {
        var found: [String] = []
        if maxHeaderBytes < 256 { found.append("limits.max_header_bytes must be at least 256 (got \(maxHeaderBytes))") }
        if maxHeaderCount < 8 { found.append("limits.max_header_count must be at least 8 (got \(maxHeaderCount))") }
        if maxRequestBodyBytes < 0 { found.append("limits.max_request_body_bytes must not be negative") }
        if !(handshakeTimeout > 0) { found.append("limits.handshake_timeout_s must be positive (got \(handshakeTimeout))") }
        if maxMessageBytes < 125 { found.append("limits.max_message_bytes must be at least 125 (got \(maxMessageBytes))") }
        if !(heartbeatInterval > 0) { found.append("limits.heartbeat_interval_s must be positive (got \(heartbeatInterval))") }
        if !(closeTimeout > 0) { found.append("limits.close_timeout_s must be positive (got \(closeTimeout))") }
        if maxConnections < 1 { found.append("limits.max_connections must be at least 1 (got \(maxConnections))") }
        if maxOutboundBytes < 65536 { found.append("limits.max_outbound_bytes must be at least 65536 (got \(maxOutboundBytes))") }
        if conflateAfterBytes < 0 || conflateAfterBytes > maxOutboundBytes {
            found.append("limits.conflate_after_bytes must be between 0 and limits.max_outbound_bytes (got \(conflateAfterBytes))")
        }
        if maxChannelsPerRequest < 1 { found.append("limits.max_channels_per_request must be at least 1") }
        if maxChannelNameBytes < 8 { found.append("limits.max_channel_name_bytes must be at least 8") }
        if maxRecoveryMessages < 1 { found.append("limits.max_recovery_messages must be at least 1") }
        if maxRecoveryChannels < 1 { found.append("limits.max_recovery_channels must be at least 1") }
        if rateLimitStrikes < 1 { found.append("limits.rate_limit_strikes must be at least 1") }
        return found
    }
}

public enum LogFormat: String, Sendable, Codable { case text, json }
public enum LogLevel: String, Sendable, Codable, Comparable {
    case debug, info, warning, error
    var rank: Int { [.debug: 0, .info: 1, .warning: 2, .error: 3][self]! }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// How bearer tokens are checked.
public struct AuthSettings: Sendable, Codable, Equatable {
    /// Verification keys; each has a kid and exactly one algorithm.
    public var keys = [KeySpec(kid: "dev", algorithm: .es256, path: "certs/jwt-dev-public.pem")]
    /// The private key `streamd token issue` signs with by default (dev only).
    public var signingKey = "certs/jwt-dev-private.pem"
    public var issuer: String?
    public var audience: String?
    public var leewaySeconds: Int64 = 30
    public var maxTokenBytes = 8192
    /// One revoked `jti` per line; reloaded with the policies.
    public var revocationFile: String?
    /// Accept `?access_token=` on the upgrade URL (off: tokens in URLs end up in proxy logs).
    public var allowQueryToken = false
    /// Tokens whose checked signature is remembered (exact bytes), so a
    /// client reconnecting with the same token skips the ECDSA check; times,
    /// issuer, audience and revocation are still checked on every use. 0: off.
    public var verifiedTokenCacheEntries = 10_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case keys, signingKey = "signing_key", issuer, audience, leewaySeconds = "leeway_s"
        case maxTokenBytes = "max_token_bytes", revocationFile = "revocation_file", allowQueryToken = "allow_query_token"
        case verifiedTokenCacheEntries = "verified_token_cache_entries"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AuthSettings()
        keys = try c.decodeIfPresent([KeySpec].self, forKey: .keys) ?? d.keys
        signingKey = try c.decodeIfPresent(String.self, forKey: .signingKey) ?? d.signingKey
        issuer = try c.decodeIfPresent(String.self, forKey: .issuer)
        audience = try c.decodeIfPresent(String.self, forKey: .audience)
        leewaySeconds = try c.decodeIfPresent(Int64.self, forKey: .leewaySeconds) ?? d.leewaySeconds
        maxTokenBytes = try c.decodeIfPresent(Int.self, forKey: .maxTokenBytes) ?? d.maxTokenBytes
        revocationFile = try c.decodeIfPresent(String.self, forKey: .revocationFile)
        allowQueryToken = try c.decodeIfPresent(Bool.self, forKey: .allowQueryToken) ?? d.allowQueryToken
        verifiedTokenCacheEntries = try c.decodeIfPresent(Int.self, forKey: .verifiedTokenCacheEntries) ?? d.verifiedTokenCacheEntries
    }

    /// True when the keys are the shipped development default (then `serve` may create them).
    public var usesDevelopmentKey: Bool { keys == AuthSettings().keys }
}

/// Where access decisions are recorded.
public struct AuditSettings: Sendable, Codable, Equatable {
    public var path = "data/audit.jsonl"
    public var maxFileBytes = 64 << 20
    public var keepFiles = 10
    public var fsync: AuditFsync = .onFlush

    public init() {}

    enum CodingKeys: String, CodingKey {
        case path, maxFileBytes = "max_file_bytes", keepFiles = "keep_files", fsync
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AuditSettings()
        path = try c.decodeIfPresent(String.self, forKey: .path) ?? d.path
        maxFileBytes = try c.decodeIfPresent(Int.self, forKey: .maxFileBytes) ?? d.maxFileBytes
        keepFiles = try c.decodeIfPresent(Int.self, forKey: .keepFiles) ?? d.keepFiles
        fsync = try c.decodeIfPresent(AuditFsync.self, forKey: .fsync) ?? d.fsync
    }
}
