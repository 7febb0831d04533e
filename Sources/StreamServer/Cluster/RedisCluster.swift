import Base
import Broadcast
import Metrics
import NetCore
import Redis
import Synchronization

/// The Redis engine behind `--redis`: several instances behave as one.
///
/// - A publish on any instance runs one Lua script that numbers it (one seq
///   per channel for the whole cluster), appends it to the channel's Redis
///   stream (shared history) and publishes it on the bus channel.
/// - Every instance, the publisher's too, takes messages from the bus into
///   its broadcaster in seq order. A seq past the next one means this
///   instance missed something (its bus link dropped): it fetches the gap
///   from the stream; what the stream no longer holds is announced to the
///   channel's subscribers as `recovery_failed` (reason `gap`).
/// - After every (re)connect it resyncs every channel from the streams, and
///   seeds Redis's counters with what it holds, so a Redis restored from an
///   older copy never numbers below what clients saw. A Redis that lost a
///   channel's epoch, counter or stream starts a new epoch at its next
///   publish; every instance then tells its subscribers (`epoch_changed`).
/// - Idempotency keys live in Redis beside the numbering, checked in the
///   same script, so two instances never both accept one key.
/// - Sessions per subject are leases in a sorted set, renewed while open,
///   so caps hold across instances and a dead instance's leases expire.
///
/// Threading: everything below runs on `loop`, one of the server's loops;
/// the public entry points hop there.
final class RedisCluster: ClusterBus, @unchecked Sendable {
    let endpoint: RedisEndpoint
    private let loop: EventLoop
    private let keys: ClusterKeys
    /// Scripts and commands (publish, XRANGE, leases).
    private let commands: RedisConnection
    /// Subscribed to the bus channel; pushes only.
    private let bus: RedisConnection
    private let broadcaster: Broadcaster
    private let logger: Logger
    private let streamLength: Int
    private let privateStreamLength: Int
    private let idempotencyWindowMilliseconds: Int
    private let leaseMilliseconds: Int
    private let metrics: ClusterMetrics

    private var scripts = LoadedScripts()
    /// Channels whose next messages wait for a fetch from the stream.
    private var pendingFetch: [String: [NumberedMessage]] = [:]
    /// The bus dropped since the last resync.
    private var needsResync = true
    private var resyncInFlight = false
    /// This instance's sessions holding a lease: member → subject.
    private var leases: [String: String] = [:]
    private var renewTimer: TimerID?
    private var wasReady = (commands: false, bus: false)

    /// Both links up and the last resync done: cross-instance delivery works.
    private let connected = Atomic<Bool>(false)
    var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// Most messages one channel may hold back behind a fetch from the stream.
    private let maxHeldPerChannel: Int

    init(endpoint: RedisEndpoint, settings: ClusterSettings, loop: EventLoop, broadcaster: Broadcaster,
         historyDepth: Int, registry: MetricsRegistry, logger: Logger) {
        self.endpoint = endpoint
        self.loop = loop
        self.keys = ClusterKeys(prefix: settings.keyPrefix)
        self.broadcaster = broadcaster
        self.logger = logger
        streamLength = max(historyDepth, 1)
        privateStreamLength = max(settings.privateStreamLength, streamLength)
        idempotencyWindowMilliseconds = max(1, Int(broadcaster.settings.idempotencyWindowSeconds * 1000))
        leaseMilliseconds = Int(settings.sessionLeaseSeconds * 1000)
        maxHeldPerChannel = settings.maxHeldPerChannel
        let options = RedisConnectionOptions(initialBackoff: 0.1, maxBackoff: settings.maxBackoffSeconds,
                                             replyTimeout: settings.replyTimeoutSeconds, maxPending: settings.maxPendingCommands)
        commands = RedisConnection(endpoint: endpoint, loop: loop, name: "redis-commands", options: options)
        bus = RedisConnection(endpoint: endpoint, loop: loop, name: "redis-bus", options: options)
        metrics = ClusterMetrics(registry: registry, shard: loop.index)
        registry.gaugeFunction("streamd_redis_up", help: "1 when both Redis links are up and resynced; cross-instance delivery works") {
            [weak self] in self?.isConnected == true ? 1 : 0
        }
    }

