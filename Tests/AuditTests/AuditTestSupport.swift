import Foundation
import XCTest

@testable import Audit

/// A fresh directory per test, removed afterwards.
class AuditTestCase: XCTestCase {
    private(set) var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "audit-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var logPath: String { directory + "/audit.log" }

    /// Opens a log, records `count` numbered events, flushes and closes it.
    @discardableResult
    func writeLog(count: Int, path: String? = nil, maxFileBytes: Int = 64 << 20, keepFiles: Int = 10) throws
        -> AuditLog
    {
        let log = try AuditLog(path: path ?? logPath, maxFileBytes: maxFileBytes, keepFiles: keepFiles)
        for index in 0..<count { log.record(sampleEvent(index)) }
        XCTAssertTrue(log.flush())
        log.close()
        return log
    }

    func sampleEvent(_ index: Int) -> AuditEvent {
        AuditEvent(
            event: index % 3 == 0 ? "connect" : "subscribe", outcome: index % 2 == 0 ? "refused" : "accepted",
            reason: index % 2 == 0 ? "expired" : nil, session: "s-\(index)", remote: "127.0.0.1",
            subject: "acct-\(index % 4)", jti: "jti-\(index)", kid: "k1",
            details: [("channel", "fx.eurusd"), ("n", .int(Int64(index)))],
            timeMilliseconds: 1_795_766_400_000 + Int64(index) * 1000)
    }

    func lines(of path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var result = text.components(separatedBy: "\n")
        if result.last == "" { result.removeLast() }
        return result
    }

    func write(lines: [String], to path: String, finalNewline: Bool = true) throws {
        let text = lines.joined(separator: "\n") + (finalNewline ? "\n" : "")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func object(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// Member names in the order they appear in a raw line.
    func keys(ofLine line: String) -> [String] {
        var result: [String] = []
        var depthZeroKey = true
        var index = line.startIndex
        var inString = false
        var current = ""
        var escaped = false
        while index < line.endIndex {
            let character = line[index]
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    let next = line.index(after: index)
                    if depthZeroKey && next < line.endIndex && line[next] == ":" { result.append(current) }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inString = true
                current = ""
            } else if character == "," || character == "{" {
                depthZeroKey = true
            } else if character == ":" {
                depthZeroKey = false
            }
            index = line.index(after: index)
        }
        return result
    }
}
