import Base
import Glibc
import NetCore
import Synchronization
import TLS

/// Accepts connections on one loop's listener and gives each to that loop.
final class Acceptor: IOHandler {
    let listener: Listener
    unowned let context: LoopContext

    init(listener: Listener, context: LoopContext) {
        self.listener = listener
        self.context = context
    }

    func handleIO(_ events: IOEvents) {
        // Level-triggered listener: a bounded batch per turn keeps accepting
        // fair to the connections already on this loop.
        for _ in 0..<64 {
            let fd: Int32
            do {
                switch try Socket.accept(listener.fd) {
                case .wouldBlock: return
                case .done(let accepted): fd = accepted
                }
            } catch {
                handleAcceptError(error)
                return
            }
            adopt(fd)
        }
    }

    private func adopt(_ fd: Int32) {
        let state = context.state
        Socket.setNoDelay(fd)
        let tls: TLSConnection
        do {
            tls = try TLSConnection(serverContext: state.tls)
        } catch {
            state.logger.error("cannot create TLS session", ["error": .string(error.message)])
            Socket.close(fd)
            return
        }
        let connection = Connection(fd: fd, context: context, tls: tls, remoteAddress: Socket.peerAddress(fd))
        do {
            try context.loop.register(fd: fd, handler: connection)
        } catch {
            state.logger.error("cannot register connection", ["error": .string("\(error)")])
            Socket.close(fd)
            return
        }
        context.add(connection)
        state.openConnections.add(1, ordering: .relaxed)
        state.acceptedConnections.add(1, ordering: .relaxed)
    }

    /// Out of descriptors: stop accepting for a moment instead of spinning on
    /// a listener that stays readable.
    private func handleAcceptError(_ error: SystemError) {
        switch error.errno {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            context.state.logger.warning("accept paused: out of resources", ["error": .string("\(error)")])
            context.loop.deregister(fd: listener.fd)
            context.loop.schedule(afterNanoseconds: 100_000_000) { [weak self] in
                guard let self, !self.context.state.isShuttingDown.load(ordering: .relaxed) else { return }
                try? self.context.loop.registerListener(fd: self.listener.fd, handler: self)
            }
        case ECONNABORTED, EPERM, EPROTO:
            return  // the peer gave up before we accepted; nothing to do
        default:
            context.state.logger.error("accept failed", ["error": .string("\(error)")])
        }
    }
}
