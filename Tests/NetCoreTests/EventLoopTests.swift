import Glibc
import NetCore
import Synchronization
import XCTest

/// The loop on a real thread with real descriptors: cross-thread tasks, timers,
/// and edge-triggered readiness on a socket pair.
final class EventLoopTests: XCTestCase {
    func testExecuteFromAnotherThreadRunsOnTheLoop() throws {
        let group = try EventLoopGroup(loopCount: 1)
        group.start()
        defer { group.stopAndJoin() }
        let ran = Atomic<Int>(0)
        let onLoop = Atomic<Bool>(false)
        let loop = group.loops[0]
        for _ in 0..<1000 {
            loop.execute {
                ran.add(1, ordering: .relaxed)
                if loop.isInLoop { onLoop.store(true, ordering: .relaxed) }
            }
        }
        XCTAssertTrue(waitUntil { ran.load(ordering: .relaxed) == 1000 })
        XCTAssertTrue(onLoop.load(ordering: .relaxed))
    }

    func testTimerFiresOnTheLoop() throws {
        let group = try EventLoopGroup(loopCount: 1)
        group.start()
        defer { group.stopAndJoin() }
        let fired = Atomic<Bool>(false)
        let loop = group.loops[0]
        loop.execute { loop.schedule(afterNanoseconds: 10_000_000) { fired.store(true, ordering: .relaxed) } }
        XCTAssertTrue(waitUntil { fired.load(ordering: .relaxed) })
    }

    func testReadableEventArrivesForARegisteredSocket() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let group = try EventLoopGroup(loopCount: 1)
        group.start()
        defer { group.stopAndJoin() }
        let handler = RecordingHandler(fd: fds[0])
        let loop = group.loops[0]
        let box = UncheckedSendable(handler)
        loop.execute { try? loop.register(fd: box.value.fd, handler: box.value) }
        var byte: UInt8 = 42
        XCTAssertEqual(write(fds[1], &byte, 1), 1)
        XCTAssertTrue(waitUntil { handler.bytesRead.load(ordering: .relaxed) == 1 })
    }

    func testAvailableCoresIsPositive() {
        XCTAssertGreaterThan(EventLoopGroup.availableCores, 0)
    }

    private func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}

private final class RecordingHandler: IOHandler, @unchecked Sendable {
    let fd: Int32
    let bytesRead = Atomic<Int>(0)
    init(fd: Int32) { self.fd = fd }
    func handleIO(_ events: IOEvents) {
        guard events.contains(.readable) else { return }
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = read(fd, &buffer, 16)
        if n > 0 { bytesRead.add(n, ordering: .relaxed) }
    }
}

private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
