import Foundation
import XCTest
@testable import Policy

final class PolicyLoadingTests: XCTestCase {
    /// The error from loading one document named `p.json`.
    private func loadError(_ json: String, file: String = "p.json", _ line: UInt = #line) -> PolicyError? {
        loadError([(file, json)], line)
    }

    private func loadError(_ documents: [(String, String)], _ line: UInt = #line) -> PolicyError? {
        do {
            _ = try PolicySet.parse(documents: documents.map { (name: $0.0, json: $0.1) })
            XCTFail("expected a policy error", line: line)
            return nil
        } catch {
            return error
        }
    }

    private func assertError(_ json: String, field: String, problem: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = loadError(json, line) else { return }
        XCTAssertEqual(error.file, "p.json", file: file, line: line)
        XCTAssertEqual(error.field, field, file: file, line: line)
        XCTAssertEqual(error.problem, problem, file: file, line: line)
    }

    func testDescriptionNamesFileFieldAndProblem() {
        let error = loadError(#"{"roles": {"trader": {"subscribe": ["tick:*", "signal:*", "tick:**"]}}}"#, file: "policies/roles.json")
        XCTAssertEqual(error?.description,
            #"policies/roles.json: roles.trader.subscribe[2]: "tick:**" is not a valid channel pattern (one '*' at most, and only as the last character)"#)
    }

    func testInvalidPatterns() {
        assertError(#"{"roles": {"r": {"publish": ["order:{sub}*"]}}}"#, field: "roles.r.publish[0]",
                    problem: #""order:{sub}*" is not a valid channel pattern ({sub} cannot be combined with '*' (order:{sub}* would match order:acct-10 for subject acct-1))"#)
        assertError(#"{"roles": {"r": {"subscribe": ["*"]}}}"#, field: "roles.r.subscribe[0]",
                    problem: #""*" is not a valid channel pattern (no kind prefix: expected kind:name with kind one of tick, signal, order, idea, payload)"#)
        assertError(#"{"roles": {"r": {"subscribe": ["news:*"]}}}"#, field: "roles.r.subscribe[0]",
                    problem: #""news:*" is not a valid channel pattern (unknown kind "news": expected one of tick, signal, order, idea, payload)"#)
        assertError(#"{"roles": {"r": {"subscribe": ["order:{user}"]}}}"#, field: "roles.r.subscribe[0]",
                    problem: #""order:{user}" is not a valid channel pattern ('{' and '}' may appear only as the placeholder {sub})"#)
        assertError(#"{"roles": {"r": {"subscribe": ["tick:EUR USD"]}}}"#, field: "roles.r.subscribe[0]",
                    problem: #""tick:EUR USD" is not a valid channel pattern (byte 8 is not printable ASCII (0x21-0x7e; no spaces or control characters))"#)
    }

    func testUnknownFieldsAreErrors() {
        assertError(#"{"role": {}}"#, field: "role",
                    problem: "unknown field (expected one of: description, roles, clients, disabled_clients, connection, origins, defaults)")
        assertError(#"{"roles": {"trader": {"subscirbe": ["tick:*"]}}}"#, field: "roles.trader.subscirbe",
                    problem: "unknown field (expected one of: description, subscribe, publish, includes, rate_limit, max_connections)")
        assertError(#"{"roles": {"r": {"rate_limit": {"messages_per_second": 1, "burst": 2, "brust": 3}}}}"#, field: "roles.r.rate_limit.brust",
                    problem: "unknown field (expected one of: messages_per_second, burst)")
        assertError(#"{"clients": {"acct-1": {"disable": true}}}"#, field: "clients.acct-1.disable",
                    problem: "unknown field (expected one of: description, rate_limit, max_connections, disabled)")
        assertError(#"{"connection": {"max_connections_per_subject": 3}}"#, field: "connection.max_connections_per_subject",
                    problem: "unknown field (expected one of: attempts_per_minute_per_address)")
        assertError(#"{"defaults": {"max_connection": 3}}"#, field: "defaults.max_connection",
                    problem: "unknown field (expected one of: rate_limit, max_connections)")
    }

    func testWrongTypes() {
        assertError(#"[]"#, field: "(top level)", problem: "expected an object, found an array")
        assertError(#"{"roles": []}"#, field: "roles", problem: "expected an object, found an array")
        assertError(#"{"roles": {"r": {"subscribe": "tick:*"}}}"#, field: "roles.r.subscribe", problem: "expected an array, found a string")
        assertError(#"{"roles": {"r": {"subscribe": [7]}}}"#, field: "roles.r.subscribe[0]", problem: "expected a string, found a number")
        assertError(#"{"roles": {"r": {"max_connections": "5"}}}"#, field: "roles.r.max_connections", problem: "expected an integer, found a string")
        assertError(#"{"roles": {"r": {"max_connections": 2.5}}}"#, field: "roles.r.max_connections", problem: "expected an integer, found 2.5")
        assertError(#"{"clients": {"a": {"disabled": "yes"}}}"#, field: "clients.a.disabled", problem: "expected true or false, found a string")
        assertError(#"{"origins": "https://x"}"#, field: "origins", problem: "expected an array, found a string")
        assertError(#"{"disabled_clients": [null]}"#, field: "disabled_clients[0]", problem: "expected a string, found null")
    }

    func testNumbersOutOfRange() {
        assertError(#"{"defaults": {"rate_limit": {"messages_per_second": -5, "burst": 10}}}"#, field: "defaults.rate_limit.messages_per_second",
                    problem: "-5.0 is out of range (greater than 0, at most 10000000)")
        assertError(#"{"defaults": {"rate_limit": {"messages_per_second": 0, "burst": 10}}}"#, field: "defaults.rate_limit.messages_per_second",
                    problem: "0.0 is out of range (greater than 0, at most 10000000)")
        assertError(#"{"defaults": {"rate_limit": {"messages_per_second": 5, "burst": 0}}}"#, field: "defaults.rate_limit.burst",
                    problem: "0 is out of range (1...10000000)")
        assertError(#"{"defaults": {"rate_limit": {"messages_per_second": 5}}}"#, field: "defaults.rate_limit.burst",
                    problem: "missing (a rate_limit needs messages_per_second and burst)")
        assertError(#"{"roles": {"r": {"max_connections": -1}}}"#, field: "roles.r.max_connections", problem: "-1 is out of range (1...1000000)")
        assertError(#"{"connection": {"attempts_per_minute_per_address": -1}}"#, field: "connection.attempts_per_minute_per_address",
                    problem: "-1 is out of range (0...1000000)")
    }

    func testNamesAndOrigins() {
        assertError(#"{"roles": {"tra der": {}}}"#, field: "roles.tra der", problem: "a role name is 1-64 characters of A-Z a-z 0-9 _ . -")
        assertError(#"{"clients": {"": {}}}"#, field: "clients.", problem: "a subject may not be empty")
        assertError(#"{"origins": ["https://x.example/app"]}"#, field: "origins[0]",
                    problem: #""https://x.example/app" is not an origin (expected scheme://host[:port] with scheme http or https, no path, or "*")"#)
    }

    func testRoleReferences() {
        assertError(#"{"roles": {"admin": {"includes": ["viewer", "tradr"]}, "viewer": {}}}"#, field: "roles.admin.includes[1]",
                    problem: #"unknown role "tradr" (defined roles: admin, viewer)"#)
        assertError(#"{"roles": {"a": {"includes": ["b"]}, "b": {"includes": ["a"]}}}"#, field: "roles.b.includes[0]",
                    problem: "includes form a cycle: a -> b -> a")
        assertError(#"{"roles": {"a": {"includes": ["a"]}}}"#, field: "roles.a.includes[0]", problem: "includes form a cycle: a -> a")
    }

    func testInvalidJSONGivesLineAndColumn() {
        assertError("{\n  \"roles\": {\n    \"r\": {\"subscribe\": [\"tick:*\",]}\n  }\n}", field: "",
                    problem: "invalid JSON at line 3, column 34: unexpected character ']'")
        assertError("{\"roles\": {}", field: "", problem: "invalid JSON at line 1, column 13: expected ',' or '}' (a trailing comma or a missing comma?)")
        assertError("", field: "", problem: "invalid JSON at line 1, column 1: unexpected end of file")
        assertError("{\"roles\": {\"r\": {\"subscribe\": [\"tick:*\"], \"subscribe\": []}}}", field: "",
                    problem: "invalid JSON at line 1, column 43: field \"subscribe\" appears twice in the same object")
    }

    func testDuplicatesAcrossFilesNameBothFiles() {
        let role = loadError([("a.json", #"{"roles": {"trader": {}}}"#), ("b.json", #"{"roles": {"trader": {}}}"#)])
        XCTAssertEqual(role?.description, #"b.json: roles.trader: role "trader" is also defined in a.json"#)
        let client = loadError([("a.json", #"{"clients": {"acct-1": {}}}"#), ("b.json", #"{"clients": {"acct-1": {}}}"#)])
        XCTAssertEqual(client?.description, #"b.json: clients.acct-1: client "acct-1" is also defined in a.json"#)
        let setting = loadError([("a.json", #"{"defaults": {"max_connections": 1}}"#), ("b.json", #"{"defaults": {"max_connections": 2}}"#)])
        XCTAssertEqual(setting?.description, "b.json: defaults.max_connections: also set in a.json; set it in one file only")
    }

    func testMergeAcrossFiles() throws {
        let policy = try PolicySet.parse(documents: [
            (name: "a.json", json: #"{"roles": {"admin": {"includes": ["viewer"], "publish": ["tick:*"]}}, "origins": ["https://a.example"], "disabled_clients": ["x"]}"#),
            (name: "b.json", json: #"{"roles": {"viewer": {"subscribe": ["tick:*"]}}, "origins": ["https://b.example"], "disabled_clients": ["y"]}"#),
        ])
        XCTAssertEqual(policy.roleNames, ["admin", "viewer"])
        XCTAssertEqual(policy.files, ["a.json", "b.json"])
        XCTAssertTrue(policy.isOriginAllowed("https://a.example"))
        XCTAssertTrue(policy.isOriginAllowed("https://b.example"))
        XCTAssertTrue(policy.isDisabled(subject: "x"))
        XCTAssertTrue(policy.isDisabled(subject: "y"))
        let admin = try policy.entitlements(subject: "s", roles: ["admin"], channelsClaim: nil).get()
        XCTAssertTrue(admin.maySubscribe("tick:EURUSD"), "included role's patterns are inherited")
        XCTAssertTrue(admin.mayPublish("tick:EURUSD"))
        // Built-in defaults when no file sets them.
        XCTAssertEqual(policy.attemptsPerMinutePerAddress, 60)
        XCTAssertEqual(policy.maxConnectionsPerSubject, 10)
        XCTAssertEqual(admin.rateLimit, RateLimit(messagesPerSecond: 10, burst: 20))
    }

    // MARK: - Files on disk

    private var shippedPolicies: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies").path
    }

    func testShippedPoliciesLoad() throws {
        let policy = try PolicySet.load(directory: shippedPolicies)
        XCTAssertEqual(policy.files.map { ($0 as NSString).lastPathComponent }, ["clients.json", "limits.json", "roles.json"])
        XCTAssertEqual(policy.roleNames, ["ops", "producer", "trader", "viewer"])
        XCTAssertEqual(policy.attemptsPerMinutePerAddress, 60)
        XCTAssertTrue(policy.isOriginAllowed("https://localhost:8443"))
        XCTAssertTrue(policy.isDisabled(subject: "acct-banned"))
        XCTAssertTrue(policy.isDisabled(subject: "acct-7"))
        XCTAssertFalse(policy.isDisabled(subject: "acct-42"))

        let trader = try policy.entitlements(subject: "acct-1", roles: ["trader"], channelsClaim: nil).get()
        XCTAssertEqual(trader.subscribeDescriptions, ["signal:*", "order:acct-1", "payload:acct-1", "tick:*", "idea:*"])
        XCTAssertEqual(trader.rateLimit, RateLimit(messagesPerSecond: 20, burst: 40))
        XCTAssertEqual(trader.maxConnections, 5)
        let desk = try policy.entitlements(subject: "acct-42", roles: ["trader"], channelsClaim: nil).get()
        XCTAssertEqual(desk.rateLimit, RateLimit(messagesPerSecond: 100, burst: 200))
        XCTAssertEqual(desk.maxConnections, 25)
    }

    func testDirectoryErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        XCTAssertThrowsError(try PolicySet.load(directory: directory)) { error in
            XCTAssertEqual((error as? PolicyError)?.description, "\(directory): no policy files (*.json) in the directory")
        }
        try "ignored".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        try "{".write(toFile: directory + "/.swap.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PolicySet.load(directory: directory))

        try #"{"roles": {"viewer": {"subscribe": ["tick:*"]}}}"#.write(toFile: directory + "/b.json", atomically: true, encoding: .utf8)
        try #"{"roles": {"viewer": {}}}"#.write(toFile: directory + "/a.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PolicySet.load(directory: directory)) { error in
            XCTAssertEqual((error as? PolicyError)?.description, #"\#(directory)/b.json: roles.viewer: role "viewer" is also defined in \#(directory)/a.json"#)
        }
        try FileManager.default.removeItem(atPath: directory + "/a.json")
        XCTAssertEqual(try PolicySet.load(directory: directory).roleNames, ["viewer"])

        XCTAssertThrowsError(try PolicySet.load(directory: directory + "/missing")) { error in
            XCTAssertEqual((error as? PolicyError)?.problem, "not a directory")
        }
        XCTAssertThrowsError(try PolicySet.load(files: [directory + "/nope.json"])) { error in
            XCTAssertEqual((error as? PolicyError)?.problem, "cannot read the file")
        }
    }
}
