import Auth
import NetCore
import Policy
import Synchronization
import WebSocket

/// The checks an upgrade passes before it becomes a session, in the order
/// that costs an attacker the most and us the least: origin, attempt rate,
/// capacity, then the token (signature before claims), then the policy.
extension Connection {
    enum Admission {
        case admitted(Claims, Entitlements)
        case refused(HTTPResponse, reason: String, claims: Claims?)
    }

    func authorize(_ request: UpgradeRequest) -> Admission {
        let access = state.access.snapshot
        let settings = state.configuration.auth

        // A page this server served connecting back to it is same-origin, not
        // cross-site WebSocket hijacking; any other Origin needs the allowlist.
        if let origin = request.origin, !isSameOrigin(origin, host: request.headers["Host"]), !access.policy.isOriginAllowed(origin) {
            return .refused(.json(status: 403, error: "origin_not_allowed",
                                  message: "Origin \(origin) is not on the allowlist (policies: origins)"),
                            reason: "origin_not_allowed", claims: nil)
        }
        let attempt = state.access.admitAttempt(from: remoteAddress)
        if !attempt.allowed {
            return .refused(.json(status: 429, error: "too_many_attempts",
                                  message: "too many connection attempts from \(remoteAddress); retry later",
                                  extraHeaders: [("Retry-After", String(attempt.retryAfterSeconds))]),
                            reason: "too_many_attempts", claims: nil)
        }
        if state.isShuttingDown.load(ordering: .relaxed) {
            return .refused(.json(status: 503, error: "shutting_down", message: "the server is shutting down; reconnect shortly",
                                  extraHeaders: [("Retry-After", "1")]), reason: "shutting_down", claims: nil)
        }
        if state.upgradedConnections.load(ordering: .relaxed) >= state.limits.maxConnections {
            return .refused(.json(status: 503, error: "at_capacity",
                                  message: "the server holds its maximum of \(state.limits.maxConnections) sessions",
                                  extraHeaders: [("Retry-After", "5")]), reason: "at_capacity", claims: nil)
        }

        let offeredQueryToken = request.query.map { $0.contains("access_token=") } ?? false
        guard let (token, _) = BearerToken.extract(
            authorization: request.headers["Authorization"], subprotocols: request.subprotocols,
            query: request.query, allowQuery: settings.allowQueryToken)
        else {
            if offeredQueryToken {
                return invalidToken("tokens in the query string are disabled on this server; send Authorization: Bearer or the bearer.<JWT> subprotocol",
                                    reason: "query_token_disabled", claims: nil)
            }
            // RFC 6750 §3.1: no error code when the request carried no token at all.
            return .refused(.json(status: 401, error: "missing_token",
                                  message: "send a bearer token: Authorization: Bearer <JWT>, or the subprotocol bearer.<JWT>",
                                  extraHeaders: [("WWW-Authenticate", #"Bearer realm="streamd""#)]),
                            reason: "missing_token", claims: nil)
        }
        let claims: Claims
        switch access.verifier.verify(token, now: WallClock.nowMilliseconds() / 1000) {
        case .success(let verified): claims = verified
        case .failure(let rejection): return invalidToken(rejection.message, reason: rejection.reason, claims: nil)
        }

        let entitlements: Entitlements
        switch access.policy.entitlements(subject: claims.subject, roles: claims.roles, channelsClaim: claims.channels) {
        case .success(let granted): entitlements = granted
        case .failure(let refusal):
            return .refused(.json(status: 403, error: refusal.reason, message: refusal.message), reason: refusal.reason, claims: claims)
        }
        if !state.access.reserveSession(for: claims.subject, limit: entitlements.maxConnections) {
            return .refused(.json(status: 429, error: "too_many_connections",
                                  message: "\(claims.subject) already holds \(entitlements.maxConnections) open connections",
                                  extraHeaders: [("Retry-After", "5")]), reason: "too_many_connections", claims: claims)
        }
        return .admitted(claims, entitlements)
    }

    private func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host else { return false }
        return origin.lowercased() == "https://" + host.lowercased()
    }

    private func invalidToken(_ description: String, reason: String, claims: Claims?) -> Admission {
        // error_description is a quoted-string (RFC 6750 §3): no quotes or backslashes inside.
        let safe = String(description.unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value > 0x7e ? "'" : Character($0) })
        return .refused(.json(status: 401, error: "invalid_token", message: description,
                              extraHeaders: [("WWW-Authenticate", #"Bearer realm="streamd", error="invalid_token", error_description="\#(safe)""#)]),
                        reason: reason, claims: claims)
    }
}
