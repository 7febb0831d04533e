import NetCore
import WebSocket

/// Answers that wait on the cluster bus (a publish's seq, a session slot):
/// the connection is parked, keeping what the client sends meanwhile, and
/// resumed on its own loop when the answer comes.
extension Connection {
    /// Runs `body` on this connection's loop: at once when already there
    /// (single node answers synchronously), else as the loop's next task.
    func onOwnLoop(_ body: @escaping (Connection) -> Void) {
        if context.loop.isInLoop { return body(self) }
        let box = UncheckedBox((self, body))
        context.loop.execute { box.value.1(box.value.0) }
    }

    /// Stops handing input to the HTTP parser; `leftover` and later bytes wait.
    func park(leftover: UnsafeRawBufferPointer) {
        input.parked = Array(leftover)
    }

    /// Bytes that arrived while parked, bounded by one request's limits.
    func keepParked(_ bytes: UnsafeRawBufferPointer) {
        input.parked?.append(contentsOf: bytes)
        if let count = input.parked?.count, count > httpLimits.maxHeaderBytes + httpLimits.maxBodyBytes {
            terminate(reason: "sent more than one request's worth while waiting for an answer", abortive: true)
        }
    }

    /// Ends the wait: `body` gets the kept bytes, which it must consume or copy.
    func unpark(_ body: (UnsafeRawBufferPointer) -> Void) {
        let bytes = input.parked ?? []
        input.parked = nil
        bytes.withUnsafeBytes(body)
    }
}
