/// What `streamd bench` runs: the scenario and its knobs. The command line
/// fills it through `take(_:value:)`; the target server and tokens travel
/// separately (`BenchTarget`).
public struct BenchSettings: Sendable, Equatable {
    public enum Scenario: String, Sendable, CaseIterable {
        case fanout, ladder, handshakes, idle
    }

    public struct SettingError: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public var scenario: Scenario = .fanout
    public var subscribers = 1000
    public var channel = "tick:BENCH"
    /// Messages per second the publisher offers (fanout).
    public var rate = 20.0
    /// The ladder's steps, in messages per second, tried in order.
    public var ladderRates: [Double] = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
    /// Seconds measured (per ladder step; the whole run for handshakes; the hold for idle).
    public var duration = 10.0
    /// Seconds of traffic before measuring starts (fanout, ladder).
    public var warmup = 2.0
    public var concurrency = 64
    public var connections = 10000
    /// Event-loop threads of the generator.
    public var threads: Int
    /// Connection attempts in flight at once while opening subscribers.
    public var openConcurrency = 256
    public var json = false
    public var serverPID: Int32?
    /// Read the server's /metrics for CPU and memory (off for servers that hide it).
    public var scrapeMetrics = true
    /// Every bench connection offers permessage-deflate and inflates what
    /// arrives compressed (`--compression`).
    public var compression = false
    /// fanout, ladder: pad each published message's `data` to about this
    /// many bytes (`--payload-bytes`); nil sends the bare ~100-byte tick.
    public var payloadBytes: Int?
    /// Ladder stop conditions.
    public var minimumDeliveryRatio = 0.999
    public var maximumP99Seconds = 0.050

    public init(threads: Int) { self.threads = Swift.max(1, threads) }

    /// Sets `scenario` from its name (the positional argument or `--scenario`).
    public mutating func setScenario(_ name: String) throws(SettingError) {
        guard let scenario = Scenario(rawValue: name) else {
            throw SettingError("unknown scenario '\(name)' (expected \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.scenario = scenario
    }

    /// Consumes `flag` when it is a bench option, asking `value` for its
    /// argument; false for flags that are not ours.
    public mutating func take(_ flag: String, value: () throws -> String) throws -> Bool {
        switch flag {
        case "--scenario": try setScenario(try value())
        case "--subscribers": subscribers = try Self.count(flag, try value())
        case "--channel": channel = try Self.tickChannel(try value(), example: "tick:BENCH")
        case "--rate": rate = try Self.positive(flag, try value())
        case "--rates":
            let text = try value()
            let rates = try text.split(separator: ",").map { try Self.positive(flag, String($0)) }
            guard !rates.isEmpty, zip(rates, rates.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw SettingError("--rates must be increasing rates separated by commas, e.g. 50,100,200 (got '\(text)')")
            }
            ladderRates = rates
        case "--duration": duration = try Self.seconds(flag, try value())
        case "--warmup": warmup = try Self.seconds(flag, try value(), allowZero: true)
        case "--concurrency": concurrency = try Self.count(flag, try value())
        case "--connections": connections = try Self.count(flag, try value())
        case "--threads": threads = try Self.count(flag, try value())
        case "--open-concurrency": openConcurrency = try Self.count(flag, try value())
        case "--server-pid": serverPID = try Self.processID(try value())
        case "--max-p99": maximumP99Seconds = try Self.seconds(flag, try value())
        case "--min-delivery":
            let ratio = try Self.positive(flag, try value())
            guard ratio <= 1 else { throw SettingError("--min-delivery is a ratio up to 1, e.g. 0.999") }
            minimumDeliveryRatio = ratio
        case "--compression": compression = true
        case "--payload-bytes":
            let bytes = try Self.count(flag, try value())
            guard bytes <= Self.maximumPayloadBytes else {
                throw SettingError("--payload-bytes is at most \(Self.maximumPayloadBytes) (got \(bytes))")
            }
            payloadBytes = bytes
        case "--json": json = true
        case "--no-metrics": scrapeMetrics = false
        default: return false
        }
        return true
    }

    /// `--channel`: one exact tick channel (the bench publishes ticks).
    static func tickChannel(_ name: String, example: String) throws(SettingError) -> String {
        guard name.hasPrefix("tick:"), name.count > 5, !name.contains("*") else {
            throw SettingError("--channel must be one exact tick: channel, e.g. \(example) (got '\(name)')")
        }
        return name
    }

    /// `--server-pid`: a process whose /proc entry the bench reads.
    static func processID(_ text: String) throws(SettingError) -> Int32 {
        guard let pid = Int32(text), pid > 0 else { throw SettingError("--server-pid expects a process id, got '\(text)'") }
        return pid
    }

    /// Well under the bench connections' 1 MiB message limit and the server's default.
    public static let maximumPayloadBytes = 60_000

    /// Durations: `10` or `10s`, `500ms`, `2m`.
    public static func seconds(_ flag: String, _ text: String, allowZero: Bool = false) throws(SettingError) -> Double {
        var digits = Substring(text)
        var factor = 1.0
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0)] where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            factor = scale
            break
        }
        guard let value = Double(digits), value.isFinite, allowZero ? value >= 0 : value > 0 else {
            throw SettingError("\(flag) expects a duration such as 10s, 500ms or 2m, got '\(text)'")
        }
        return value * factor
    }

    static func count(_ flag: String, _ text: String) throws(SettingError) -> Int {
        guard let value = Int(text), value > 0 else { throw SettingError("\(flag) expects a positive whole number, got '\(text)'") }
        return value
    }

    static func positive(_ flag: String, _ text: String) throws(SettingError) -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw SettingError("\(flag) expects a positive number, got '\(text)'")
        }
        return value
    }
}
