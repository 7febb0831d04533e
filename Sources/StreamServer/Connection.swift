import Audit
import Base
import Broadcast
import Metrics
import NetCore
import Synchronization
import TLS
import WebSocket

/// One client socket, from TCP accept to close: TLS, then HTTP requests
/// (keep-alive) or one upgrade to /ws and WebSocket frames. Lives on one loop and is touched only there.
/// Reads go through the loop's shared buffers; writes are queued and leave in
/// one TLS write and one send per loop turn (`flush`).
final class Connection: IOHandler, Flushable, Subscriber {
    typealias Phase = ConnectionLifecycle.Phase

    let fd: Int32
    /// The server keeps every loop context for its whole life and a context
    /// owns its connections, so the context always outlives us: unowned(unsafe)
    /// spares the hot path the retain/release a checked unowned read costs
    /// (several per delivered message).
    unowned(unsafe) let context: LoopContext
    let tls: TLSConnection
    let remoteAddress: String
    let sessionID: String
    /// MonotonicClock nanoseconds.
    let acceptedAt: UInt64
    /// Phase, deadlines (request, heartbeat, close) and the close handshake;
    /// changed only through `updateLifecycle`.
    private(set) var lifecycle: ConnectionLifecycle
    /// Frames (and the 101 answer) waiting to be written: bounded, with
    /// per-kind policies (ticks conflate, orders never drop).
    private var outbound: OutboundQueue
    /// Whether the socket and the buffers can take more.
    private var output = Output()

    // The loop's bookkeeping.
    var registryIndex = -1
    var isFlushScheduled = false
    var deliveryStamp: UInt64 = 0

    /// Set once the upgrade is authorized.
    var session: Session?
    /// The window stream messages are compressed with, when the client
    /// agreed on permessage-deflate (nil: plain frames).
    var compressionWindowBits: Int?

    var input = Input()

    var phase: Phase { lifecycle.phase }
    var closeCode: CloseCode? { lifecycle.closeCode }

    /// One lifecycle step, taken on a copy. Every access to the stored value
    /// stays instantaneous (no call inside an access), which lets
    /// whole-module optimization drop the dynamic exclusivity check from the
    /// hot path's `phase` reads; a mutating call on the stored property
    /// would cost one (~85 instructions) per delivered message.
    @inline(__always)
    func updateLifecycle<R>(_ step: (inout ConnectionLifecycle) -> R) -> R {
        var copy = lifecycle
        defer { lifecycle = copy }
        return step(&copy)
    }

    var state: ServerState { context.state }
    var httpLimits: HTTPLimits { context.state.httpLimits }

    init(fd: Int32, context: LoopContext, tls: TLSConnection, remoteAddress: String) {
        self.fd = fd
        self.context = context
        self.tls = tls
        self.remoteAddress = remoteAddress
        self.sessionID = context.makeSessionID()
        let now = MonotonicClock.now()
        acceptedAt = now
        lifecycle = ConnectionLifecycle(now: now, timeouts: context.state.lifecycleTimeouts)
        outbound = OutboundQueue(limitBytes: context.state.limits.maxOutboundBytes)
        input.httpParser = HTTPRequestParser(limits: context.state.httpLimits)
    }

    // MARK: Events from the loop

