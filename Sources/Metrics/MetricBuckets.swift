/// Bucket bounds, in seconds, for the server's histograms.
public enum MetricBuckets {
    /// TCP accept to WebSocket open, TLS included: half a millisecond on
    /// loopback up to a second across a slow link.
    public static let handshake: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]

    /// Publish to write, in process: tens of microseconds when all is well,
    /// so the buckets start finer than the handshake's.
    public static let latency: [Double] = [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]
}
