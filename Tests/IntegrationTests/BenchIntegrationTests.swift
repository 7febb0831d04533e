import Foundation
import StreamBench
import StreamClient
import XCTest

/// `streamd bench` scenarios against the real server, through the StreamBench
/// library, with the shipped policies-bench/. Correctness only: every
/// message delivered in order, handshakes complete, metrics parsed. No
/// assertion on speed.
final class BenchIntegrationTests: XCTestCase {
    var server: TestServer!

    static let benchPolicies: [String: String] = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies-bench")
        var files: [String: String] = [:]
        for name in ["roles.json", "limits.json"] {
            files[name] = try! String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        return files
    }()

    override func setUpWithError() throws {
        server = try TestServer(policies: Self.benchPolicies)
    }
    override func tearDown() { server?.stop() }

    private func target() throws -> BenchTarget {
        BenchTarget(endpoint: try StreamEndpoint(url: "wss://127.0.0.1:\(server.port)/ws"),
                    token: TestServer.token(sub: "bench", roles: ["bench-subscriber"]),
                    publisherToken: TestServer.token(sub: "bench-feed", roles: ["bench-publisher"]),
                    caPath: server.caPath)
    }

    private func settings(_ scenario: BenchSettings.Scenario) -> BenchSettings {
        var settings = BenchSettings(threads: 2)
        settings.scenario = scenario
        settings.duration = 1
        settings.warmup = 0.5
        return settings
    }

    func testMetricsCarryTheProcessFigures() throws {
        let sample = try ServerProbe.metrics(try target().endpoint, caPath: server.caPath).sample()
        XCTAssertNotNil(sample)
        XCTAssertGreaterThan(sample!.residentBytes, 0)
        XCTAssertGreaterThan(sample!.cpuSeconds, 0)
    }

    func testFanoutDeliversEveryMessageInOrder() throws {
        var settings = settings(.fanout)
        settings.subscribers = 20
        settings.rate = 50
        let result = try BenchRunner(settings: settings, target: try target(), probe: .metrics(try target().endpoint, caPath: server.caPath)).run()
        let step = try XCTUnwrap(result.steps.first)
        XCTAssertEqual(step.subscribers, 20)
        XCTAssertGreaterThan(step.acked, 0)
        XCTAssertEqual(step.offered, step.acked, "every publish in the window was acknowledged")
        XCTAssertEqual(step.delivered, step.acked * 20, "every subscriber got every message")
        XCTAssertEqual(step.deliveryRatio, 1)
        XCTAssertEqual(step.gaps, 0)
        XCTAssertEqual(step.outOfOrder, 0)
        XCTAssertTrue(step.disconnects.isEmpty, "\(step.disconnects)")
        XCTAssertTrue(step.publishErrors.isEmpty, "\(step.publishErrors)")
        XCTAssertEqual(step.latency.count, step.delivered)
        XCTAssertNotNil(step.serverCPUSeconds, "server CPU read from /metrics: \(result.notes)")
        XCTAssertTrue(result.notes.isEmpty, "\(result.notes)")
        XCTAssertEqual(result.table.value("delivery_ratio"), .number(1, decimals: 4))
    }

    func testHandshakesCompleteWithoutFailures() throws {
        var settings = settings(.handshakes)
        settings.concurrency = 4
        let result = try BenchRunner(settings: settings, target: try target(), probe: .metrics(try target().endpoint, caPath: server.caPath)).run()
        let outcome = try XCTUnwrap(result.handshakes)
        XCTAssertGreaterThan(outcome.completed, 0)
        XCTAssertEqual(outcome.failures, [:])
        XCTAssertEqual(outcome.latency.count, outcome.completed)
        XCTAssertNotNil(outcome.serverMicrosecondsPerHandshake, "\(result.notes)")
    }

    func testIdleConnectionsAreCountedAndMeasured() throws {
        var settings = settings(.idle)
        settings.connections = 30
        let result = try BenchRunner(settings: settings, target: try target(), probe: .metrics(try target().endpoint, caPath: server.caPath)).run()
        let outcome = try XCTUnwrap(result.idle)
        XCTAssertEqual(outcome.connections, 30)
        XCTAssertEqual(outcome.disconnects, 0)
        XCTAssertNotNil(outcome.serverKiBPerConnection)
    }

    func testARefusedTokenIsAClearError() throws {
        var settings = settings(.fanout)
        settings.subscribers = 2
        var target = try target()
        target.token = TestServer.token(sub: "bench", roles: ["no-such-role"])
        XCTAssertThrowsError(try BenchRunner(settings: settings, target: target, probe: .none).run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("the server refused the subscriber token: 403 "), text)
        }
    }

    func testAPublisherWithoutPublishRightsIsAClearError() throws {
        var settings = settings(.fanout)
        settings.subscribers = 2
        var target = try target()
        target.publisherToken = target.token
        XCTAssertThrowsError(try BenchRunner(settings: settings, target: target, probe: .none).run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("the server refused to publish to tick:BENCH: "), text)
        }
    }
}
