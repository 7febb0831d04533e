import Base
public import Broadcast

/// History, durability and slow-consumer behaviour of the five streams.
public struct StreamSettings: Sendable, Codable, Equatable {
    /// Messages kept per channel for `since` recovery.
    public var historyDepth = 1000
    /// Older messages are not replayed (`recovery_failed` instead).
    public var historyMaxAgeSeconds = 300.0
    /// Where the durable log of private channels (`order:`, `payload:`) lives.
    public var dataDirectory = "data/streams"
    public var durableFsync: DurableFsync = .never
    public var durableMaxBytes = 256 << 20
    /// How long a publish's `idempotency_key` is remembered per channel.
    public var idempotencyWindowSeconds = 300.0
    /// Keys remembered per channel within the window; beyond it the oldest
    /// is forgotten early (`streamd_idempotency_evicted_total`).
    public var idempotencyMaxKeys = 100_000
    /// What happens when a client's queue is full, per channel kind.
    public var delivery: [String: DeliveryPolicy] = StreamSettings.defaultDelivery

    public static let defaultDelivery: [String: DeliveryPolicy] = [
        "tick": .conflate, "signal": .reliable, "idea": .reliable, "order": .reliable, "payload": .reliable,
    ]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case historyDepth = "history_depth", historyMaxAgeSeconds = "history_max_age_s", dataDirectory = "data_directory"
        case durableFsync = "durable_fsync", durableMaxBytes = "durable_max_bytes", delivery
        case idempotencyWindowSeconds = "idempotency_window_s", idempotencyMaxKeys = "idempotency_max_keys"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = StreamSettings()
        historyDepth = try c.decodeIfPresent(Int.self, forKey: .historyDepth) ?? d.historyDepth
        historyMaxAgeSeconds = try c.decodeIfPresent(Double.self, forKey: .historyMaxAgeSeconds) ?? d.historyMaxAgeSeconds
        dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? d.dataDirectory
        durableFsync = try c.decodeIfPresent(DurableFsync.self, forKey: .durableFsync) ?? d.durableFsync
        durableMaxBytes = try c.decodeIfPresent(Int.self, forKey: .durableMaxBytes) ?? d.durableMaxBytes
        idempotencyWindowSeconds = try c.decodeIfPresent(Double.self, forKey: .idempotencyWindowSeconds) ?? d.idempotencyWindowSeconds
        idempotencyMaxKeys = try c.decodeIfPresent(Int.self, forKey: .idempotencyMaxKeys) ?? d.idempotencyMaxKeys
        let given = try c.decodeIfPresent([String: DeliveryPolicy].self, forKey: .delivery) ?? [:]
        delivery = d.delivery.merging(given) { _, new in new }
    }

    public func problems() -> [String] {
        var found: [String] = []
        if historyDepth < 0 { found.append("streams.history_depth must not be negative") }
        if !(historyMaxAgeSeconds >= 0) { found.append("streams.history_max_age_s must not be negative") }
        if !(idempotencyWindowSeconds >= 0) { found.append("streams.idempotency_window_s must not be negative") }
        if idempotencyMaxKeys < 0 { found.append("streams.idempotency_max_keys must not be negative") }
        for kind in delivery.keys where ChannelKind(rawValue: kind) == nil {
            found.append("streams.delivery.\(kind): unknown channel kind (tick, signal, order, idea, payload)")
        }
        return found
    }

    func policy(for kind: ChannelKind) -> DeliveryPolicy { delivery[kind.rawValue] ?? .reliable }
}
