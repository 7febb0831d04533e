import Base
import Foundation
import NetCore
import Redis
import XCTest

/// One event loop on its own thread, and RedisConnections that live on it.
/// Tests talk to them only through `onLoop`, which runs a block on the loop
/// and waits for it.
final class LoopHarness: @unchecked Sendable {
    let group: EventLoopGroup
    var loop: EventLoop { group.loops[0] }

    init() throws {
        group = try EventLoopGroup(loopCount: 1)
        group.start(name: "redis-test")
    }

    func onLoop<T>(_ body: @escaping () -> T) -> T {
        let cell = Cell<T>(body)
        let done = DispatchSemaphore(value: 0)
        loop.execute {
            cell.result = cell.body()
            done.signal()
        }
        done.wait()
        return cell.result!
    }

    func shutdown() { group.stopAndJoin() }

    // @unchecked: written on the loop before the semaphore signals, read after it waits.
    private final class Cell<T>: @unchecked Sendable {
        let body: () -> T
        var result: T?
        init(_ body: @escaping () -> T) { self.body = body }
    }
}

/// A RedisConnection plus everything it reported, readable from the test thread.
final class TestConnection: @unchecked Sendable {
    // @unchecked: `connection` is touched only on the loop, through `harness.onLoop`.
    let connection: RedisConnection
    let harness: LoopHarness
    private let record = Locked(Record())

    struct Record {
        var states: [RedisConnectionState] = []
        var messages: [(channel: String, payload: [UInt8])] = []
        var hookRuns = 0
    }

    init(harness: LoopHarness, endpoint: RedisEndpoint, options: RedisConnectionOptions = .init(),
         hook: ((RedisConnection, Int, @escaping (Result<Void, RedisError>) -> Void) -> Void)? = nil) {
        self.harness = harness
        connection = RedisConnection(endpoint: endpoint, loop: harness.loop, name: "test", options: options)
        let record = record
        connection.onStateChange = { state in record.withLock { $0.states.append(state) } }
        connection.onMessage = { channel, payload in
            record.withLock { $0.messages.append((String(decoding: channel, as: UTF8.self), payload)) }
        }
        if let hook {
            connection.onConnected = { connection, done in
                let run = record.withLock { $0.hookRuns += 1; return $0.hookRuns }
                hook(connection, run, done)
            }
        }
    }

    func start() { harness.onLoop { self.connection.start() } }
    func close() { harness.onLoop { self.connection.close() } }

    var states: [RedisConnectionState] { record.withLock { $0.states } }
    var messages: [(channel: String, payload: [UInt8])] { record.withLock { $0.messages } }
    var hookRuns: Int { record.withLock { $0.hookRuns } }
    var state: RedisConnectionState { harness.onLoop { self.connection.state } }

    /// Sends one command and waits for its completion.
    func command(_ arguments: [[UInt8]], timeout: Double = 20) -> Result<RESPValue, RedisError>? {
        let answer = Locked<Result<RESPValue, RedisError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        harness.onLoop {
            self.connection.send(arguments) { result in
                answer.withLock { $0 = result }
                done.signal()
            }
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return answer.withLock { $0 }
    }

    func command(_ arguments: [String], timeout: Double = 20) -> Result<RESPValue, RedisError>? {
        command(arguments.map { Array($0.utf8) }, timeout: timeout)
    }

    /// Waits until `condition` holds, polling; false after `timeout` seconds.
    func wait(timeout: Double = 20, until condition: (TestConnection) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            MonotonicClock.sleep(milliseconds: 10)
        }
        return condition(self)
    }

    /// Waits for `.ready` reported after the first `after` state changes.
    func waitUntilReady(after: Int = 0, timeout: Double = 20) -> Bool {
        wait(timeout: timeout) { $0.states.dropFirst(after).contains(.ready) }
    }
}

/// A value shared between the loop thread and the test thread.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Lock<Value>
    init(_ value: Value) { mutex = Lock(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { withLock { $0 } }
}
