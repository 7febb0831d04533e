import Base
public import NetCore

/// Bytes in, replies matched; bytes out, once per loop turn.
extension RedisConnection {
    public func handleIO(_ events: IOEvents) {
        switch phase {
        case .connecting:
            // The same edge may carry the server's first bytes: read them too.
            finishConnect()
            if phase == .handshaking || phase == .ready { fallthrough }
        case .handshaking, .ready:
            // Edge-triggered: every event may hide data, an EOF or an error
            // (EPOLLERR, RDHUP), and read() is what tells them apart.
            let generation = generation
            readAvailable()
            if self.generation == generation, events.contains(.writable) { flush() }
        case .idle, .waiting, .closed:
            return
        }
    }

    /// Reads until the kernel says EAGAIN, feeding the parser and handing
    /// out replies as they complete.
    private func readAvailable() {
        let generation = generation
        let buffer = loop.receiveBuffer
        while self.generation == generation {
            let result: IOResult<Int>
            do {
                result = try Socket.read(fd, into: buffer)
            } catch {
                return connectionLost("\(error)")
            }
            switch result {
            case .wouldBlock:
                return
            case .done(0):
                return connectionLost("the server closed the connection")
            case .done(let count):
                do {
                    try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    while self.generation == generation, let reply = try parser.next() { route(reply) }
                } catch {
                    return connectionLost("\(error)")
                }
            }
        }
    }

    /// Writes the corked output. Called by the loop at the end of the turn in
    /// which commands were queued, and again when EPOLLOUT says the socket
    /// has room after an EAGAIN.
    public func flush() {
        let generation = generation
        while self.generation == generation, phase == .handshaking || phase == .ready, outboundOffset < outbound.count {
            let result: IOResult<Int>
            do {
                result = try outbound.withUnsafeBytes { bytes in
                    try Socket.write(fd, UnsafeRawBufferPointer(rebasing: bytes[outboundOffset...]))
                }
            } catch {
                return connectionLost("\(error)")
            }
            switch result {
            case .wouldBlock:
                return
            case .done(let written):
                outboundOffset += written
            }
        }
        if outboundOffset > 0, outboundOffset == outbound.count {
            outbound.removeAll(keepingCapacity: outbound.capacity <= 1 << 20)
            outboundOffset = 0
        }
    }
}
