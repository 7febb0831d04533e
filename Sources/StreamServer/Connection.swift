import Synchronization
import Metrics
import Audit
import Base
import Broadcast
import NetCore
import TLS
import WebSocket

/// One client socket, from TCP accept to close: TLS, then HTTP requests
/// (keep-alive) or one upgrade to /ws and WebSocket frames. Lives on one loop and is touched only there.
/// Reads go through the loop's shared buffers; writes are queued and leave in
/// one TLS write and one send per loop turn (`flush`).
final class Connection: IOHandler, Flushable, Subscriber {
    enum Phase {
        case tlsHandshake
        case httpRequest
        case webSocket
        /// We sent a close frame and wait for the peer's (or the close timeout).
        case closing
        case closed
    }

    let fd: Int32
    /// The server keeps every loop context for its whole life and a context
    /// owns its connections, so the context always outlives us: unowned(unsafe)
    /// spares the hot path the retain/release a checked unowned read costs
    /// (several per delivered message).
    unowned(unsafe) let context: LoopContext
    let tls: TLSConnection
    let remoteAddress: String
    let sessionID: String
    var phase: Phase = .tlsHandshake
    var registryIndex = -1
    var isFlushScheduled = false
    var deliveryStamp: UInt64 = 0
    /// Set once the upgrade is authorized.
    var session: Session?
    /// The window stream messages are compressed with, when the client
    /// agreed on permessage-deflate (nil: plain frames).
    var compressionWindowBits: Int?

    var httpParser: HTTPRequestParser?
    /// Input kept while an answer waits on the cluster bus (see Connection+Parking).
    var parkedInput: [UInt8]?
    var reader: WebSocketReader?
    /// Frames (and the 101 answer) waiting to be written: bounded, with
    /// per-kind policies (ticks conflate, orders never drop).
    private var outbound: OutboundQueue
    /// Close the socket once everything queued has reached the kernel.
    var closeAfterFlush = false
    /// Set when the socket reported EAGAIN; the next EPOLLOUT edge resumes.
    private var waitingForWritable = false
    private var sawFirstByte = false
    /// Queue and TLS buffers are kept while the connection is busy (freeing
    /// them after every flush cost an allocation and a free per message) and
    /// handed back by the sweep once a whole sweep period passed with no flush.
    private var holdsBuffers = false
    private var flushedSinceSweep = false

    // Deadlines, in MonotonicClock nanoseconds.
    let acceptedAt: UInt64
    /// When the current HTTP request may start: accept time, then each keep-alive answer.
    var requestStartedAt: UInt64
    var lastReceivedAt: UInt64
    var nextPingAt: UInt64 = .max
    var unansweredPingSince: UInt64?
    var closeDeadline: UInt64 = .max
    var closeCode: CloseCode?

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
        requestStartedAt = now
        lastReceivedAt = now
        outbound = OutboundQueue(limitBytes: context.state.limits.maxOutboundBytes)
        httpParser = HTTPRequestParser(limits: context.state.httpLimits)
    }

    // MARK: Events from the loop

    func handleIO(_ events: IOEvents) {
        if events.contains(.writable), waitingForWritable {
            waitingForWritable = false
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
                lastReceivedAt = MonotonicClock.now()
                received(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        }
    }

    private func received(_ ciphertext: UnsafeRawBufferPointer) {
        if !sawFirstByte {
            sawFirstByte = true
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
                    phase = .httpRequest
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
        let buffer = context.plaintextBuffer
        while phase != .closed {
            switch tls.read(into: buffer) {
            case .bytes(let count):
                handlePlaintext(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            case .wantRead:
                return
            case .closed:
                // close_notify: the peer will send nothing more.
                if phase == .webSocket || phase == .closing {
                    closeAfterFlush = true
                } else {
                    terminate(reason: "peer sent close_notify")
                }
                return
            case .failed(let error):
                terminate(reason: "TLS error: \(error.message)")
                return
            }
        }
    }

    private func handlePlaintext(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .httpRequest:
            if parkedInput != nil { keepParked(bytes) } else { handleRequestBytes(bytes) }
        case .webSocket, .closing:
            reader?.append(bytes)
            processFrames()
        case .tlsHandshake, .closed:
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
        holdsBuffers = true
        flushedSinceSweep = true
        sendCiphertext()
        while phase != .closed, !outbound.isEmpty, !tls.hasPendingCiphertext, !waitingForWritable {
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
        if let session, !session.replays.isEmpty, !closeAfterFlush { postReplayStep(session) }
        if closeAfterFlush { terminate(reason: closeCode.map { "closed with \($0.rawValue)" } ?? "closed") }
    }

    private func sendCiphertext() {
        guard phase != .closed else { return }
        var failure: SystemError?
        while tls.hasPendingCiphertext && !waitingForWritable && failure == nil {
            tls.withPendingCiphertext { bytes in
                do throws(SystemError) {
                    switch try Socket.write(fd, bytes) {
                    case .done(let sent): return sent
                    case .wouldBlock:
                        waitingForWritable = true
                        return 0
                    }
                } catch {
                    failure = error
                    return 0
                }
            }
        }
        if let failure { terminate(reason: "send failed: \(failure)") }
    }

    // MARK: Closing

    /// Releases everything now. `abortive` sends RST instead of FIN.
    func terminate(reason: String, abortive: Bool = false) {
        guard phase != .closed else { return }
        phase = .closed
        context.loop.deregister(fd: fd)
        if abortive { Socket.abort(fd) } else { Socket.close(fd) }
        context.remove(self)
        outbound = OutboundQueue(limitBytes: 0)
        reader = nil
        httpParser = nil
        state.openConnections.subtract(1, ordering: .relaxed)
        if let session {
            endSession(session, reason: reason)
            self.session = nil
        }
    }

    /// Gives back the queue's and TLS's buffers once the connection has been
    /// quiet for a sweep period, so an idle connection holds no buffer memory.
    private func releaseIdleBuffers() {
        if flushedSinceSweep {
            flushedSinceSweep = false
            return
        }
        guard holdsBuffers, !isFlushScheduled, outbound.isEmpty, !tls.hasPendingCiphertext else { return }
        holdsBuffers = false
        outbound.releaseMemory()
        tls.releaseIdleMemory()
    }

    /// Called by the loop's sweep (see LoopContext.startSweeping).
    func sweep(now: UInt64) {
        releaseIdleBuffers()
        switch phase {
        case .tlsHandshake, .httpRequest:
            if now &- requestStartedAt >= state.handshakeTimeoutNS {
                state.logger.debug("handshake deadline passed", ["remote": .string(remoteAddress)])
                terminate(reason: "handshake timeout", abortive: true)
            }
        case .webSocket:
            sweepHeartbeat(now: now)
            sweepExpiry()
        case .closing:
            if now >= closeDeadline { terminate(reason: "close timeout") }
        case .closed:
            break
        }
    }
}
