import Audit
import Auth
import Metrics
import NetCore
import Policy
import Synchronization
import TLS
import WebSocket

/// HTTP on a connection before (or instead of) the upgrade: keep-alive
/// requests to the plain endpoints, or one upgrade to /ws.
extension Connection {
    func handleRequestBytes(_ bytes: UnsafeRawBufferPointer) {
        guard var parser = input.httpParser else { return }
        let result = parser.parse(bytes)
        input.httpParser = parser
        switch result {
        case .needMore:
            return
        case .failed(let error):
            state.logger.debug("bad HTTP request", ["remote": .string(remoteAddress), "status": .int(error.status)])
            respondAndClose(HTTPResponse.json(status: error.status, error: error.errorCode, message: error.message))
        case .complete(let request, let consumed):
            input.httpParser = nil
            route(request, leftover: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
        }
    }

    private func route(_ request: HTTPRequest, leftover: UnsafeRawBufferPointer) {
        switch request.path {
        case "/ws":
            upgrade(request, leftover: leftover)
        case "/healthz":
            guard request.method == "GET" || request.method == "HEAD" else { return refuseMethod("GET") }
            let body = healthJSON()
            respond(HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8)),
                    to: request, leftover: leftover)
        case "/metrics":
            guard request.method == "GET" else { return refuseMethod("GET") }
            respond(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                 body: Array(context.metrics.registry.render().utf8)), to: request, leftover: leftover)
        case "/api/v1/publish":
            guard request.method == "POST" else { return refuseMethod("POST") }
            // The answer may wait on the cluster bus; what arrives meanwhile waits too.
            park(leftover: leftover)
            publishOverHTTP(request) { [self] response in
                guard phase == .httpRequest else { return }
                unpark { respond(response, to: request, leftover: $0) }
            }
        default:
            if let asset = state.dashboard.response(for: request.path) {
                guard request.method == "GET" || request.method == "HEAD" else { return refuseMethod("GET") }
                return respond(asset, to: request, leftover: leftover)
            }
            respondAndClose(.json(status: 404, error: "not_found", message: "no resource at \(request.path); the WebSocket endpoint is /ws"))
        }
    }

    /// Answers and, for HTTP/1.1 without `Connection: close`, waits for the
    /// next request on the same connection (producers publish in a loop).
    /// Error answers close the connection.
    private func respond(_ response: HTTPResponse, to request: HTTPRequest, leftover: UnsafeRawBufferPointer) {
        let keepAlive = response.status < 400 && request.versionMinor == 1 && !request.headers.containsToken("Connection", "close")
        guard keepAlive else { return respondAndClose(response) }
        enqueue(response.serialized())
        updateLifecycle { $0.requestAnswered(now: MonotonicClock.now()) }
        input.httpParser = HTTPRequestParser(limits: httpLimits)
        if leftover.count > 0 { handleRequestBytes(leftover) }
    }

    /// `{"status":"ok"}`; in a cluster also the Redis link, and `degraded`
    /// while it is down (this instance still serves its own subscribers, so
    /// the answer stays 200: a load balancer should keep sending clients).
    private func healthJSON() -> String {
        guard let cluster = context.broadcaster.cluster else { return #"{"status":"ok"}"# }
        return cluster.isConnected
            ? #"{"status":"ok","redis":"up"}"#
            : #"{"status":"degraded","redis":"down","detail":"publishes are refused and other instances' messages do not arrive until Redis is back"}"#
    }

    private func refuseMethod(_ allowed: String) {
        respondAndClose(.json(status: 405, error: "method_not_allowed", message: "use \(allowed)", extraHeaders: [("Allow", allowed)]))
    }

    /// The last answer on this connection: errors (after a framing error the
    /// next request's start cannot be trusted), refusals, and requests that
    /// asked for `Connection: close` or cannot keep the connection alive (HTTP/1.0).
    /// The socket closes once the answer is written.
    func respondAndClose(_ response: HTTPResponse) {
        var response = response
        response.closeConnection = true
        enqueue(response.serialized())
        perform(updateLifecycle { $0.finalAnswerQueued(now: MonotonicClock.now()) })
    }

    private func upgrade(_ request: HTTPRequest, leftover: UnsafeRawBufferPointer) {
        let upgradeRequest: UpgradeRequest
        switch WebSocketHandshake.validate(request) {
        case .success(let valid): upgradeRequest = valid
        case .failure(let refusal):
            return refuse(refusal.response(), reason: refusal.errorCode)
        }
        switch authorize(upgradeRequest) {
        case .refused(let response, let reason, let claims):
            refuse(response, reason: reason, claims: claims)
        case .admitted(let claims, let entitlements):
            guard let cluster = context.broadcaster.cluster else {
                return open(upgradeRequest, claims: claims, entitlements: entitlements, leftover: leftover)
            }
            // The subject's cap holds across instances: ask the cluster for a lease first.
            park(leftover: leftover)
            let pending = UncheckedBox((self, upgradeRequest, claims, entitlements))
            cluster.acquireSession(subject: claims.subject, member: sessionID, limit: entitlements.maxConnections) { granted in
                let (connection, upgradeRequest, claims, entitlements) = pending.value
                connection.onOwnLoop { $0.finishAdmission(upgradeRequest, claims: claims, entitlements: entitlements, granted: granted) }
            }
        }
    }

    /// The cluster's answer for a parked upgrade: nil (Redis unreachable)
    /// admits on this instance's own count, which authorize already took.
    private func finishAdmission(_ request: UpgradeRequest, claims: Claims, entitlements: Entitlements, granted: Bool?) {
        guard phase == .httpRequest else {
            // Gone while waiting: give back what was taken for it.
            state.access.releaseSession(for: claims.subject)
            if granted == true { context.broadcaster.cluster?.releaseSession(subject: claims.subject, member: sessionID) }
            return
        }
        if granted == false {
            state.access.releaseSession(for: claims.subject)
            input.parked = nil
            return refuse(.json(status: 429, error: "too_many_connections",
                                message: "\(claims.subject) already holds \(entitlements.maxConnections) open connections across the cluster",
                                extraHeaders: [("Retry-After", "5")]), reason: "too_many_connections", claims: claims)
        }
        unpark { open(request, claims: claims, entitlements: entitlements, leftover: $0) }
    }

    /// A refused upgrade: audited with its reason, answered, closed.
    func refuse(_ response: HTTPResponse, reason: String, claims: Claims? = nil) {
        context.metrics.refusal(reason).increment(shard: context.shard)
        audit("connect", "refused", reason: reason, claims: claims, details: [("status", .int(Int64(response.status)))])
        state.logger.debug("upgrade refused", ["remote": .string(remoteAddress), "status": .int(response.status), "reason": .string(reason)])
        respondAndClose(response)
    }

    private func open(_ request: UpgradeRequest, claims: Claims, entitlements: Entitlements, leftover: UnsafeRawBufferPointer) {
        let accept = WebSocketHandshake.acceptValue(forKey: request.key, sha1: Digest.sha1)
        // We speak one subprotocol; answer it only when offered (RFC 6455 §4.2.2).
        // A `bearer.<JWT>` entry is never echoed.
        let subprotocol = request.subprotocols.contains("stream.v1") ? "stream.v1" : nil
        // permessage-deflate: the first offer we can accept, if any (the syntax was checked with the request).
        var agreement: PerMessageDeflate.Agreement?
        if state.configuration.compression.enabled, case .success(let offers) = PerMessageDeflate.parse(request.headers.values("Sec-WebSocket-Extensions")) {
            agreement = PerMessageDeflate.negotiate(offers, policy: state.configuration.compression.policy)
        }
        enqueue(WebSocketHandshake.response(accept: accept, subprotocol: subprotocol,
                                            extraHeaders: agreement.map { [("Sec-WebSocket-Extensions", $0.responseHeader)] } ?? []))
        state.upgradedConnections.add(1, ordering: .relaxed)
        let now = MonotonicClock.now()
        session = Session(id: sessionID, claims: claims, entitlements: entitlements, now: now,
                          openedAtMilliseconds: WallClock.nowMilliseconds())
        updateLifecycle { $0.upgraded(now: now) }
        input.frames = WebSocketReader(role: .server, maxMessageSize: state.limits.maxMessageBytes)
        if let agreement {
            input.frames?.enableCompression(windowBits: agreement.clientWindowBits, noContextTakeover: agreement.clientNoContextTakeover)
            compressionWindowBits = agreement.serverWindowBits
            state.compressedSessions.add(1, ordering: .relaxed)
        }
        audit("connect", "accepted", details: [("roles", .string(claims.roles.joined(separator: ",")))])
        state.logger.debug("session opened", ["session": .string(sessionID), "remote": .string(remoteAddress), "subject": .string(claims.subject)])
        sendWelcome()
        if leftover.count > 0 {
            input.frames?.append(leftover)
            processFrames()
        }
    }
}
