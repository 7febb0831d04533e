import TextFormat
/// Everything `record()`, `flush()`, `close()` and the writer thread share, guarded by
/// one `ConditionMonitor`. Events carry an ordinal (1, 2, 3… in `record()` order) so a
/// flush can wait for "everything up to the moment I was called" even while later events
/// keep arriving.
struct AuditQueueState {
    struct Entry {
        /// 0 for the writer's own `audit_gap` event, which no caller is waiting for.
        var ordinal: Int
        var event: AuditEvent
    }

    /// Recorded, not yet taken by the writer; `pending[pendingHead...]` (dropping the
    /// oldest on overflow is then O(1)).
    var pending: [Entry] = []
    var pendingHead = 0
    /// Events the writer has taken and not yet written (it keeps them across retries).
    var inFlight = 0
    var inFlightOldest = 0

    var recorded = 0
    var written = 0
    var dropped = 0
    var writeErrors = 0
    var failedAttempts = 0

    /// Dropped since the last `audit_gap` line, and the time span they covered.
    var lost = 0
    var lostFrom: Int64 = .max
    var lostUntil: Int64 = .min

    /// A flush under `.onFlush`/`.everyBatch` wants events up to this ordinal on disk.
    var syncWantedThrough = 0
    var syncedThrough = 0
    /// Bumped by every flush so a writer waiting out a retry delay tries again at once.
    var flushRequests = 0
    var closing = false
    var finished = false
    /// Tests set an errno here to simulate a full disk without filling one.
    var injectedWriteError: Int32?

    var pendingCount: Int { pending.count - pendingHead }

    /// Every event with a smaller ordinal has been written or dropped.
    var oldestUnsettled: Int {
        if inFlight > 0 { return inFlightOldest }
        if pendingHead < pending.count { return pending[pendingHead].ordinal }
        return recorded + 1
    }

    mutating func noteLost(_ event: AuditEvent) {
        lost += 1
        dropped += 1
        lostFrom = min(lostFrom, event.timeMilliseconds)
        lostUntil = max(lostUntil, event.timeMilliseconds)
    }

    /// Hands the writer every pending event, preceded by an `audit_gap` event if any were
    /// lost since the last one, so the loss is itself part of the chain.
    mutating func take(into batch: inout [Entry]) {
        if lost > 0 {
            let gap = AuditEvent(
                event: "audit_gap", outcome: "failed", reason: "queue_overflow",
                details: [
                    ("lost", .int(Int64(lost))),
                    ("lost_from", .string(RFC3339.format(milliseconds: lostFrom))),
                    ("lost_until", .string(RFC3339.format(milliseconds: lostUntil))),
                ])
            batch.append(Entry(ordinal: 0, event: gap))
            lost = 0
            lostFrom = .max
            lostUntil = .min
        }
        if pendingHead > 0 {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        if batch.isEmpty {
            swap(&batch, &pending)
        } else {
            batch.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
        noteInFlight(batch)
    }

    /// The writer wrote `count` of its events; `remaining` is what it still holds.
    mutating func commit(written count: Int, remaining: [Entry]) {
        written += count
        noteInFlight(remaining)
    }

    /// A batch holds at most one `audit_gap` entry, and only at its front.
    private mutating func noteInFlight(_ batch: [Entry]) {
        let first = batch.first?.ordinal == 0 ? 1 : 0
        inFlight = batch.count - first
        inFlightOldest = inFlight > 0 ? batch[first].ordinal : 0
    }
}
