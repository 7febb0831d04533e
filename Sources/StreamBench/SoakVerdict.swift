/// The two things a soak fails on, as pure rules over its samples.
///
/// Memory: RSS may climb while the server warms up (allocator arenas, TLS
/// buffers, channel history filling), but after that it must level off. The
/// rule fits a least-squares line to the samples taken after the warm-up and
/// fails when that line rises faster than `maxSlopeMiBPerMinute` AND by more
/// than `noiseMiB` over the span it covers: a steep line over a few MiB of
/// jitter is noise, a gentle line over a long run adds up to a leak.
///
/// Descriptors: the count of /proc/PID/fd once every soak client has gone
/// must be back to what it was before the first one connected, give or take
/// `fdTolerance` (files the server may open on its own, such as a rotated log).
public struct SoakVerdict: Sendable, Equatable {
    public struct Thresholds: Sendable, Equatable {
        public var warmupSeconds: Double
        public var maxSlopeMiBPerMinute: Double = 2
        public var noiseMiB: Double = 8
        public var fdTolerance = 4
    }

    /// RSS at one moment of the soak phase (seconds since it started).
    public struct RSSPoint: Sendable, Equatable {
        public var seconds: Double
        public var bytes: Double
    }

    /// MiB per minute of the fitted line (nil: fewer than 3 samples after the warm-up).
    public var slopeMiBPerMinute: Double?
    /// What the fitted line rose by between the first and last sample after the warm-up.
    public var fittedRiseMiB: Double?
    public var samplesAfterWarmup: Int
    public var fdsBefore: Int
    public var fdsAfter: Int
    /// Why the soak failed, one sentence each; empty when it passed.
    public var failures: [String]

    public var passed: Bool { failures.isEmpty }

    static let mebibyte = 1024.0 * 1024.0

    public init(rss: [RSSPoint], fdsBefore: Int, fdsAfter: Int, thresholds: Thresholds) {
        self.fdsBefore = fdsBefore
        self.fdsAfter = fdsAfter
        failures = []
        let settled = rss.filter { $0.seconds >= thresholds.warmupSeconds }
        samplesAfterWarmup = settled.count
        if let slope = Self.leastSquaresSlope(settled), let first = settled.first, let last = settled.last {
            let perMinute = slope * 60 / Self.mebibyte
            let rise = slope * (last.seconds - first.seconds) / Self.mebibyte
            slopeMiBPerMinute = perMinute
            fittedRiseMiB = rise
            if perMinute > thresholds.maxSlopeMiBPerMinute && rise > thresholds.noiseMiB {
                failures.append("RSS keeps growing after the warm-up: \(Self.format(perMinute)) MiB/min over \(settled.count) samples "
                                + "(limit \(Self.format(thresholds.maxSlopeMiBPerMinute)) MiB/min, --max-rss-slope), "
                                + "a rise of \(Self.format(rise)) MiB (noise allowance \(Self.format(thresholds.noiseMiB)) MiB, --rss-noise)")
            }
        } else {
            failures.append("only \(settled.count) RSS samples after the \(Self.format(thresholds.warmupSeconds)) s warm-up; the growth rule needs 3 "
                            + "(lengthen --duration, shorten --warmup or --sample-interval)")
        }
        if fdsAfter > fdsBefore + thresholds.fdTolerance {
            failures.append("file descriptors leak: \(fdsAfter) open after every soak client left, \(fdsBefore) before they came "
                            + "(tolerance \(thresholds.fdTolerance), --fd-tolerance)")
        }
    }

    /// The slope (bytes per second) of the least-squares line through the points; nil for fewer than 3 or no spread in time.
    public static func leastSquaresSlope(_ points: [RSSPoint]) -> Double? {
        guard points.count >= 3 else { return nil }
        let n = Double(points.count)
        let meanT = points.reduce(0) { $0 + $1.seconds } / n
        let meanY = points.reduce(0) { $0 + $1.bytes } / n
        var covariance = 0.0
        var variance = 0.0
        for point in points {
            covariance += (point.seconds - meanT) * (point.bytes - meanY)
            variance += (point.seconds - meanT) * (point.seconds - meanT)
        }
        return variance > 0 ? covariance / variance : nil
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
