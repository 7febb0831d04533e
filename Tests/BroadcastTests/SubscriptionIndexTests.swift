import Base
import Broadcast
import XCTest

private final class FakeSession: Subscriber {
    let name: String
    var deliveryStamp: UInt64 = 0
    init(_ name: String) { self.name = name }
}

final class SubscriptionIndexTests: XCTestCase {
    private func recipients(_ index: inout SubscriptionIndex<FakeSession>, _ channel: String) -> [String] {
        var names: [String] = []
        index.forEachSubscriber(of: channel) { names.append($0.name) }
        return names.sorted()
    }

    func testExactAndPrefixSubscriptionsMatch() {
        var index = SubscriptionIndex<FakeSession>()
        let a = FakeSession("a"), b = FakeSession("b"), c = FakeSession("c")
        index.add(.init("tick:EURUSD"), a)
        index.add(.init("tick:*"), b)
        index.add(.init("tick:EUR*"), c)
        XCTAssertEqual(recipients(&index, "tick:EURUSD"), ["a", "b", "c"])
        XCTAssertEqual(recipients(&index, "tick:GBPUSD"), ["b"])
        XCTAssertEqual(recipients(&index, "signal:EURUSD"), [])
    }

    func testOverlappingSubscriptionsDeliverOnce() {
        var index = SubscriptionIndex<FakeSession>()
        let a = FakeSession("a")
        index.add(.init("signal:EURUSD"), a)
        index.add(.init("signal:*"), a)
        index.add(.init("signal:EUR*"), a)
        XCTAssertEqual(recipients(&index, "signal:EURUSD"), ["a"])
        XCTAssertEqual(recipients(&index, "signal:EURUSD"), ["a"], "a second message is delivered again")
    }

    func testRemoveAndDuplicateAdd() {
        var index = SubscriptionIndex<FakeSession>()
        let a = FakeSession("a")
        index.add(.init("order:acct-1"), a)
        index.add(.init("order:acct-1"), a)
        XCTAssertEqual(index.subscriptionCount, 1)
        index.remove(.init("order:acct-1"), a)
        XCTAssertTrue(index.isEmpty)
        XCTAssertEqual(recipients(&index, "order:acct-1"), [])
    }

    func testPrefixDoesNotMatchAcrossKinds() {
        var index = SubscriptionIndex<FakeSession>()
        let a = FakeSession("a")
        index.add(.init("order:acct-1*"), a)
        XCTAssertEqual(recipients(&index, "order:acct-10"), ["a"], "a prefix is a prefix; policy decides whether it may be subscribed")
        XCTAssertEqual(recipients(&index, "payload:acct-1"), [])
    }

    func testChannelKinds() {
        XCTAssertEqual(ChannelKind(channel: "order:acct-1"), .order)
        XCTAssertEqual(ChannelKind(channel: "order:acct-1")?.messageType, "order_update")
        XCTAssertTrue(ChannelKind.payload.isPrivate)
        XCTAssertFalse(ChannelKind.tick.isPrivate)
        XCTAssertNil(ChannelKind(channel: "orders:x"))
        XCTAssertNil(ChannelKind(channel: "tick"))
    }
}