    // MARK: Lifecycle

    func start() {
        loop.execute { [self] in
            commands.onConnected = { [unowned self] connection, done in prepareCommands(connection, done) }
            commands.onStateChange = { [unowned self] state in linkChanged("commands", state) }
            bus.onStateChange = { [unowned self] state in linkChanged("bus", state) }
            bus.onMessage = { [unowned self] _, payload in received(payload) }
            bus.subscribe([keys.bus])
            commands.start()
            bus.start()
            scheduleRenewal()
        }
    }

    /// Gives this instance's leases back and closes both links.
    func stop() {
        let done = Atomic<Bool>(false)
        loop.execute { [self] in
            if let renewTimer { loop.cancel(renewTimer) }
            renewTimer = nil
            for (member, subject) in leases { commands.send(["ZREM", keys.sessions(subject), member]) { _ in } }
            leases.removeAll()
            // The ZREMs leave with the next flush; close once they are answered (or fail).
            commands.send(["PING"]) { [self] _ in
                commands.close()
                bus.close()
                done.store(true, ordering: .relaxed)
            }
        }
        let deadline = MonotonicClock.now() &+ 2_000_000_000
        while !done.load(ordering: .relaxed) && MonotonicClock.now() < deadline { MonotonicClock.sleep(milliseconds: 5) }
    }

    /// Each new command link: load the scripts, then raise Redis's counters
    /// to what this instance holds (a restarted Redis may have lost them).
    private func prepareCommands(_ connection: RedisConnection, _ done: @escaping (Result<Void, RedisError>) -> Void) {
        var loaded = LoadedScripts()
        let group = ReplyGroup { [self] failure in
            if let failure { return done(.failure(failure)) }
            scripts = loaded
            seedCounters(connection, done)
        }
        for (name, source) in [("publish", ClusterScripts.publish), ("seed", ClusterScripts.seed),
                               ("acquire", ClusterScripts.acquireSession), ("renew", ClusterScripts.renewSessions)] {
            group.expect()
            connection.send(["SCRIPT", "LOAD", source]) { result in
                switch result {
                case .success(.bulk(let sha)): loaded.sha[name] = String(decoding: sha, as: UTF8.self)
                case .success(let other): group.fail(.server("SCRIPT LOAD \(name): \(other.errorMessage ?? "unexpected reply")"))
                case .failure(let error): group.fail(error)
                }
                group.settle()
            }
        }
        group.seal()
    }

    private func seedCounters(_ connection: RedisConnection, _ done: @escaping (Result<Void, RedisError>) -> Void) {
        guard let seed = scripts.sha["seed"] else { return done(.failure(.server("seed script not loaded"))) }
        let group = ReplyGroup { failure in done(failure.map { .failure($0) } ?? .success(())) }
        for (channel, position) in broadcaster.channelPositions() where position.lastSeq > 0 {
            group.expect()
            connection.send(["EVALSHA", seed, "3", keys.sequence(channel), keys.epoch(channel), keys.channels,
                             position.epoch, String(position.lastSeq), channel]) { result in
                if case .failure(let error) = result { group.fail(error) }
                group.settle()
            }
        }
        group.seal()
    }

