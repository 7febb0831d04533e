import Audit
import Auth
import Base
import Broadcast
import Metrics
import NetCore
import Policy
import TextFormat
import WebSocket

/// What a session may do, when it changes under it: a refreshed token, an
/// expired one, or a policy or revocation reload (`Server+Reload`).
extension Connection {
    func refresh(_ request: ClientRequest, _ session: Session) {
        guard let token = request.object["token"]?.stringValue else {
            return sendError(id: request.id, code: "bad_request", "refresh needs a string \"token\"")
        }
        let access = state.access.snapshot
        let claims: Claims
        switch access.verifier.verify(token, now: WallClock.nowMilliseconds() / 1000) {
        case .success(let verified): claims = verified
        case .failure(let rejection):
            auditRefresh(outcome: "refused", reason: rejection.reason, session, claims: nil)
            return sendError(id: request.id, code: "forbidden", "the new token is not valid: \(rejection.message)")
        }
        guard claims.subject == session.subject else {
            auditRefresh(outcome: "refused", reason: "subject_mismatch", session, claims: claims)
            return sendError(id: request.id, code: "forbidden", "a refresh token must be for the same subject")
        }
        switch access.policy.entitlements(subject: claims.subject, roles: claims.roles, channelsClaim: claims.channels) {
        case .failure(let refusal):
            auditRefresh(outcome: "refused", reason: refusal.reason, session, claims: claims)
            return sendError(id: request.id, code: "forbidden", refusal.message)
        case .success(let entitlements):
            session.claims = claims
            session.expiresAt = claims.expiresAt
            apply(entitlements, to: session, because: "refresh")
        }
        auditRefresh(outcome: "accepted", reason: nil, session, claims: claims)
        let expires = RFC3339.format(milliseconds: session.expiresAt * 1000)
        sendText(ServerMessage.envelope(type: "refreshed", id: request.id, data: #"{"expires_at":"\#(expires)"}"#))
    }

    private func auditRefresh(outcome: String, reason: String?, _ session: Session, claims: Claims?) {
        audit("refresh", outcome, reason: reason, claims: claims)
    }

    /// Closes with 4001 once the token's `exp` (plus the configured leeway) passes.
    func sweepExpiry() {
        guard let session else { return }
        let now = WallClock.nowMilliseconds() / 1000
        guard now >= session.expiresAt + state.configuration.auth.leewaySeconds else { return }
        audit("token_expired", "closed", reason: "expired")
        close(.tokenExpired, reason: "token expired; reconnect with a new token")
    }

    /// Installs new entitlements; subscriptions they no longer allow are
    /// dropped and the client is told which.
    func apply(_ entitlements: Entitlements, to session: Session, because cause: String) {
        session.entitlements = entitlements
        session.bucket.update(rate: entitlements.rateLimit, now: MonotonicClock.now())
        let lost = session.subscriptions.filter { !entitlements.maySubscribe($0) }.sorted()
        guard !lost.isEmpty else { return }
        for channel in lost {
            session.subscriptions.remove(channel)
            context.subscriptions.remove(.init(channel), self)
            auditSubscription(channel, outcome: "revoked", reason: cause, session)
        }
        dropUncoveredReplays(session)
        let list = lost.map(JSONStringEscaper.quoted).joined(separator: ",")
        sendText(ServerMessage.envelope(type: "unsubscribed", id: nil, data: #"{"channels":[\#(list)],"reason":"permission_withdrawn"}"#))
    }

    /// After a policy or revocation reload: may this session stay, and with what?
    func reevaluate(with access: AccessControl.Snapshot, revoked: Set<String>) {
        guard phase == .webSocket, let session else { return }
        if let jti = session.claims.tokenID, revoked.contains(jti) {
            return withdraw(session, reason: "revoked", "your token was revoked")
        }
        switch access.policy.entitlements(subject: session.subject, roles: session.claims.roles, channelsClaim: session.claims.channels) {
        case .failure(let refusal):
            withdraw(session, reason: refusal.reason, refusal.message)
        case .success(let entitlements):
            apply(entitlements, to: session, because: "policy_reload")
        }
    }

    private func withdraw(_ session: Session, reason: String, _ message: String) {
        audit("permission_withdrawn", "closed", reason: reason)
        close(.permissionWithdrawn, reason: message)
    }
}
