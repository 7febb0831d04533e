/// Subscriber mode. In RESP2 a subscribed connection receives pushed
/// `message` / `pmessage` arrays between ordinary replies, and each
/// (P)SUBSCRIBE / (P)UNSUBSCRIBE is answered by one confirmation per channel
/// rather than one reply. Only PING and the subscription commands are
/// allowed meanwhile; anything else earns an error reply, in order, so the
/// FIFO stays aligned.
extension RedisConnection {
    /// Subscribes to `channels`, at once if ready, and again on every
    /// reconnect before `.ready`. `completion` runs when the server has
    /// confirmed them (if down, during the next handshake).
    public func subscribe(_ channels: [String], completion: ((Result<Void, RedisError>) -> Void)? = nil) {
        let fresh = self.channels.add(channels)
        startSubscribing("SUBSCRIBE", fresh, requested: channels, completion)
    }

    public func psubscribe(_ patterns: [String], completion: ((Result<Void, RedisError>) -> Void)? = nil) {
        let fresh = self.patterns.add(patterns)
        startSubscribing("PSUBSCRIBE", fresh, requested: patterns, completion)
    }

    /// Forgets `channels`; if ready, tells the server and completes on its
    /// confirmation; if down, there is nothing to undo.
    public func unsubscribe(_ channels: [String], completion: ((Result<Void, RedisError>) -> Void)? = nil) {
        self.channels.remove(channels)
        stopSubscribing("UNSUBSCRIBE", channels, completion)
    }

    public func punsubscribe(_ patterns: [String], completion: ((Result<Void, RedisError>) -> Void)? = nil) {
        self.patterns.remove(patterns)
        stopSubscribing("PUNSUBSCRIBE", patterns, completion)
    }

    /// The channels and patterns that will be (re)subscribed on connect.
    public var subscriptions: (channels: [String], patterns: [String]) { (channels.names, patterns.names) }

    private func startSubscribing(_ command: String, _ fresh: [String], requested: [String],
                                  _ completion: ((Result<Void, RedisError>) -> Void)?) {
        if phase == .closed { completion?(.failure(.closed)); return }
        if requested.isEmpty { completion?(.failure(.emptyCommand)); return }
        if subscriptionsSent {
            if fresh.isEmpty { completion?(.success(())); return }
            sendSubscription(command, fresh) { completion?($0) }
        } else if let completion {
            // The next handshake's resubscribe step sends the remembered set.
            subscriptionWaiters.append(completion)
        }
    }

    private func stopSubscribing(_ command: String, _ names: [String], _ completion: ((Result<Void, RedisError>) -> Void)?) {
        if phase == .closed { completion?(.failure(.closed)); return }
        if names.isEmpty { completion?(.failure(.emptyCommand)); return }
        // Nothing was subscribed on this socket yet: editing the list is enough.
        guard subscriptionsSent else { completion?(.success(())); return }
        sendSubscription(command, names) { completion?($0) }
    }

    func sendSubscription(_ command: String, _ names: [String], completion: @escaping (Result<Void, RedisError>) -> Void) {
        enqueue(([command] + names).map { Array($0.utf8) }, .subscription(remaining: names.count, completion: completion))
    }

    /// Hands one reply to whoever waits for it: a pushed message to
    /// `onMessage`, a confirmation to the subscription waiting for it,
    /// anything else to the oldest command.
    func route(_ reply: RESPValue) {
        if subscriberMode, let (channel, payload) = Self.pushedMessage(reply) {
            onMessage?(channel, payload)
            return
        }
        guard var head = pending.first else {
            return connectionLost("protocol out of step: a reply arrived with no command waiting (\(reply))")
        }
        switch head.waiter {
        case .reply(let completion):
            _ = pending.popFirst()
            completion(.success(reply))
        case .subscription(let remaining, let completion):
            if case .error(let message) = reply {
                _ = pending.popFirst()
                completion?(.failure(.server(message)))
                return
            }
            guard let count = Self.confirmationCount(reply) else {
                return connectionLost("protocol out of step: expected a subscription confirmation, got \(reply)")
            }
            subscriberMode = count > 0
            if remaining > 1 {
                head.waiter = .subscription(remaining: remaining - 1, completion: completion)
                pending.replaceFirst(head)
            } else {
                _ = pending.popFirst()
                completion?(.success(()))
            }
        }
    }

    /// ["message", channel, payload] or ["pmessage", pattern, channel, payload].
    private static func pushedMessage(_ reply: RESPValue) -> (channel: [UInt8], payload: [UInt8])? {
        guard case .array(let items) = reply, let kind = items.first?.bytes else { return nil }
        if kind == Array("message".utf8), items.count == 3, let channel = items[1].bytes, let payload = items[2].bytes {
            return (channel, payload)
        }
        if kind == Array("pmessage".utf8), items.count == 4, let channel = items[2].bytes, let payload = items[3].bytes {
            return (channel, payload)
        }
        return nil
    }

    /// The subscription count of a (p)(un)subscribe confirmation.
    private static func confirmationCount(_ reply: RESPValue) -> Int64? {
        guard case .array(let items) = reply, items.count == 3, let kind = items[0].string,
              ["subscribe", "psubscribe", "unsubscribe", "punsubscribe"].contains(kind),
              case .integer(let count) = items[2] else { return nil }
        return count
    }
}
