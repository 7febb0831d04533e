import Audit
import Auth
import Base
import NetCore
import Policy

/// The current token verifier and policy, swapped whole on reload, plus the
/// counters that span loops: connection attempts per address and open
/// sessions per subject. Touched once per upgrade, never per message.
final class AccessControl: Sendable {
    struct Snapshot: Sendable {
        let verifier: TokenVerifier
        let policy: PolicySet
        let generation: Int
    }

    private let current: Lock<Snapshot>
    private let attempts: Lock<AttemptLimiter>
    private let sessionsBySubject = Lock<[String: Int]>([:])

    init(verifier: TokenVerifier, policy: PolicySet) {
        current = Lock(Snapshot(verifier: verifier, policy: policy, generation: 1))
        attempts = Lock(AttemptLimiter(attemptsPerMinute: policy.attemptsPerMinutePerAddress))
    }

    var snapshot: Snapshot { current.withLock { $0 } }

    func replace(verifier: TokenVerifier, policy: PolicySet) -> Snapshot {
        let next = current.withLock { snapshot -> Snapshot in
            snapshot = Snapshot(verifier: verifier, policy: policy, generation: snapshot.generation + 1)
            return snapshot
        }
        attempts.withLock { limiter in
            if limiter.attemptsPerMinute != policy.attemptsPerMinutePerAddress {
                limiter = AttemptLimiter(attemptsPerMinute: policy.attemptsPerMinutePerAddress)
            }
        }
        return next
    }

    /// Counts one upgrade attempt from `address`; false (with seconds to wait) over the limit.
    func admitAttempt(from address: String) -> (allowed: Bool, retryAfterSeconds: Int) {
        attempts.withLock { limiter in
            let now = MonotonicClock.now()
            limiter.prune(now: now)
            return limiter.attempt(address: address, now: now)
        }
    }

    /// Reserves a session slot for `subject`; false when it already holds `limit`.
    func reserveSession(for subject: String, limit: Int) -> Bool {
        sessionsBySubject.withLock { counts in
            let open = counts[subject, default: 0]
            guard open < limit else { return false }
            counts[subject] = open + 1
            return true
        }
    }

    func releaseSession(for subject: String) {
        sessionsBySubject.withLock { counts in
            let open = counts[subject, default: 0] - 1
            counts[subject] = open > 0 ? open : nil
        }
    }

    func openSessions(for subject: String) -> Int {
        sessionsBySubject.withLock { $0[subject, default: 0] }
    }
}
