import Broadcast

extension Connection {
    /// The write side of a connection: frames waiting for the next flush, and
    /// whether the socket and the buffers can take more. A stored value, so
    /// the delivery path reaches the queue with no extra indirection.
    struct Output {
        /// Frames (and the 101 answer) waiting to be written: bounded, with
        /// per-kind policies (ticks conflate, orders never drop).
        var queue: OutboundQueue
        /// Set when the socket reported EAGAIN; the next EPOLLOUT edge resumes.
        var waitingForWritable = false
        /// Queue and TLS buffers are kept while the connection is busy (freeing
        /// them after every flush cost an allocation and a free per message) and
        /// handed back by the sweep once a whole sweep period passed with no flush.
        private var holdsBuffers = false
        private var flushedSinceSweep = false

        init(queue: OutboundQueue) {
            self.queue = queue
        }

        mutating func flushed() {
            holdsBuffers = true
            flushedSinceSweep = true
        }

        /// At a sweep: true when buffers are held and no flush happened for a
        /// whole sweep period (the caller still checks nothing is pending).
        mutating func sweepFindsIdle() -> Bool {
            if flushedSinceSweep {
                flushedSinceSweep = false
                return false
            }
            return holdsBuffers
        }

        mutating func releaseMemory() {
            holdsBuffers = false
            queue.releaseMemory()
        }
    }
}
