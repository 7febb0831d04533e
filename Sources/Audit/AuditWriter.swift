/// The writer thread: takes everything queued, encodes it into chained lines, writes
/// each batch with one write(2) per file it touches, rotates by size, fsyncs per policy,
/// and retries failed writes without losing or reordering a line. All file and chain
/// state here is touched only by this thread (hence `@unchecked Sendable`).
final class AuditWriter: @unchecked Sendable {
    private let monitor: ConditionMonitor<AuditQueueState>
    private let file: AuditFile
    private let maxFileBytes: Int
    private let keepFiles: Int
    private let fsyncPolicy: AuditFsync
    /// The last line written: the next one continues from it.
    private var chain: AuditChainLink
    private var encoder = AuditLineEncoder()
    private var buffer: [UInt8] = []
    /// Failures that are not a failed batch (rotation), added to `writeErrors` on commit.
    private var otherErrors = 0

    /// Bytes encoded before a write(2) is issued, so a 100k-event backlog is not one
    /// 30 MB buffer.
    private static let chunkBytes = 1 << 20
    private static let firstRetryDelay: UInt64 = 100_000_000
    private static let longestRetryDelay: UInt64 = 5_000_000_000

    init(
        file: AuditFile, chain: AuditChainLink, monitor: ConditionMonitor<AuditQueueState>, maxFileBytes: Int,
        keepFiles: Int, fsync: AuditFsync
    ) {
        self.file = file
        self.chain = chain
        self.monitor = monitor
        self.maxFileBytes = maxFileBytes
        self.keepFiles = keepFiles
        self.fsyncPolicy = fsync
    }

    func run() {
        var batch: [AuditQueueState.Entry] = []
        var retryDelay: UInt64 = 0  // non-zero while recovering from a failure
        var seenFlushRequests = 0
        while true {
            let (closing, fault) = monitor.withLock(
                waitingOn: .work,
                until: { state in
                    if state.closing { return true }
                    if retryDelay > 0 { return state.flushRequests != seenFlushRequests }
                    return state.pendingCount > 0 || state.lost > 0 || state.syncWantedThrough > state.syncedThrough
                },
                timeoutNanoseconds: retryDelay > 0 ? retryDelay : nil
            ) { state in
                seenFlushRequests = state.flushRequests
                if batch.isEmpty { state.take(into: &batch) }
                return (state.closing, state.injectedWriteError)
            }

            var failure: String?
            var written = 0
            if !batch.isEmpty {
                (written, failure) = write(&batch, fault: fault)
            }
            for key in encoder.takeDroppedKeys() {
                warn("dropped detail \"\(key)\": credentials are never written to the audit log")
            }

            let syncTarget: Int? = monitor.withLock { state in
                state.commit(written: written, remaining: batch)
                state.writeErrors += otherErrors
                otherErrors = 0
                guard failure == nil else { return nil }
                let wanted =
                    (fsyncPolicy == .everyBatch && written > 0) || state.syncWantedThrough > state.syncedThrough
                    || (closing && fsyncPolicy != .never)
                return wanted ? state.oldestUnsettled - 1 : nil
            }
            if let syncTarget {
                if let code = file.sync() {
                    failure = "cannot fsync \(file.path): \(describe(code))"
                } else {
                    monitor.withLock { $0.syncedThrough = max($0.syncedThrough, syncTarget) }
                }
            }

            if let failure {
                retryDelay = retryDelay == 0 ? Self.firstRetryDelay : min(retryDelay * 2, Self.longestRetryDelay)
                warn("\(failure); \(batch.count) events held for retry")
            } else {
                retryDelay = 0
            }
            let finished = monitor.withLock { state in
                if failure != nil {
                    state.writeErrors += 1
                    state.failedAttempts += 1
                }
                guard state.closing else { return false }
                if failure == nil && (!batch.isEmpty || state.pendingCount > 0 || state.lost > 0) {
                    return false  // drain what arrived before close() and any audit_gap
                }
                let unwritten = state.inFlight + state.pendingCount
                if unwritten > 0 {
                    warn("closing \(file.path) with \(unwritten) events that could not be written; they are lost")
                    state.dropped += unwritten
                    state.pending.removeAll()
                    state.pendingHead = 0
                    batch.removeAll()
                    state.commit(written: 0, remaining: batch)
                }
                file.close()  // before `finished`: a caller of close() may reopen the path at once
                state.finished = true
                return true
            }
            monitor.wake(.progress)
            if finished { return }
        }
    }

    /// Writes as much of `batch` as it can, removing what was written from its front.
    /// Returns how many caller events (not `audit_gap`) were written, and the failure.
    private func write(_ batch: inout [AuditQueueState.Entry], fault: Int32?) -> (Int, String?) {
        var done = 0
        var userEventsWritten = 0
        var failure: String?
        var rotationFailed = false
        while done < batch.count {
            buffer.removeAll(keepingCapacity: true)
            var link = chain
            var end = done
            var needsRotation = false
            while end < batch.count && buffer.count < Self.chunkBytes {
                let lineStart = buffer.count
                let hash = encoder.encode(batch[end].event, seq: link.seq + 1, prev: link.hash, into: &buffer)
                // A line that does not fit starts the next file; alone in an empty file it always fits.
                if !rotationFailed && file.size + buffer.count > maxFileBytes && file.size + lineStart > 0 {
                    buffer.removeSubrange(lineStart...)
                    needsRotation = true
                    break
                }
                link = AuditChainLink(seq: link.seq + 1, prev: link.hash, hash: hash)
                end += 1
            }
            if !buffer.isEmpty {
                if let code = fault ?? file.append(buffer) {
                    failure = "cannot write \(file.path): \(describe(code))"
                    break
                }
                chain = link
                userEventsWritten += batch[done..<end].lazy.filter { $0.ordinal > 0 }.count
                done = end
            }
            if needsRotation, let problem = rotate() {
                warn("\(problem); writing on past \(maxFileBytes) bytes")
                otherErrors += 1
                rotationFailed = true
            }
        }
        batch.removeFirst(done)
        return (userEventsWritten, failure)
    }

    private func rotate() -> String? {
        if fsyncPolicy != .never, let code = file.sync() {
            return "cannot fsync \(file.path) before rotating it: \(describe(code))"
        }
        return file.rotate(keepFiles: keepFiles, syncDirectory: fsyncPolicy != .never)
    }
}
