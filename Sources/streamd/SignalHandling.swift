import Foundation
import StreamServer

/// SIGTERM and SIGINT shut the server down gracefully (close 1001 to every
/// session, bounded wait, audit log flushed) and exit 0. SIGHUP reloads
/// policies, keys and revocations.
enum SignalHandling {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install(server: Server, logger: Logger) {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                logger.info("shutting down", ["signal": .string(signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"),
                                              "open_sessions": .int(server.openSessions)])
                server.shutdown(gracePeriod: server.configuration.limits.closeTimeout)
                logger.info("stopped")
                exit(0)
            }
            source.resume()
            sources.append(source)
        }
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { server.reloadAccessRules(trigger: "SIGHUP") }
        hangup.resume()
        sources.append(hangup)
    }
}