    func handleIO(_ events: IOEvents) {
        if events.contains(.writable), output.waitingForWritable {
            output.waitingForWritable = false
            flush()
        }
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) {
            readAvailable()
        }
    }

    /// Edge-triggered: read until the kernel has nothing more.
    private func readAvailable() {
        let buffer = context.loop.receiveBuffer
        while phase != .closed {
            let result: IOResult<Int>
            do {
                result = try Socket.read(fd, into: buffer)
            } catch {
                terminate(reason: "read failed: \(error)")
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .done(0):
                terminate(reason: "peer closed the connection")
                return
            case .done(let count):
                let now = MonotonicClock.now()
                updateLifecycle { $0.received(now: now) }
                received(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        }
    }

    private func received(_ ciphertext: UnsafeRawBufferPointer) {
        if !input.sawFirstByte {
            input.sawFirstByte = true
            // A TLS connection starts with a handshake record (0x16). Anything
            // else (plain HTTP on the TLS port, a port scanner) is dropped at once.
            if ciphertext[0] != 0x16 {
                state.logger.debug("not a TLS client hello; closing", ["remote": .string(remoteAddress)])
                context.metrics.handshakeFailures.increment(shard: context.shard)
                terminate(reason: "not TLS", abortive: true)
                return
            }
        }
        tls.withReceivedCiphertext(ciphertext) {
            if !tls.isHandshakeComplete {
                switch tls.handshake() {
                case .complete:
                    updateLifecycle { $0.transportReady() }
                    context.metrics.handshakes.increment(shard: context.shard)
                    context.metrics.handshakeSeconds.observe(seconds: Double(MonotonicClock.now() &- acceptedAt) / 1e9, shard: context.shard)
                case .wantRead:
                    break
                case .failed(let error):
                    state.logger.debug("TLS handshake failed", ["remote": .string(remoteAddress), "error": .string(error.message)])
                    context.metrics.handshakeFailures.increment(shard: context.shard)
                    // Send OpenSSL's alert if the kernel takes it now; never wait for it.
                    sendCiphertext()
                    terminate(reason: "TLS handshake failed")
                    return
                }
            }
            guard tls.isHandshakeComplete else { return }
            readPlaintext()
        }
        scheduleFlush()
    }

    private func readPlaintext() {
        let end = tls.readPlaintext(into: context.plaintextBuffer) { plaintext in
            handlePlaintext(plaintext)
            return phase != .closed
        }
        switch end {
        case .wantRead, .stopped:
            return
        case .closed:
            // close_notify: the peer will send nothing more.
            perform(updateLifecycle { $0.transportEnded() })
        case .failed(let error):
            terminate(reason: "TLS error: \(error.message)")
        }
    }

    private func handlePlaintext(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .httpRequest:
            if input.parked != nil { keepParked(bytes) } else { handleRequestBytes(bytes) }
        case .webSocket, .closing:
            input.frames?.append(bytes)
            processFrames()
        case .connecting, .closed:
            break
        }
    }

    // MARK: Output

    /// Queues bytes already framed (or a raw HTTP answer) for the next flush.
    func enqueue(_ bytes: [UInt8]) {
        guard phase != .closed else { return }
        outbound.enqueueControl(bytes)
        scheduleFlush()
    }

    /// Queues a shared stream message under its kind's policy. Ticks are
    /// conflated only for a client that is behind by more than
    /// `conflate_after_bytes`: a client that keeps up gets every tick, even
    /// through a burst that briefly fills its socket.
    func enqueue(_ message: StreamMessage, policy: DeliveryPolicy) -> EnqueueOutcome {
        var effective = policy
        if policy == .conflate, outbound.byteCount + message.frame.count <= state.limits.conflateAfterBytes {
            effective = .reliable
        }
        let outcome = outbound.enqueue(message, policy: effective)
        if outcome == .queued || outcome == .conflated { scheduleFlush() }
        return outcome
    }

    var outboundBytes: Int { outbound.byteCount + tls.pendingCiphertextCount }

    func dropQueuedStreamMessages() { outbound.dropStreamMessages() }

    func scheduleFlush() {
        context.loop.requestFlush(self)
    }

    /// Largest batch handed to one SSL_write.
    private static let writeBatchBytes = 256 * 1024

    /// End of the loop turn: queued frames leave in one SSL_write and one send
    /// per batch, for as long as the kernel takes them. While ciphertext is
    /// still waiting for the socket, frames stay queued as plaintext, where
    /// ticks can still be conflated.
    func flush() {
        guard phase != .closed else { return }
        output.flushed()
        sendCiphertext()
        while phase != .closed, !outbound.isEmpty, !tls.hasPendingCiphertext, !output.waitingForWritable {
            context.coalesceBuffer.removeAll(keepingCapacity: true)
            outbound.drain(into: &context.coalesceBuffer, maxBytes: Connection.writeBatchBytes,
                           compression: compressionWindowBits.map { ($0, context.frameCompressor) })
            do {
                try context.coalesceBuffer.withUnsafeBytes { try tls.write($0) }
            } catch {
                terminate(reason: "TLS write failed: \(error)")
                return
            }
            sendCiphertext()
        }
        guard phase != .closed, outbound.isEmpty, !tls.hasPendingCiphertext else { return }
        // A paced `since` replay goes on once what it queued has left.
        let closesAfterFlush = lifecycle.closesAfterFlush
        if let session, !session.replays.isEmpty, !closesAfterFlush { postReplayStep(session) }
        if closesAfterFlush { terminate(reason: closeCode.map { "closed with \($0.rawValue)" } ?? "closed") }
    }

    @inline(__always)
    private func sendCiphertext() {
        guard phase != .closed, !output.waitingForWritable else { return }
        do throws(SystemError) {
            let drain = try tls.sendPendingCiphertext { bytes throws(SystemError) -> Int? in
                switch try Socket.write(fd, bytes) {
                case .done(let sent): sent
                case .wouldBlock: nil
                }
            }
            if drain == .blocked { output.waitingForWritable = true }
        } catch {
            terminate(reason: "send failed: \(error)")
        }
    }

    // MARK: Closing

    /// Releases everything now. `abortive` sends RST instead of FIN.
    func terminate(reason: String, abortive: Bool = false) {
        guard phase != .closed else { return }
        updateLifecycle { $0.dropped() }
        context.loop.deregister(fd: fd)
        if abortive { Socket.abort(fd) } else { Socket.close(fd) }
        context.remove(self)
        outbound = OutboundQueue(limitBytes: 0)
        input.frames = nil
        input.httpParser = nil
        state.openConnections.subtract(1, ordering: .relaxed)
        if let session {
            endSession(session, reason: reason)
            self.session = nil
        }
    }

    /// Gives back the queue's and TLS's buffers once the connection has been
    /// quiet for a sweep period, so an idle connection holds no buffer memory.
    private func releaseIdleBuffers() {
        guard output.sweepFindsIdle(), !isFlushScheduled, outbound.isEmpty, !tls.hasPendingCiphertext else { return }
        output.buffersReleased()
        outbound.releaseMemory()
        tls.releaseIdleMemory()
    }

    /// Called by the loop's sweep (see LoopContext.startSweeping).
    func sweep(now: UInt64) {
        releaseIdleBuffers()
        let wasOpen = phase == .webSocket
        // Request deadline, heartbeat (ping or drop) or close deadline, by phase.
        perform(updateLifecycle { $0.tick(now: now) })
        if wasOpen { sweepExpiry() }
    }

    /// Carries out a lifecycle action (the close handshake's side of it).
    func perform(_ action: ConnectionLifecycle.Action) {
        switch action {
        case .none:
            break
        case .sendClose(let code, let reason, _, _):
            // The deadline is the lifecycle's; the sweep checks it.
            enqueue(FrameEncoder.closeFrame(code: code, reason: reason))
        case .closeAfterFlush:
            break  // the flush that ends this loop turn closes the socket
        case .sendPing:
            enqueue(FrameEncoder.frame(opcode: .ping, payload: []))
        case .drop(let why):
            drop(why)
        }
    }

    private func drop(_ why: ConnectionLifecycle.DropReason) {
        switch why {
        case .requestTimeout:
            state.logger.debug("handshake deadline passed", ["remote": .string(remoteAddress)])
            terminate(reason: "handshake timeout", abortive: true)
        case .heartbeatTimeout:
            state.logger.debug("no traffic for two heartbeat intervals", ["session": .string(sessionID)])
            terminate(reason: "heartbeat timeout")
        case .closeTimeout:
            terminate(reason: "close timeout")
        case .transportEnded:
            terminate(reason: "peer sent close_notify")
        }
    }
}
