import Foundation
import XCTest

@testable import Audit
import TextFormat

/// The bytes of a line are the contract between the writer, `verify`, and any auditor's
/// own tooling, so they are pinned here byte for byte (hashes computed independently
/// with Python's hashlib).
final class AuditLineFormatTests: AuditTestCase {
    static let zeros = String(repeating: "0", count: 64)

    func testKnownLinesAreExactlyTheDocumentedBytes() throws {
        let log = try AuditLog(path: logPath)
        log.record(
            AuditEvent(
                event: "connect", outcome: "refused", reason: "expired", session: "s1", remote: "127.0.0.1",
                subject: "acct-1", jti: "j1", kid: "k1",
                details: [("channel", "fx.eurusd"), ("close_code", 1008), ("ratio", 0.5), ("ok", false)],
                timeMilliseconds: 1_795_766_400_123))
        log.record(AuditEvent(event: "disconnect", outcome: "closed", timeMilliseconds: 1_795_766_401_000))
        log.close()

        let first = "09d4599e32bd0779d29294ccf1a95c03a8558d7166177889147b737f33efd1d0"
        let second = "cfbbb50e8a8e8e0b44b2d44aab0dfb40de37922c5b99ce6180a690390650026c"
        let expected =
            #"{"seq":1,"time":"2026-11-27T08:00:00.123Z","event":"connect","outcome":"refused","reason":"expired","#
            + #""session":"s1","remote":"127.0.0.1","subject":"acct-1","jti":"j1","kid":"k1","channel":"fx.eurusd","#
            + #""close_code":1008,"ratio":0.5,"ok":false,"prev":"\#(Self.zeros)","hash":"\#(first)"}"# + "\n"
            + #"{"seq":2,"time":"2026-11-27T08:00:01.000Z","event":"disconnect","outcome":"closed","#
            + #""prev":"\#(first)","hash":"\#(second)"}"# + "\n"
        XCTAssertEqual(try String(contentsOfFile: logPath, encoding: .utf8), expected)
        XCTAssertEqual(AuditVerifier.verify(files: [logPath]).lastHash, second)
    }

    func testAbsentOptionalFieldsAreOmitted() throws {
        let log = try AuditLog(path: logPath)
        log.record(AuditEvent(event: "policy_reload", outcome: "ok"))
        log.record(AuditEvent(event: "connect", outcome: "accepted", reason: "", subject: ""))
        log.close()
        let written = try lines(of: logPath)
        XCTAssertEqual(keys(ofLine: written[0]), ["seq", "time", "event", "outcome", "prev", "hash"])
        XCTAssertEqual(keys(ofLine: written[1]), ["seq", "time", "event", "outcome", "reason", "subject", "prev", "hash"])
    }

    func testHostileStringsAreEscapedRoundTripAndVerify() throws {
        let hostile = [
            #"quote " and backslash \ and \" both"#,
            "line\nbreak\r\ncarriage\ttab",
            "nul \u{0} bell \u{7} escape \u{1B}[31m del \u{7F} c1 \u{85}",
            "separators \u{2028} \u{2029}",
            "unicode é ü 日本語 🚀 \u{FEFF}",
            #"{"seq":999,"hash":"forged"}"#,
        ]
        let log = try AuditLog(path: logPath)
        for (index, text) in hostile.enumerated() {
            log.record(
                AuditEvent(
                    event: "subscribe", outcome: "denied", reason: text, subject: text,
                    details: [("channel", .string(text)), (text, .int(Int64(index)))]))
        }
        log.close()

        let written = try lines(of: logPath)
        XCTAssertEqual(written.count, hostile.count, "no raw newline may split a line")
        for (index, text) in hostile.enumerated() {
            let parsed = try object(written[index])
            XCTAssertEqual(parsed["reason"] as? String, text)
            XCTAssertEqual(parsed["subject"] as? String, text)
            XCTAssertEqual(parsed["channel"] as? String, text)
            XCTAssertEqual((parsed[text] as? NSNumber)?.intValue, index)
            XCTAssertFalse(written[index].utf8.contains(0x1B), "no raw terminal escape")
        }
        XCTAssertTrue(AuditVerifier.verify(files: [logPath]).isValid)
    }

