/// What `streamd bench soak` runs: how many connections, how much churn and
/// publishing, for how long, and the thresholds of its verdict (`SoakVerdict`).
public struct SoakSettings: Sendable, Equatable {
    public var connections = 1000
    /// Seconds of churn and publishing after every connection is up.
    public var duration = 600.0
    /// Seconds at the start of the soak phase whose RSS the growth rule
    /// ignores; nil means a third of `duration`.
    public var warmup: Double?
    /// Subscribed connections closed (and reopened) per second, all loops together.
    public var churnPerSecond = 50.0
    /// Of the reopened connections, the share that resubscribes with `since`.
    public var sinceShare = 0.5
    /// Messages per second the one publisher sends on `channel`.
    public var publishRate = 20.0
    public var channel = "tick:SOAK"
    /// Seconds between two samples (one line each).
    public var sampleInterval = 10.0
    public var maxSlopeMiBPerMinute = 2.0
    public var noiseMiB = 8.0
    public var fdTolerance = 4
    /// How long, after the last soak client left, the server may take to
    /// close its side before the descriptors are counted for the verdict.
    public var settleSeconds = 15.0
    public var threads: Int
    public var openConcurrency = 256
    public var serverPID: Int32?
    public var compression = false

    public init(threads: Int) { self.threads = Swift.max(1, threads) }

    public var thresholds: SoakVerdict.Thresholds {
        SoakVerdict.Thresholds(warmupSeconds: warmup ?? duration / 3, maxSlopeMiBPerMinute: maxSlopeMiBPerMinute,
                               noiseMiB: noiseMiB, fdTolerance: fdTolerance)
    }

    /// Consumes `flag` when it is a soak option, asking `value` for its argument.
    public mutating func take(_ flag: String, value: () throws -> String) throws -> Bool {
        typealias S = BenchSettings
        switch flag {
        case "--connections": connections = try S.count(flag, try value())
        case "--duration": duration = try S.seconds(flag, try value())
        case "--warmup": warmup = try S.seconds(flag, try value(), allowZero: true)
        case "--churn": churnPerSecond = try Self.nonNegative(flag, try value())
        case "--since-share":
            let share = try Self.nonNegative(flag, try value())
            guard share <= 1 else { throw BenchSettings.SettingError("--since-share is a share from 0 to 1, e.g. 0.5") }
            sinceShare = share
        case "--publish-rate": publishRate = try S.positive(flag, try value())
        case "--channel": channel = try S.tickChannel(try value(), example: "tick:SOAK")
        case "--sample-interval": sampleInterval = try S.seconds(flag, try value())
        case "--max-rss-slope": maxSlopeMiBPerMinute = try Self.nonNegative(flag, try value())
        case "--rss-noise": noiseMiB = try Self.nonNegative(flag, try value())
        case "--fd-tolerance": fdTolerance = Int(try Self.nonNegative(flag, try value()))
        case "--settle": settleSeconds = try S.seconds(flag, try value())
        case "--threads": threads = try S.count(flag, try value())
        case "--open-concurrency": openConcurrency = try S.count(flag, try value())
        case "--server-pid": serverPID = try S.processID(try value())
        case "--compression": compression = true
        default: return false
        }
        return true
    }

    static func nonNegative(_ flag: String, _ text: String) throws(BenchSettings.SettingError) -> Double {
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw BenchSettings.SettingError("\(flag) expects a number of 0 or more, got '\(text)'")
        }
        return value
    }
}
