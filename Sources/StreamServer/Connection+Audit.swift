import Audit
import Auth

extension Connection {
    /// One audit line about this connection: which session, from where, and
    /// who — `claims` when given (a token being judged), else the session's.
    func audit(_ event: String, _ outcome: String, reason: String? = nil, claims: Claims? = nil,
               details: [(String, AuditValue)] = []) {
        let who = claims ?? session?.claims
        state.audit.record(AuditEvent(event: event, outcome: outcome, reason: reason, session: sessionID, remote: remoteAddress,
                                      subject: who?.subject, jti: who?.tokenID, kid: who?.keyID, details: details))
    }
}
