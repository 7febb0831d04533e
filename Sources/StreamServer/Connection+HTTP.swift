import NetCore
import TLS
import WebSocket

/// The one HTTP request a connection carries before it upgrades or closes.
extension Connection {
    func handleRequestBytes(_ bytes: UnsafeRawBufferPointer) {
        guard var parser = httpParser else { return }
        let result = parser.parse(bytes)
        httpParser = parser
        switch result {
        case .needMore:
            return
        case .failed(let error):
            state.logger.debug("bad HTTP request", ["remote": .string(remoteAddress), "status": .int(error.status)])
            respondAndClose(HTTPResponse.json(status: error.status, error: Connection.errorCode(forStatus: error.status), message: error.message))
        case .complete(let request, let consumed):
            httpParser = nil
            route(request, leftover: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
        }
    }

    private static func errorCode(forStatus status: Int) -> String {
        switch status {
        case 413: "body_too_large"
        case 431: "headers_too_large"
        case 501: "not_implemented"
        case 505: "unsupported_version"
        default: "bad_request"
        }
    }

    private func route(_ request: HTTPRequest, leftover: UnsafeRawBufferPointer) {
        switch request.path {
        case "/ws":
            upgrade(request, leftover: leftover)
        case "/healthz":
            guard request.method == "GET" || request.method == "HEAD" else { return refuseMethod("GET") }
            let body = #"{"status":"ok"}"#
            respondAndClose(HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
        default:
            respondAndClose(.json(status: 404, error: "not_found", message: "no resource at \(request.path); the WebSocket endpoint is /ws"))
        }
    }

    private func refuseMethod(_ allowed: String) {
        respondAndClose(.json(status: 405, error: "method_not_allowed", message: "use \(allowed)", extraHeaders: [("Allow", allowed)]))
    }

    /// Plain HTTP answers close the connection: one request per connection
    /// keeps the state machine small and the upgrade path the only long-lived one.
    func respondAndClose(_ response: HTTPResponse) {
        var response = response
        response.closeConnection = true
        enqueue(response.serialized())
        closeAfterFlush = true
        phase = .closing
        closeDeadline = MonotonicClock.now() &+ state.closeTimeoutNS
    }

    private func upgrade(_ request: HTTPRequest, leftover: UnsafeRawBufferPointer) {
        let upgradeRequest: UpgradeRequest
        switch WebSocketHandshake.validate(request) {
        case .success(let valid): upgradeRequest = valid
        case .failure(let refusal):
            state.logger.debug("upgrade refused", ["remote": .string(remoteAddress), "status": .int(refusal.status)])
            return respondAndClose(refusal.response())
        }
        if state.isShuttingDown.load(ordering: .relaxed) {
            return respondAndClose(.json(status: 503, error: "shutting_down", message: "the server is shutting down; retry on another instance",
                                         extraHeaders: [("Retry-After", "1")]))
        }
        if state.upgradedConnections.load(ordering: .relaxed) >= state.limits.maxConnections {
            return respondAndClose(.json(status: 503, error: "at_capacity",
                                         message: "the server holds its maximum of \(state.limits.maxConnections) sessions",
                                         extraHeaders: [("Retry-After", "5")]))
        }
        let accept = WebSocketHandshake.acceptValue(forKey: upgradeRequest.key, sha1: Digest.sha1)
        // We speak one subprotocol; answer it only when offered (RFC 6455 §4.2.2).
        let subprotocol = upgradeRequest.subprotocols.contains("stream.v1") ? "stream.v1" : nil
        enqueue(WebSocketHandshake.response(accept: accept, subprotocol: subprotocol))
        state.upgradedConnections.add(1, ordering: .relaxed)
        phase = .webSocket
        reader = WebSocketReader(role: .server, maxMessageSize: state.limits.maxMessageBytes)
        nextPingAt = MonotonicClock.now() &+ state.heartbeatIntervalNS
        state.logger.debug("session opened", ["session": .string(sessionID), "remote": .string(remoteAddress)])
        sendWelcome()
        if leftover.count > 0 {
            reader?.append(leftover)
            processFrames()
        }
    }
}
