import Foundation
import Glibc
import NetCore
import WebSocket

/// A reconnecting wss:// client for streamd.
///
/// One dedicated thread does all the I/O on a blocking socket, waiting with
/// poll() so heartbeat deadlines fire while no data arrives; it never runs on
/// Swift concurrency's cooperative pool. On every (re)connect it upgrades
/// with the token, reads `welcome`, and subscribes with `since` = the
/// (epoch, seq) it delivered last per channel (for patterns, with the time of
/// the last message too, so channels born meanwhile are recovered), dropping
/// anything at or below it in the same epoch, so the application sees each
/// message once and in order across reconnects. A message in another epoch
/// is always delivered, after an `.epochChanged` event.
///
/// The upgrade offers permessage-deflate (RFC 7692) unless
/// `offerCompression` is off; when the server agrees, its compressed
/// messages are inflated (within `maxMessageBytes`) before anything else
/// sees them, and `StreamWelcome.compression` says so. The client sends plain.
///
/// It stops for good on 401/403 refusals and on closes 4001/4003; anything
/// else (refused connection, 503, 1001, 4008, 4029, a dead link) is retried
/// with exponential backoff and full jitter.
public final class StreamConnection: @unchecked Sendable {
    public let configuration: StreamClientConfiguration
    /// Every event, in order. Single consumer; ends after `.stopped`.
    public let events: AsyncStream<StreamClientEvent>
    private let continuation: AsyncStream<StreamClientEvent>.Continuation
    private let onEvent: (@Sendable (StreamClientEvent) -> Void)?

    private let lock = NSLock()
    private var state = State()
    private let wakeRead: Int32
    private let wakeWrite: Int32

    struct State {
        var started = false
        var stopRequested = false
        var connected = false
        var socket: ClientWebSocket?
        var pendingFD: Int32 = -1
        var lastMessage: StreamMessage?
        var history: [StreamMessage] = []
        var welcome: StreamWelcome?
        var nextRequestID = 1
    }

    /// `onEvent`, if given, runs on the I/O thread for each event, before the
    /// event is yielded to `events`; keep it short.
    public init(configuration: StreamClientConfiguration, onEvent: (@Sendable (StreamClientEvent) -> Void)? = nil) {
        self.configuration = configuration
        self.onEvent = onEvent
        (events, continuation) = AsyncStream.makeStream(of: StreamClientEvent.self, bufferingPolicy: .unbounded)
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fatalError("pipe failed: \(String(cString: strerror(errno)))") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    // MARK: The hook's view

    /// True between the welcome and the end of that session.
    public var isConnected: Bool { lock.withLock { state.connected } }
    /// The newest stream message delivered.
    public var lastMessage: StreamMessage? { lock.withLock { state.lastMessage } }
    /// The last `historyLimit` stream messages delivered, newest last.
    public var messageHistory: [StreamMessage] { lock.withLock { state.history } }
    /// The current (or last) session's welcome.
    public var welcome: StreamWelcome? { lock.withLock { state.welcome } }

    // MARK: Control

    /// Starts the I/O thread; a second call does nothing.
    public func start() {
        let shouldStart = lock.withLock { () -> Bool in
            if state.started { return false }
            state.started = true
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in run() }
        thread.name = "streamd-client"
        thread.start()
    }

    /// Closes the session (1000) and ends the event stream with `.stopped`.
    /// Returns at once; the I/O thread finishes on its own.
    public func stop() {
        let (abortFD, neverStarted) = lock.withLock { () -> (Int32, Bool) in
            state.stopRequested = true
            defer { state.started = true }
            return (state.socket == nil ? state.pendingFD : -1, !state.started)
        }
        if neverStarted { return finish(reason: "stopped by the application") }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        // A connect in progress is blocked in recv(); shutting the socket down wakes it.
        if abortFD >= 0 { Glibc.shutdown(abortFD, Int32(SHUT_RDWR)) }
    }

    /// Sends one text message (an operation: `publish`, `refresh`,
    /// `unsubscribe`, ...). Throws when no session is open.
    public func send(json: String) throws {
        guard let socket = lock.withLock({ state.connected ? state.socket : nil }) else {
            throw BlockingTLSConnection.ConnectionError("not connected")
        }
        try socket.sendText(json)
    }

    /// A fresh request id for `send(json:)` callers that want to match replies.
    public func makeRequestID() -> Int {
        lock.withLock {
            defer { state.nextRequestID += 1 }
            return state.nextRequestID
        }
    }

    var isStopRequested: Bool { lock.withLock { state.stopRequested } }

    // MARK: Events

    func emit(_ event: StreamClientEvent) {
        if case .message(let message) = event {
            lock.withLock {
                state.lastMessage = message
                state.history.append(message)
                let excess = state.history.count - max(0, configuration.historyLimit)
                if excess > 0 { state.history.removeFirst(excess) }
            }
        }
        onEvent?(event)
        continuation.yield(event)
    }

    func setSocket(_ socket: ClientWebSocket?, connected: Bool, welcome: StreamWelcome? = nil) {
        lock.withLock {
            state.socket = socket
            state.connected = connected
            if let welcome { state.welcome = welcome }
            if socket == nil { state.pendingFD = -1 }
        }
    }

    /// Records the socket of a connect in progress; shuts it down at once if
    /// `stop()` already ran, so the attempt fails fast.
    func setPendingFD(_ fd: Int32) {
        let stopping = lock.withLock { () -> Bool in
            state.pendingFD = fd
            return state.stopRequested
        }
        if stopping { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    func finish(reason: String) {
        emit(.stopped(reason: reason))
        continuation.finish()
    }

    /// Empties the wake-up pipe.
    func drainWakeups() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    var wakeFD: Int32 { wakeRead }
}
