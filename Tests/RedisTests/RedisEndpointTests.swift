@testable import Redis
import XCTest

final class RedisEndpointTests: XCTestCase {
    func testHostPortAndDatabase() throws {
        let endpoint = try RedisEndpoint(url: "redis://127.0.0.1:6380/2")
        XCTAssertEqual(endpoint.host, "127.0.0.1")
        XCTAssertEqual(endpoint.port, 6380)
        XCTAssertEqual(endpoint.database, 2)
        XCTAssertNil(endpoint.password)
        XCTAssertEqual(endpoint.addresses.map(\.description), ["127.0.0.1:6380"])
        XCTAssertEqual(endpoint.description, "redis://127.0.0.1:6380/2")
    }

    func testDefaultsArePort6379AndDatabase0() throws {
        XCTAssertEqual(try RedisURL.parse("redis://10.0.0.5"), .init(host: "10.0.0.5", port: 6379, database: 0))
        XCTAssertEqual(try RedisURL.parse("redis://10.0.0.5/"), .init(host: "10.0.0.5", port: 6379, database: 0))
        XCTAssertEqual(try RedisURL.parse("REDIS://cache.internal:7000"), .init(host: "cache.internal", port: 7000, database: 0))
    }

    func testLocalhostResolvesToLoopback() throws {
        let endpoint = try RedisEndpoint(url: "redis://localhost")
        XCTAssertEqual(endpoint.port, 6379)
        XCTAssertFalse(endpoint.addresses.isEmpty)
        XCTAssertTrue(endpoint.addresses.allSatisfy { $0.host == "127.0.0.1" || $0.host == "::1" }, "\(endpoint.addresses)")
    }

    func testIPv6Literal() throws {
        XCTAssertEqual(try RedisURL.parse("redis://[::1]:7001/1"), .init(host: "::1", port: 7001, database: 1))
    }

    func testPasswordAndUsername() throws {
        let endpoint = try RedisEndpoint(url: "redis://:s3cret@127.0.0.1:6379")
        XCTAssertEqual(endpoint.password, "s3cret")
        XCTAssertNil(endpoint.username)
        XCTAssertEqual(endpoint.description, "redis://:***@127.0.0.1:6379/0")
        XCTAssertEqual(try RedisURL.parse("redis://app:p%40ss%3Aword@127.0.0.1/3"),
                       .init(host: "127.0.0.1", port: 6379, database: 3, username: "app", password: "p@ss:word"))
    }

    func testBadURLsAreRefusedWithTheExpectedForm() {
        let bad: [(url: String, problem: String)] = [
            ("127.0.0.1:6379", "must start with redis://"),
            ("http://127.0.0.1:6379", "must start with redis://"),
            ("rediss://127.0.0.1:6379", "TLS"),
            ("redis://", "host is missing"),
            ("redis://:6379", "host is missing"),
            ("redis://127.0.0.1:0", "port"),
            ("redis://127.0.0.1:65536", "port"),
            ("redis://127.0.0.1:abc", "port"),
            ("redis://127.0.0.1:", "port"),
            ("redis://127.0.0.1/x", "database"),
            ("redis://127.0.0.1/-1", "database"),
            ("redis://127.0.0.1/0/1", "database"),
            ("redis://127.0.0.1?db=1", "query"),
            ("redis://bad host", "not a host name"),
            ("redis://secret@127.0.0.1", "colon"),
            ("redis://:@127.0.0.1", "password is empty"),
            ("redis://[::1", "closing ]"),
        ]
        for (url, problem) in bad {
            XCTAssertThrowsError(try RedisEndpoint(url: url), url) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("--redis expects redis://HOST:PORT[/DB], got '"), "\(url): \(text)")
                XCTAssertTrue(text.contains(problem), "\(url): expected '\(problem)' in: \(text)")
            }
        }
    }

    func testErrorsNeverEchoThePassword() {
        XCTAssertThrowsError(try RedisEndpoint(url: "redis://:topsecret@127.0.0.1:notaport")) { error in
            XCTAssertFalse("\(error)".contains("topsecret"), "\(error)")
            XCTAssertTrue("\(error)".contains("redis://:***@127.0.0.1:notaport"), "\(error)")
        }
    }
}
