import Foundation
import StreamServer
import XCTest

/// The shipped sample configuration is valid and documents the defaults.
final class ConfigurationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testSampleConfigurationDecodesToTheDefaults() throws {
        let data = try Data(contentsOf: ConfigurationTests.root.appendingPathComponent("streamd.sample.json"))
        let sample = try JSONDecoder().decode(ServerConfiguration.self, from: data)
        XCTAssertEqual(sample, ServerConfiguration(), "streamd.sample.json should list the defaults")
        XCTAssertEqual(sample.limits.problems(), [])
    }

    func testPartialConfigurationKeepsOtherDefaults() throws {
        let json = #"{"port": 9443, "limits": {"max_message_bytes": 1024}}"#
        let configuration = try JSONDecoder().decode(ServerConfiguration.self, from: Data(json.utf8))
        XCTAssertEqual(configuration.port, 9443)
        XCTAssertEqual(configuration.limits.maxMessageBytes, 1024)
        XCTAssertEqual(configuration.limits.maxHeaderBytes, 8192)
    }

    func testLimitProblemsNameTheField() {
        var limits = ServerLimits()
        limits.maxHeaderBytes = 10
        limits.heartbeatInterval = 0
        let problems = limits.problems()
        XCTAssertTrue(problems.contains { $0.contains("limits.max_header_bytes") })
        XCTAssertTrue(problems.contains { $0.contains("limits.heartbeat_interval_s") })
    }

    func testStartupErrorsNameTheFile() throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.certificate = "/nonexistent/server.pem"
        configuration.privateKey = "/nonexistent/server.key"
        XCTAssertThrowsError(try Server(configuration: configuration, logger: Logger(minimumLevel: .error))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/server.pem"), "\(error)")
        }
    }

    func testMissingPolicyDirectoryIsAClearStartupError() throws {
        XCTAssertThrowsError(try TestServer { $0.policyDirectory = "/nonexistent/policies" }) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/policies"), "\(error)")
        }
    }
}