    private func linkChanged(_ link: String, _ state: RedisConnectionState) {
        let ready = state == .ready
        let previously = link == "bus" ? wasReady.bus : wasReady.commands
        if link == "bus" { wasReady.bus = ready } else { wasReady.commands = ready }
        if ready && !previously {
            logger.info("redis connected", ["link": .string(link), "redis": .string(endpoint.description)])
        } else if !ready && previously {
            metrics.disconnects.increment(shard: metrics.shard)
            logger.warning("redis unavailable; local subscribers keep being served, publishes are refused until it is back",
                           ["link": .string(link), "redis": .string(endpoint.description), "state": .string(state.description)])
        }
        if link == "bus" && !ready { needsResync = true }
        guard wasReady.bus && wasReady.commands else { return connected.store(false, ordering: .relaxed) }
        // Only a bus that dropped can have missed messages; a command link
        // that came back alone just makes the cluster usable again.
        if needsResync { resync() } else if !resyncInFlight { connected.store(true, ordering: .relaxed) }
    }

    // MARK: Publishing

    /// Entries kept in `channel`'s Redis stream.
    private func streamLength(of channel: String) -> Int {
        ChannelKind(channel: channel)?.isPrivate == true ? privateStreamLength : streamLength
    }

    func publish(_ message: PreparedPublish, floor: LogPosition?, completion: @escaping @Sendable (Result<PublishReceipt, PublishError>) -> Void) {
        let box = UncheckedBox(message)
        loop.execute { [self] in
            let message = box.value
            guard commands.state == .ready, let sha = scripts.sha["publish"] else {
                return completion(.failure(PublishError(code: "unavailable",
                    description: "the cluster's Redis (\(endpoint)) is unreachable; nothing was published, retry shortly")))
            }
            let metaHead = ClusterMeta.head(expiresAtMilliseconds: message.expiresAtMilliseconds, timeMilliseconds: message.timeMilliseconds)
            var command = ["EVALSHA", sha, message.idempotencyKey == nil ? "4" : "5",
                           keys.sequence(message.channel), keys.epoch(message.channel), keys.stream(message.channel), keys.channels]
            if let key = message.idempotencyKey { command.append(keys.idempotency(message.channel, key)) }
            command += [floor?.epoch ?? "", String(floor?.lastSeq ?? 0), String(streamLength(of: message.channel)),
                        message.envelopeHead, message.envelopeTail, metaHead, keys.bus, message.channel, Epoch.make(),
                        String(idempotencyWindowMilliseconds)]
            commands.send(command) { result in
                switch result {
                case .success(.array(let parts)) where parts.count == 3:
                    guard case .integer(let seq) = parts[0], seq > 0, let epoch = parts[1].string, Epoch.isWellFormed(epoch),
                          case .integer(let duplicate) = parts[2] else {
                        return completion(.failure(PublishError(code: "unavailable", description: "Redis answered the publish with an unexpected reply")))
                    }
                    completion(.success(PublishReceipt(seq: UInt64(seq), epoch: epoch, duplicate: duplicate == 1)))
                case .success(let reply):
                    completion(.failure(PublishError(code: "unavailable",
                        description: "Redis refused the publish: \(reply.errorMessage ?? "unexpected reply"); nothing was published")))
                case .failure(.disconnected(let reason)):
                    completion(.failure(PublishError(code: "unavailable",
                        description: "the Redis link dropped (\(reason)) before the answer: the message may or may not have been published; a retry may publish it twice")))
                case .failure(let error):
                    completion(.failure(PublishError(code: "unavailable", description: "\(error); nothing was published, retry shortly")))
                }
            }
        }
    }

    // MARK: Receiving

    private func received(_ payload: [UInt8]) {
        guard let message = ClusterCodec.decodeBusMessage(payload) else {
            metrics.malformed.increment(shard: metrics.shard)
            return logger.warning("unreadable message on the Redis bus; skipped", ["bytes": .int(payload.count)])
        }
        metrics.received.increment(shard: metrics.shard)
        take(message)
    }

    private func take(_ message: NumberedMessage) {
        if pendingFetch[message.channel] != nil {
            pendingFetch[message.channel]!.append(message)
            if pendingFetch[message.channel]!.count > maxHeldPerChannel { settle(message.channel, fetched: []) }
            return
        }
        if case .gap(let after) = broadcaster.receiveFromCluster(message) {
            pendingFetch[message.channel] = [message]
            fetch(message.channel, after: after)
        }
    }

