/// Something that can be subscribed: a session. The stamp lets one message
/// reach a subscriber once even when several of its subscriptions match
/// (`signal:EURUSD` and `signal:*`), without a set allocated per message.
public protocol Subscriber: AnyObject {
    var deliveryStamp: UInt64 { get set }
}

/// One loop's map from channels to the sessions subscribed to them. Exact
/// names go through a dictionary; wildcard subscriptions (`tick:*`,
/// `tick:EUR*`) are prefix entries checked against each channel.
/// Confined to its loop's thread: no locks.
public struct SubscriptionIndex<S: Subscriber> {
    private var exact: [String: [S]] = [:]
    private var prefixes: [String: [S]] = [:]
    private var stamp: UInt64 = 0

    public init() {}

    /// A subscription string: an exact channel, or a prefix ending in `*`.
    public enum Key: Hashable, Sendable {
        case exact(String)
        case prefix(String)

        public init(_ text: String) {
            if text.hasSuffix("*") { self = .prefix(String(text.dropLast())) } else { self = .exact(text) }
        }
    }

    public var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty }

    /// Adds `subscriber` under `key`; a second add of the same pair is ignored.
    public mutating func add(_ key: Key, _ subscriber: S) {
        switch key {
        case .exact(let channel): Self.insert(subscriber, into: &exact, at: channel)
        case .prefix(let prefix): Self.insert(subscriber, into: &prefixes, at: prefix)
        }
    }

    public mutating func remove(_ key: Key, _ subscriber: S) {
        switch key {
        case .exact(let channel): Self.delete(subscriber, from: &exact, at: channel)
        case .prefix(let prefix): Self.delete(subscriber, from: &prefixes, at: prefix)
        }
    }

    /// Calls `body` once per subscriber whose subscriptions match `channel`.
    public mutating func forEachSubscriber(of channel: String, _ body: (S) -> Void) {
        stamp &+= 1
        let current = stamp
        if let list = exact[channel] {
            for subscriber in list where subscriber.deliveryStamp != current {
                subscriber.deliveryStamp = current
                body(subscriber)
            }
        }
        guard !prefixes.isEmpty else { return }
        for (prefix, list) in prefixes where channel.hasPrefix(prefix) {
            for subscriber in list where subscriber.deliveryStamp != current {
                subscriber.deliveryStamp = current
                body(subscriber)
            }
        }
    }

    /// Number of distinct (key, subscriber) pairs, for metrics and tests.
    public var subscriptionCount: Int {
        exact.values.reduce(0) { $0 + $1.count } + prefixes.values.reduce(0) { $0 + $1.count }
    }

    private static func insert(_ subscriber: S, into map: inout [String: [S]], at key: String) {
        if map[key]?.contains(where: { $0 === subscriber }) == true { return }
        map[key, default: []].append(subscriber)
    }

    private static func delete(_ subscriber: S, from map: inout [String: [S]], at key: String) {
        guard var list = map[key], let index = list.firstIndex(where: { $0 === subscriber }) else { return }
        list.swapAt(index, list.count - 1)
        list.removeLast()
        map[key] = list.isEmpty ? nil : list
    }
}
