extension Connection {
    /// The write side's state beside the queue: whether the socket and the
    /// buffers can take more. Only small inlined mutations touch it, so its
    /// reads on the flush path need no dynamic exclusivity check.
    struct Output {
        /// Set when the socket reported EAGAIN; the next EPOLLOUT edge resumes.
        var waitingForWritable = false
        /// Queue and TLS buffers are kept while the connection is busy (freeing
        /// them after every flush cost an allocation and a free per message) and
        /// handed back by the sweep once a whole sweep period passed with no flush.
        private var holdsBuffers = false
        private var flushedSinceSweep = false

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

        mutating func buffersReleased() {
            holdsBuffers = false
        }
    }
}