    /// Reads the newest messages the channel's stream holds after `after`
    /// (at most twice the history depth: more could not be replayed anyway),
    /// then settles.
    private func fetch(_ channel: String, after: UInt64, then: (() -> Void)? = nil) {
        commands.send(["XREVRANGE", keys.stream(channel), "+", "\(after + 1)-0", "COUNT", String(streamLength(of: channel) * 2)]) { [self] result in
            switch result {
            case .success(.array(let entries)):
                var fetched: [NumberedMessage] = []
                for entry in entries {
                    guard let parts = entry.array, parts.count == 2, let id = parts[0].bytes,
                          let fields = parts[1].array?.compactMap(\.bytes),
                          let message = ClusterCodec.decodeStreamEntry(id: id, fields: fields) else {
                        metrics.malformed.increment(shard: metrics.shard)
                        continue
                    }
                    fetched.append(message)
                }
                settle(channel, fetched: fetched)
            case .success(let reply):
                logger.warning("redis refused a history fetch", ["channel": .string(channel), "error": .string(reply.errorMessage ?? "unexpected reply")])
                settle(channel, fetched: [])
            case .failure:
                // The link is down: the messages stay queued and the resync
                // after reconnecting fetches this channel again.
                needsResync = true
            }
            then?()
        }
    }

    /// Takes fetched and queued messages in seq order. A seq that still does
    /// not follow on was trimmed from the stream or lost with Redis: the
    /// subscribers hear of the gap, and the channel goes on after it.
    private func settle(_ channel: String, fetched: [NumberedMessage]) {
        let queued = pendingFetch.removeValue(forKey: channel) ?? []
        for message in (fetched + queued).sorted(by: { $0.seq < $1.seq }) {
            guard case .gap(let after) = broadcaster.receiveFromCluster(message) else { continue }
            if after > 0 {
                metrics.gaps.increment(shard: metrics.shard)
                logger.warning("messages lost to this instance; subscribers are told (recovery_failed, reason gap)",
                               ["channel": .string(channel), "after": .int(Int(after)), "resumes_at": .int(Int(message.seq))])
            }
            broadcaster.announceGap(channel: channel, epoch: message.epoch, after: after, resumingAt: message.seq)
            _ = broadcaster.receiveFromCluster(message, acceptingGap: true)
        }
    }

    /// After the bus (re)connects: every channel Redis or this instance
    /// knows is read from its stream from where this instance stands.
    private func resync() {
        guard !resyncInFlight else { return }
        needsResync = false
        resyncInFlight = true
        commands.send(["SMEMBERS", keys.channels]) { [self] result in
            guard case .success(.array(let members)) = result else {
                resyncInFlight = false
                needsResync = true
                return
            }
            var names = Set(members.compactMap(\.string))
            for (channel, _) in broadcaster.channelPositions() { names.insert(channel) }
            for channel in pendingFetch.keys { names.insert(channel) }
            var remaining = names.count
            let finish = { [self] in
                resyncInFlight = false
                if needsResync {
                    resync()
                } else {
                    connected.store(wasReady.bus && wasReady.commands, ordering: .relaxed)
                    logger.info("cluster resynced", ["channels": .int(names.count)])
                }
            }
            if names.isEmpty { return finish() }
            for channel in names.sorted() {
                if pendingFetch[channel] == nil { pendingFetch[channel] = [] }
                // The same epoch goes on after what this instance holds; another
                // one (Redis started over meanwhile) is read from its start.
                commands.send(["GET", keys.epoch(channel)]) { [self] reply in
                    let local = broadcaster.position(of: channel)
                    let current = (try? reply.get())?.string
                    let after = current != nil && current == local?.epoch ? local?.lastSeq ?? 0 : 0
                    let done = {
                        remaining -= 1
                        if remaining == 0 { finish() }
                    }
                    guard current != nil else {
                        settle(channel, fetched: [])
                        return done()
                    }
                    fetch(channel, after: after, then: done)
                }
            }
        }
    }

