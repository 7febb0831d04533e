public import StreamClient

/// Where a run is aimed: the server's WebSocket endpoint and the tokens to use.
public struct BenchTarget: Sendable {
    public var endpoint: StreamEndpoint
    /// For subscribers, handshakes and idle connections.
    public var token: String
    /// For the publisher (a role that may publish to the bench channel).
    public var publisherToken: String
    public var caPath: String?

    public init(endpoint: StreamEndpoint, token: String, publisherToken: String, caPath: String?) {
        self.endpoint = endpoint
        self.token = token
        self.publisherToken = publisherToken
        self.caPath = caPath
    }
}

/// A run that could not be carried out, in words for the operator.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One measured fan-out window at one publish rate.
public struct FanoutStep: Sendable {
    public var rate: Double
    public var seconds: Double
    public var subscribers: Int
    public var offered: UInt64
    public var acked: UInt64
    public var delivered: UInt64
    public var gaps: UInt64
    public var outOfOrder: UInt64
    public var latency: LatencyHistogram
    public var disconnects: [String: Int]
    public var publishErrors: [String: Int]
    public var serverCPUSeconds: Double?
    public var serverCPUPercent: Double?
    public var benchCPUPercent: Double
    /// Subscribers that agreed on permessage-deflate.
    public var compressedSubscribers = 0
    public var wire = WireBytes()

    /// Deliveries expected: every acknowledged message to every subscriber.
    public var expected: UInt64 { acked * UInt64(subscribers) }
    public var deliveryRatio: Double { expected == 0 ? 0 : Double(delivered) / Double(expected) }
    public var offeredPerSecond: Double { Double(offered) / seconds }
    public var deliveredPerSecond: Double { Double(delivered) / seconds }
    /// Server CPU time per delivered message, in microseconds.
    public var serverMicrosecondsPerDelivery: Double? {
        guard let cpu = serverCPUSeconds, delivered > 0 else { return nil }
        return cpu / Double(delivered) * 1e6
    }

    public func isSustained(minimumRatio: Double, maximumP99Seconds: Double) -> Bool {
        guard deliveryRatio >= minimumRatio, let p99 = latency.value(atQuantile: 0.99) else { return false }
        return Double(p99) / 1e9 <= maximumP99Seconds
    }
}

public struct HandshakeOutcome: Sendable {
    public var seconds: Double
    public var concurrency: Int
    public var completed: UInt64
    /// Completed handshakes that agreed on permessage-deflate.
    public var compressed: UInt64
    public var latency: LatencyHistogram
    public var failures: [String: Int]
    public var serverCPUSeconds: Double?
    public var serverCPUPercent: Double?
    public var benchCPUPercent: Double

    public var perSecond: Double { Double(completed) / seconds }
    public var serverMicrosecondsPerHandshake: Double? {
        guard let cpu = serverCPUSeconds, completed > 0 else { return nil }
        return cpu / Double(completed) * 1e6
    }
}

public struct IdleOutcome: Sendable {
    public var connections: Int
    public var serverBefore: ServerSample?
    public var serverAfter: ServerSample?
    public var serverCPUPercentWhileIdle: Double?
    public var benchResidentBefore: Int?
    public var benchResidentAfter: Int?
    public var disconnects: Int
    /// Connections that agreed on permessage-deflate.
    public var compressed = 0

    public var serverKiBPerConnection: Double? {
        guard let before = serverBefore, let after = serverAfter, connections > 0 else { return nil }
        return (after.residentBytes - before.residentBytes) / Double(connections) / 1024
    }

    public var benchKiBPerConnection: Double? {
        guard let before = benchResidentBefore, let after = benchResidentAfter, connections > 0 else { return nil }
        return Double(after - before) / Double(connections) / 1024
    }
}

/// What the subscribers read during a window, counted by arrival: stream
/// messages, their (inflated) text, the WebSocket frames that carried them
/// (TLS plaintext) and the TLS records (what TCP carried).
public struct WireBytes: Sendable, Equatable {
    public var messages: UInt64 = 0
    public var payloadBytes: UInt64 = 0
    public var frameBytes: UInt64 = 0
    public var tlsBytes: UInt64 = 0

    public init(messages: UInt64 = 0, payloadBytes: UInt64 = 0, frameBytes: UInt64 = 0, tlsBytes: UInt64 = 0) {
        self.messages = messages
        self.payloadBytes = payloadBytes
        self.frameBytes = frameBytes
        self.tlsBytes = tlsBytes
    }

    private func perMessage(_ bytes: UInt64) -> Double? { messages == 0 ? nil : Double(bytes) / Double(messages) }
    public var payloadBytesPerMessage: Double? { perMessage(payloadBytes) }
    public var frameBytesPerMessage: Double? { perMessage(frameBytes) }
    public var tlsBytesPerMessage: Double? { perMessage(tlsBytes) }
}

/// Everything a run measured, and the table made from it.
public struct BenchResult: Sendable {
    public var scenario: BenchSettings.Scenario
    public var steps: [FanoutStep] = []
    /// The highest ladder step that met both conditions.
    public var highestSustainedRate: Double?
    public var handshakes: HandshakeOutcome?
    public var idle: IdleOutcome?
    /// Things the reader should know (metrics unreadable, the run was interrupted).
    public var notes: [String] = []
    public var table = SummaryTable()

    init(scenario: BenchSettings.Scenario) { self.scenario = scenario }
}
