public import NetCore

/// One TCP connection to Redis, living on one event loop.
///
/// Threading: every method and property must be used on `loop`'s thread
/// (hop there with `loop.execute`), and every callback runs there. That is
/// why it needs no locks, and why it is not Sendable.
///
/// Commands are pipelined: `send` encodes into an output buffer that leaves
/// in one write per loop turn, and replies are matched to completions in
/// order. A Redis error reply (`-ERR ...`) is delivered as
/// `.success(.error(message))`: the command failed but the connection did
/// not, and errors nested in EXEC or EVAL replies look the same way.
/// `.failure` always means the reply will never come.
///
/// The connection repairs itself: any failure (refused, EOF, read error,
/// protocol error, reply timeout) closes the socket, fails every pending
/// completion with `.disconnected(reason)`, reports `.disconnected`, and
/// reconnects after a jittered exponential backoff. Each new connection runs
/// AUTH and SELECT from the endpoint, then `onConnected`, then resubscribes,
/// and only then becomes `.ready`.
public final class RedisConnection: IOHandler, Flushable {
    public let endpoint: RedisEndpoint
    public let loop: EventLoop
    /// For the owner's logs ("redis-publisher-2").
    public let name: String
    public let options: RedisConnectionOptions

    /// Called on every state change, after the state is updated.
    public var onStateChange: ((RedisConnectionState) -> Void)?
    /// Runs on each new connection before it is `.ready` (SELECT a database,
    /// SCRIPT LOAD, resync). It may `send`; it must call `done` exactly once:
    /// `.success` moves on, `.failure` drops the connection and retries later.
    public var onConnected: ((RedisConnection, _ done: @escaping (Result<Void, RedisError>) -> Void) -> Void)?
    /// A published message on a subscribed channel or pattern.
    public var onMessage: ((_ channel: [UInt8], _ payload: [UInt8]) -> Void)?

    public internal(set) var state: RedisConnectionState = .disconnected("not started")

    // MARK: Connection internals (loop thread only)

    enum Phase: Equatable {
        case idle
        /// TCP connect in progress.
        case connecting
        /// Connected; AUTH, SELECT, onConnected and resubscribing run here.
        case handshaking
        case ready
        /// Down, the reconnect timer running.
        case waiting
        case closed
    }

    var phase: Phase = .idle
    var fd: Int32 = -1
    /// Bumped whenever a socket is torn down, so callbacks (hook `done`,
    /// timers) that belong to an older socket recognise themselves as stale.
    var generation: UInt64 = 0
    var parser = RESPParser()
    var pending = PendingCommands()
    var outbound: [UInt8] = []
    var outboundOffset = 0
    public var isFlushScheduled = false
    var backoff: RedisBackoff
    var connectAttempts = 0
    var connectTimer: TimerID?
    var replyTimer: TimerID?
    var healthTimer: TimerID?
    var reconnectTimer: TimerID?

    /// Channels and patterns to be subscribed to; re-sent on every reconnect.
    var channels = SubscriptionList()
    var patterns = SubscriptionList()
    /// True from the first subscribe confirmation until the server reports
    /// zero subscriptions: only then can a reply be a pushed message.
    var subscriberMode = false
    /// Whether this socket's handshake has sent the remembered subscriptions:
    /// before that, (un)subscribing only edits the lists.
    var subscriptionsSent = false
    /// Completions of subscribe calls made while down, run once the next
    /// handshake's resubscribe is confirmed.
    var subscriptionWaiters: [(Result<Void, RedisError>) -> Void] = []

    public init(endpoint: RedisEndpoint, loop: EventLoop, name: String, options: RedisConnectionOptions = .init()) {
        precondition(!endpoint.addresses.isEmpty, "a redis endpoint needs at least one address")
        self.endpoint = endpoint
        self.loop = loop
        self.name = name
        self.options = options
        backoff = RedisBackoff(initial: options.initialBackoff, cap: options.maxBackoff)
    }

    /// Starts connecting; later drops reconnect by themselves until `close()`.
    public func start() {
        guard phase == .idle else { return }
        connect()
    }

    /// Stops for good: closes the socket, fails pending completions with
    /// `.closed`, cancels reconnecting. Safe to call more than once.
    public func close() {
        guard phase != .closed else { return }
        tearDownSocket()
        if let reconnectTimer { loop.cancel(reconnectTimer) }
        reconnectTimer = nil
        phase = .closed
        let failed = pending.takeAll()
        let waiters = subscriptionWaiters
        subscriptionWaiters = []
        setState(.closed)
        for entry in failed { entry.fail(.closed) }
        for waiter in waiters { waiter(.failure(.closed)) }
    }

    /// Queues one command. Accepted once the socket is connected (including
    /// during the `onConnected` handshake); otherwise `completion` runs at
    /// once, before `send` returns, with `.notConnected`, `.closed` or
    /// `.overloaded`: nothing is ever queued for a connection that is down.
    public func send(_ arguments: [[UInt8]], completion: @escaping (Result<RESPValue, RedisError>) -> Void) {
        switch phase {
        case .handshaking, .ready: break
        case .closed: return completion(.failure(.closed))
        case .idle, .connecting, .waiting: return completion(.failure(.notConnected))
        }
        guard !arguments.isEmpty else { return completion(.failure(.emptyCommand)) }
        guard pending.count < options.maxPending else { return completion(.failure(.overloaded(limit: options.maxPending))) }
        enqueue(arguments, .reply(completion))
    }

    public func send(_ arguments: [String], completion: @escaping (Result<RESPValue, RedisError>) -> Void) {
        send(arguments.map { Array($0.utf8) }, completion: completion)
    }

    /// Commands sent and not yet answered.
    public var pendingCount: Int { pending.count }

    // MARK: Shared helpers

    /// Encodes and queues a command with no state checks: the handshake uses
    /// it directly.
    func enqueue(_ arguments: [[UInt8]], _ waiter: PendingCommand.Waiter) {
        RESPCommand.encode(arguments, into: &outbound)
        pending.append(PendingCommand(waiter: waiter, queuedAt: MonotonicClock.now()))
        armReplyTimer()
        loop.requestFlush(self)
    }

    func setState(_ newState: RedisConnectionState) {
        guard newState != state else { return }
        state = newState
        onStateChange?(newState)
    }
}