    // MARK: Sessions per subject

    /// Takes a lease for `member` if `subject` holds fewer than `limit`
    /// sessions across the cluster. `nil`: Redis is unreachable, and only
    /// this instance's own count applies.
    func acquireSession(subject: String, member: String, limit: Int, completion: @escaping @Sendable (Bool?) -> Void) {
        loop.execute { [self] in
            guard commands.state == .ready, let sha = scripts.sha["acquire"] else {
                metrics.unverifiedSessions.increment(shard: metrics.shard)
                return completion(nil)
            }
            commands.send(["EVALSHA", sha, "1", keys.sessions(subject), member, String(limit), String(leaseMilliseconds)]) { [self] result in
                switch result {
                case .success(.integer(1)):
                    leases[member] = subject
                    completion(true)
                case .success(.integer(0)):
                    completion(false)
                default:
                    metrics.unverifiedSessions.increment(shard: metrics.shard)
                    completion(nil)
                }
            }
        }
    }

    func releaseSession(subject: String, member: String) {
        loop.execute { [self] in
            guard leases.removeValue(forKey: member) != nil else { return }
            commands.send(["ZREM", keys.sessions(subject), member]) { _ in }
        }
    }

    /// Leases are renewed at a third of their length, in batches, so an
    /// instance that dies frees its subjects' slots within one lease.
    private func scheduleRenewal() {
        renewTimer = loop.schedule(afterNanoseconds: UInt64(leaseMilliseconds) * 1_000_000 / 3) { [self] in
            if commands.state == .ready, let sha = scripts.sha["renew"], !leases.isEmpty {
                let all = Array(leases)
                for start in stride(from: 0, to: all.count, by: 500) {
                    let batch = all[start..<min(start + 500, all.count)]
                    var arguments: [String] = ["EVALSHA", sha, String(batch.count)]
                    arguments += batch.map { keys.sessions($0.value) }
                    arguments.append(String(leaseMilliseconds))
                    arguments += batch.map(\.key)
                    commands.send(arguments) { _ in }
                }
            }
            scheduleRenewal()
        }
    }
}

/// Script digests from SCRIPT LOAD on the current command link.
private struct LoadedScripts {
    var sha: [String: String] = [:]
}

/// Counts outstanding replies and reports once: the first failure, or none.
private final class ReplyGroup {
    private var outstanding = 0
    private var sealed = false
    private var failure: RedisError?
    private var reported = false
    private let report: (RedisError?) -> Void

    init(_ report: @escaping (RedisError?) -> Void) { self.report = report }

    func expect() { outstanding += 1 }
    func fail(_ error: RedisError) { if failure == nil { failure = error } }
    func settle() { outstanding -= 1; check() }
    func seal() { sealed = true; check() }

    private func check() {
        guard sealed, outstanding == 0, !reported else { return }
        reported = true
        report(failure)
    }
}

/// The cluster's own metrics.
struct ClusterMetrics {
    let shard: Int
    let received: Counter
    let gaps: Counter
    let malformed: Counter
    let disconnects: Counter
    let unverifiedSessions: Counter

    init(registry: MetricsRegistry, shard: Int) {
        self.shard = shard
        received = registry.counter("streamd_cluster_received_total", help: "Messages taken from the Redis bus")
        gaps = registry.counter("streamd_cluster_gaps_total", help: "Gaps the Redis streams could not fill (announced as recovery_failed)")
        malformed = registry.counter("streamd_cluster_malformed_total", help: "Unreadable bus messages or stream entries, skipped")
        disconnects = registry.counter("streamd_redis_disconnects_total", help: "Times a Redis link went down")
        unverifiedSessions = registry.counter("streamd_cluster_unverified_sessions_total",
                                              help: "Sessions admitted on the local count alone because Redis was unreachable")
    }
}
