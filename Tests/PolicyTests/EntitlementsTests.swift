import Foundation
import XCTest
@testable import Policy

final class EntitlementsTests: XCTestCase {
    private static let policyJSON = """
    {
      "roles": {
        "trader":   {"subscribe": ["tick:*", "signal:*", "idea:*", "order:{sub}", "payload:{sub}"],
                     "rate_limit": {"messages_per_second": 20, "burst": 40}, "max_connections": 5},
        "viewer":   {"subscribe": ["tick:*", "idea:*"], "rate_limit": {"messages_per_second": 5, "burst": 80}, "max_connections": 2},
        "producer": {"publish": ["tick:*", "signal:*", "idea:*", "order:*", "payload:*"],
                     "rate_limit": {"messages_per_second": 1000, "burst": 2000}},
        "bare":     {"subscribe": ["tick:EURUSD"]}
      },
      "clients": {"acct-42": {"rate_limit": {"messages_per_second": 3, "burst": 4}, "max_connections": 1},
                  "acct-off": {"disabled": true}},
      "disabled_clients": ["acct-banned"],
      "defaults": {"rate_limit": {"messages_per_second": 7, "burst": 9}, "max_connections": 6}
    }
    """

    private var policy: PolicySet!

    override func setUpWithError() throws {
        policy = try PolicySet.parse(documents: [(name: "test.json", json: Self.policyJSON)])
    }

    private func session(_ subject: String, _ roles: [String] = ["trader"], claim: [String]? = nil) throws -> Entitlements {
        try policy.entitlements(subject: subject, roles: roles, channelsClaim: claim).get()
    }

    func testTraderSeesOwnPrivateChannelsOnly() throws {
        let trader = try session("acct-1")
        XCTAssertTrue(trader.maySubscribe("order:acct-1"))
        XCTAssertTrue(trader.maySubscribe("payload:acct-1"))
        XCTAssertFalse(trader.maySubscribe("order:other"))
        XCTAssertFalse(trader.maySubscribe("payload:acct-2"))
        XCTAssertTrue(trader.maySubscribe("tick:EURUSD"))
        XCTAssertTrue(trader.maySubscribe("signal:*"))
        XCTAssertTrue(trader.maySubscribe("tick:EUR*"))
        XCTAssertFalse(trader.mayPublish("order:acct-1"), "subscribe does not imply publish")
        XCTAssertEqual(trader.subscribeDescriptions, ["tick:*", "signal:*", "idea:*", "order:acct-1", "payload:acct-1"])
    }

    /// Subjects chosen to turn `order:{sub}` into something wider, or into
    /// another subject's channel. None may reach `order:acct-1`.
    func testHostileSubjectsNeverReachAnotherSubjectsChannel() throws {
        let hostile = ["*", "acct*", "acct-1*", "{sub}", "a:b", "order:*", "", String(repeating: "a", count: 200),
                       "acct-1\u{301}", "аcct-1" /* Cyrillic a */, " acct-1", "acct-1 ", "acct-1\t", "acct-1\n", "acct-1\u{0}", "ACCT-1"]
        for subject in hostile {
            let entitlements = try session(subject)
            XCTAssertFalse(entitlements.maySubscribe("order:acct-1"), String(reflecting: subject))
            XCTAssertFalse(entitlements.maySubscribe("order:*"), String(reflecting: subject))
            XCTAssertFalse(entitlements.maySubscribe("order:acct-1*"), String(reflecting: subject))
            XCTAssertFalse(entitlements.subscribePatterns.contains { $0.matches("order:acct-1") }, String(reflecting: subject))
            XCTAssertFalse(entitlements.subscribePatterns.contains { $0.prefix.hasPrefix("order:") && $0.isWildcard }, String(reflecting: subject))
            // The public channels are unaffected by an odd subject.
            XCTAssertTrue(entitlements.maySubscribe("tick:EURUSD"), String(reflecting: subject))
        }
        // Unsafe subjects get no private channels at all ...
        XCTAssertEqual(try session("acct*").subscribeDescriptions, ["tick:*", "signal:*", "idea:*"])
        XCTAssertEqual(try session("").subscribeDescriptions, ["tick:*", "signal:*", "idea:*"])
        // ... and safe-but-odd ones get exactly their own literal channel.
        XCTAssertEqual(try session("{sub}").subscribeDescriptions.last, "payload:{sub}")
        XCTAssertTrue(try session("{sub}").maySubscribe("order:{sub}"))
        XCTAssertTrue(try session("a:b").maySubscribe("order:a:b"))
        XCTAssertFalse(try session("a:b").maySubscribe("order:a:*"))
    }

