/// The idempotency keys ONE channel accepted recently, so a producer's retry
/// is answered with the original seq instead of being published twice.
/// Held under the caller's lock; no locks here.
///
/// Bounded twice: a key is forgotten `windowMilliseconds` after its publish,
/// and beyond `maxKeys` the oldest key goes first (counted by the caller).
public struct IdempotencyWindow: Sendable {
    private struct Entry: Sendable {
        let key: String
        let seq: UInt64
        let timeMilliseconds: Int64
    }

    public let windowMilliseconds: Int64
    public let maxKeys: Int
    private var seqByKey: [String: UInt64] = [:]
    /// Keys in publish order: expiry and the count bound pop from the front.
    private var order = RingBuffer<Entry>()

    public init(windowMilliseconds: Int64, maxKeys: Int) {
        self.windowMilliseconds = windowMilliseconds
        self.maxKeys = maxKeys
    }

    public var count: Int { seqByKey.count }

    /// The seq first published under `key`, if it is still remembered.
    public mutating func seq(for key: String, nowMilliseconds: Int64) -> UInt64? {
        forgetExpired(nowMilliseconds: nowMilliseconds)
        return seqByKey[key]
    }

    /// Remembers that `key` was published as `seq`. Returns how many older
    /// keys the count bound pushed out early.
    @discardableResult
    public mutating func remember(_ key: String, seq: UInt64, timeMilliseconds: Int64) -> Int {
        guard maxKeys > 0, windowMilliseconds > 0 else { return 0 }
        var evicted = 0
        while seqByKey.count >= maxKeys, let oldest = order.popFirst() {
            if seqByKey[oldest.key] == oldest.seq { seqByKey[oldest.key] = nil }
            evicted += 1
        }
        seqByKey[key] = seq
        order.append(Entry(key: key, seq: seq, timeMilliseconds: timeMilliseconds))
        return evicted
    }

    public mutating func forgetExpired(nowMilliseconds: Int64) {
        let cutoff = nowMilliseconds &- windowMilliseconds
        while let oldest = order.first, oldest.timeMilliseconds < cutoff {
            order.popFirst()
            if seqByKey[oldest.key] == oldest.seq { seqByKey[oldest.key] = nil }
        }
        if order.isEmpty { order.reset() }
    }
}

/// The rule for idempotency keys on every publish path.
public enum IdempotencyKey {
    public static let maxBytes = 128

    /// Why `key` is not acceptable, or nil when it is.
    public static func problem(with key: String) -> String? {
        let bytes = key.utf8
        if bytes.isEmpty || bytes.count > maxBytes || !bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7e }) {
            return "idempotency_key must be 1 to \(maxBytes) bytes of printable ASCII"
        }
        return nil
    }
}
