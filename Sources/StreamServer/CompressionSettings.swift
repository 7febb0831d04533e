import WebSocket

/// `compression`: permessage-deflate (RFC 7692). Every stream message is
/// compressed once, on its own (`server_no_context_takeover`, always
/// answered), so one compressed frame goes to every subscriber that agreed
/// on the same window.
public struct CompressionSettings: Sendable, Codable, Equatable {
    /// Accept clients' offers (`--no-compression` turns it off).
    public var enabled = true
    /// zlib level 0...9 (`--compression-level`): 1 is fast and, on JSON,
    /// within a few percent of 9.
    public var level = 1
    /// Payloads smaller than this go uncompressed (`--compression-min-bytes`):
    /// below it the bytes saved are not worth the CPU (docs/performance.md).
    public var minBytes = 256
    /// Ask clients to compress each message on its own
    /// (`--compression-client-no-context-takeover on|off`), so a
    /// connection keeps no inflate state between messages.
    public var clientNoContextTakeover = true
    /// The largest window a client may compress with, 8...15
    /// (`--compression-client-max-window-bits`); inflate memory per busy
    /// connection is about 7 KiB + 2^bits.
    public var clientMaxWindowBits = 15

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled, level, minBytes = "min_bytes", clientNoContextTakeover = "client_no_context_takeover"
        case clientMaxWindowBits = "client_max_window_bits"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CompressionSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        level = try c.decodeIfPresent(Int.self, forKey: .level) ?? d.level
        minBytes = try c.decodeIfPresent(Int.self, forKey: .minBytes) ?? d.minBytes
        clientNoContextTakeover = try c.decodeIfPresent(Bool.self, forKey: .clientNoContextTakeover) ?? d.clientNoContextTakeover
        clientMaxWindowBits = try c.decodeIfPresent(Int.self, forKey: .clientMaxWindowBits) ?? d.clientMaxWindowBits
    }

    func problems() -> [String] {
        var found: [String] = []
        if !(0...9).contains(level) { found.append("compression.level must be 0 to 9 (got \(level))") }
        if minBytes < 0 { found.append("compression.min_bytes must not be negative") }
        if !(8...15).contains(clientMaxWindowBits) {
            found.append("compression.client_max_window_bits must be 8 to 15 (got \(clientMaxWindowBits))")
        }
        return found
    }

    var policy: PerMessageDeflate.ServerPolicy {
        PerMessageDeflate.ServerPolicy(requestClientNoContextTakeover: clientNoContextTakeover, clientMaxWindowBits: clientMaxWindowBits)
    }
}