    /// Everything a client with subject acct-2 might send to reach acct-1's
    /// private channels, or all private channels at once.
    func testChannelNameAttacksAreDenied() throws {
        let acct2 = try session("acct-2")
        let attacks = ["order:*", "order:acct-1", "order:acct-*", "order:acct-2*", "order:acct-1*", "order:ACCT-2", "order:acct-2 ",
                       "order:acct-2\u{0}", "order:*acct-2", "*", "order:", "payload:*", "payload:acct-1", "order:{sub}",
                       "order:acct-2\u{301}", " order:acct-2", "order: acct-2", "ORDER:acct-2", "order:acct-2\n", "order:acct-20",
                       "order:acct-", "order:acct-2/..", "order:acct-2:x", "order:acct-2**", "order:" + "acct-2" + String(repeating: "x", count: 200)]
        for attack in attacks {
            XCTAssertFalse(acct2.maySubscribe(attack), String(reflecting: attack))
            XCTAssertFalse(acct2.mayPublish(attack), String(reflecting: attack))
        }
        XCTAssertTrue(acct2.maySubscribe("order:acct-2"))
        XCTAssertTrue(acct2.maySubscribe("payload:acct-2"))
    }

    func testChannelsClaimNarrowsAndNeverWidens() throws {
        let narrowed = try session("acct-1", claim: ["tick:EUR*", "order:{sub}", "order:acct-9", "payload:*", "signal:*x*", "news:*"])
        XCTAssertTrue(narrowed.maySubscribe("tick:EURUSD"))
        XCTAssertTrue(narrowed.maySubscribe("tick:EUR*"))
        XCTAssertFalse(narrowed.maySubscribe("tick:*"), "the claim covers only tick:EUR*")
        XCTAssertFalse(narrowed.maySubscribe("tick:GBPUSD"))
        XCTAssertTrue(narrowed.maySubscribe("order:acct-1"))
        XCTAssertFalse(narrowed.maySubscribe("order:acct-9"), "a claim cannot add a channel the roles do not grant")
        XCTAssertTrue(narrowed.maySubscribe("payload:acct-1"), "payload:* in the claim is cut down to the role's payload:acct-1")
        XCTAssertFalse(narrowed.maySubscribe("payload:acct-2"))
        XCTAssertFalse(narrowed.maySubscribe("payload:*"))
        XCTAssertFalse(narrowed.maySubscribe("signal:EURUSD"), "invalid claim entries allow nothing")
        XCTAssertFalse(narrowed.maySubscribe("idea:X"))
        XCTAssertEqual(narrowed.subscribeDescriptions, ["tick:EUR*", "order:acct-1", "payload:acct-1"])

        XCTAssertEqual(try session("acct-1", claim: []).subscribeDescriptions, [])
        XCTAssertFalse(try session("acct-1", claim: []).maySubscribe("tick:EURUSD"))
        // A claim wider than the roles changes nothing.
        let wide = try session("acct-1", claim: ["tick:*", "signal:*", "idea:*", "order:*", "payload:*"])
        XCTAssertEqual(wide.subscribeDescriptions, try session("acct-1").subscribeDescriptions)
        XCTAssertFalse(wide.maySubscribe("order:acct-2"))
        XCTAssertFalse(wide.maySubscribe("order:*"))
        // Hostile subject in the claim: {sub} with an unsafe subject allows nothing.
        XCTAssertEqual(try session("acct*", claim: ["order:{sub}", "tick:*"]).subscribeDescriptions, ["tick:*"])
    }