    func testEscapingIsFixedByteForByte() {
        func escaped(_ text: String) -> String {
            var bytes: [UInt8] = []
            AuditLineEncoder.appendString(text, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        XCTAssertEqual(escaped(#"a"b\c"#), #""a\"b\\c""#)
        XCTAssertEqual(escaped("\n\r\t\u{8}\u{C}"), #""\n\r\t\b\f""#)
        XCTAssertEqual(escaped("\u{0}\u{1F}\u{7F}\u{9F}\u{2028}\u{2029}"), #""\u0000\u001f\u007f\u009f\u2028\u2029""#)
        XCTAssertEqual(escaped("é🚀/<>"), "\"é🚀/<>\"")
    }

    func testNoTokenOrOtherCredentialIsEverWritten() throws {
        let secret = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.c2ln"
        let log = try AuditLog(path: logPath)
        log.record(
            AuditEvent(
                event: "connect", outcome: "refused", reason: "bad_signature", session: "s1", remote: "10.0.0.1",
                subject: "acct-1", jti: "j1", kid: "k1",
                details: [
                    ("token", .string(secret)), ("access_token", .string(secret)), ("refreshToken", .string(secret)),
                    ("jwt", .string(secret)), ("Authorization", .string("Bearer " + secret)),
                    ("password", .string(secret)), ("secret", .string(secret)), ("cookie", .string(secret)),
                    ("channel", "fx.eurusd"), ("status", 401),
                ]))
        log.close()

        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        XCTAssertFalse(text.contains(secret))
        let line = try XCTUnwrap(lines(of: logPath).first)
        XCTAssertEqual(
            keys(ofLine: line),
            ["seq", "time", "event", "outcome", "reason", "session", "remote", "subject", "jti", "kid", "channel",
             "status", "prev", "hash"])
        XCTAssertFalse(try object(line).keys.contains { $0.lowercased().contains("token") })
        XCTAssertTrue(AuditVerifier.verify(files: [logPath]).isValid)
    }

    func testDetailsCannotImpersonateFixedMembersOrRepeat() throws {
        let log = try AuditLog(path: logPath)
        log.record(
            AuditEvent(
                event: "publish", outcome: "allowed",
                details: [("seq", 1), ("hash", "x"), ("outcome", "accepted"), ("bytes", 1), ("bytes", 2)]))
        log.close()
        let line = try XCTUnwrap(lines(of: logPath).first)
        XCTAssertEqual(
            keys(ofLine: line),
            ["seq", "time", "event", "outcome", "detail_seq", "detail_hash", "detail_outcome", "bytes", "prev", "hash"])
        XCTAssertEqual(try object(line)["outcome"] as? String, "allowed")
        XCTAssertEqual((try object(line)["bytes"] as? NSNumber)?.intValue, 1)
        XCTAssertTrue(AuditVerifier.verify(files: [logPath]).isValid)
    }

    func testNumberSpellings() throws {
        let log = try AuditLog(path: logPath)
        log.record(
            AuditEvent(
                event: "disconnect", outcome: "closed",
                details: [
                    ("duration_ms", .int(-5)), ("big", .int(.max)), ("tenth", 0.1), ("whole", 100.0),
                    ("tiny", 1e-5), ("nan", .double(.nan)), ("inf", .double(.infinity)), ("yes", true),
                ], timeMilliseconds: 0))
        log.close()
        let line = try XCTUnwrap(lines(of: logPath).first)
        XCTAssertTrue(
            line.contains(
                #""time":"1970-01-01T00:00:00.000Z","event":"disconnect","outcome":"closed","duration_ms":-5,"#
                    + #""big":9223372036854775807,"tenth":0.1,"whole":100.0,"tiny":1e-05,"nan":null,"inf":null,"yes":true,"#
            ), line)
        XCTAssertNotNil(try? object(line))
    }

    func testTimeFormatting() {
        XCTAssertEqual(RFC3339.format(milliseconds: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(RFC3339.format(milliseconds: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(RFC3339.format(milliseconds: 1_709_251_199_007), "2024-02-29T23:59:59.007Z")
        XCTAssertEqual(RFC3339.format(milliseconds: 1_795_766_400_123), "2026-11-27T08:00:00.123Z")
        XCTAssertEqual(RFC3339.format(milliseconds: .max), "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(RFC3339.format(milliseconds: .min), "0000-01-01T00:00:00.000Z")
    }

    func testFsyncPolicySpellingsMatchTheConfigFile() throws {
        XCTAssertEqual(AuditFsync(rawValue: "never"), .never)
        XCTAssertEqual(AuditFsync(rawValue: "on_flush"), .onFlush)
        XCTAssertEqual(AuditFsync(rawValue: "every_batch"), .everyBatch)
        let decoded = try JSONDecoder().decode([AuditFsync].self, from: Data(#"["every_batch"]"#.utf8))
        XCTAssertEqual(decoded, [.everyBatch])
    }
}
