import Foundation
import XCTest
@testable import Audit

final class ZZTimingProbe: AuditTestCase {
    func testProbe() throws {
        var t = Date()
        func lap(_ s: String) { print("PROBE \(s): \(Date().timeIntervalSince(t))"); t = Date() }
        let log = try AuditLog(path: logPath)
        lap("open")
        for i in 0..<12 { log.record(sampleEvent(i)) }
        lap("record")
        log.flush()
        lap("flush")
        log.close()
        lap("close")
        _ = AuditVerifier.verify(files: [logPath])
        lap("verify")
        try AuditQuery().run(files: [logPath]) { _ in }
        lap("query")
        _ = try lines(of: logPath).map { try object($0) }
        lap("parse")
    }
}