    func testChannelsClaimNarrowsPublish() throws {
        let producer = try session("feed", ["producer"])
        XCTAssertTrue(producer.mayPublish("order:acct-1"))
        XCTAssertFalse(producer.mayPublish("order:*"), "publishing to a pattern is never allowed")
        XCTAssertFalse(producer.mayPublish("tick:EUR*"))
        let narrowed = try session("feed", ["producer"], claim: ["tick:EUR*"])
        XCTAssertTrue(narrowed.mayPublish("tick:EURUSD"))
        XCTAssertFalse(narrowed.mayPublish("tick:GBPUSD"))
        XCTAssertFalse(narrowed.mayPublish("order:acct-1"))
        XCTAssertEqual(narrowed.publishPatterns.map(\.description), ["tick:EUR*"])
    }

    func testMaySubscribeAgreesWithListedPatterns() throws {
        // The welcome's list and the checks must never disagree.
        let requests = ["tick:*", "tick:EUR*", "tick:EURUSD", "signal:*", "order:acct-1", "order:*", "payload:acct-1", "idea:Z", "tick:GBP*"]
        for claim in [nil, ["tick:EUR*", "order:{sub}"], ["tick:*", "idea:X*"], []] as [[String]?] {
            let entitlements = try session("acct-1", claim: claim)
            for request in requests {
                let listed = entitlements.subscribePatterns.contains { $0.covers(ResolvedPattern(request: request)!) }
                XCTAssertEqual(entitlements.maySubscribe(request), listed, "\(request) with claim \(String(describing: claim))")
            }
        }
    }

    func testRefusals() {
        XCTAssertEqual(policy.entitlements(subject: "a", roles: ["trader", "admin"], channelsClaim: nil).failure?.reason, "unknown_role")
        XCTAssertEqual(policy.entitlements(subject: "a", roles: ["Trader"], channelsClaim: nil).failure?.reason, "unknown_role")
        XCTAssertEqual(policy.entitlements(subject: "a", roles: [], channelsClaim: nil).failure?.reason, "no_roles")
        XCTAssertEqual(policy.entitlements(subject: "acct-banned", roles: ["trader"], channelsClaim: nil).failure?.reason, "disabled")
        XCTAssertEqual(policy.entitlements(subject: "acct-off", roles: ["trader"], channelsClaim: nil).failure?.reason, "disabled")
        XCTAssertEqual(policy.entitlements(subject: "acct-off", roles: [], channelsClaim: nil).failure?.reason, "disabled", "disabled is checked first")
        XCTAssertTrue(policy.isDisabled(subject: "acct-banned"))
        XCTAssertFalse(policy.isDisabled(subject: "acct-1"))
    }

    func testLimitsCombine() throws {
        // Most generous per component among roles.
        let both = try session("acct-1", ["viewer", "trader"])
        XCTAssertEqual(both.rateLimit, RateLimit(messagesPerSecond: 20, burst: 80))
        XCTAssertEqual(both.maxConnections, 5)
        // The client entry wins over roles, even when less generous.
        let client = try session("acct-42", ["producer"])
        XCTAssertEqual(client.rateLimit, RateLimit(messagesPerSecond: 3, burst: 4))
        XCTAssertEqual(client.maxConnections, 1)
        // Defaults when no role sets one.
        let bare = try session("acct-1", ["bare"])
        XCTAssertEqual(bare.rateLimit, RateLimit(messagesPerSecond: 7, burst: 9))
        XCTAssertEqual(bare.maxConnections, 6)
        XCTAssertEqual(policy.maxConnectionsPerSubject, 6)
        XCTAssertEqual(try session("acct-1", ["producer"]).maxConnections, 6)
        // Repeated roles in a token are harmless.
        XCTAssertEqual(try session("acct-1", ["bare", "bare"]).subscribeDescriptions, ["tick:EURUSD"])
    }

    func testRateLimitEncodesWithPolicyFieldNames() throws {
        let json = try JSONEncoder().encode(RateLimit(messagesPerSecond: 2.5, burst: 4))
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        XCTAssertEqual(object?["messages_per_second"] as? Double, 2.5)
        XCTAssertEqual(object?["burst"] as? Int, 4)
    }
}

private extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
