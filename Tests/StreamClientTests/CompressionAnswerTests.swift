import StreamClient
import WebSocket
import XCTest

/// The client's side of permessage-deflate (RFC 7692): what it offers, which
/// answers it accepts, and which fail the connection (RFC 6455 §9.1: a server
/// may only answer with what was offered).
final class CompressionAnswerTests: XCTestCase {
    func testTheOfferLetsTheServerBoundTheClientWindowAndAsksForNoServerContext() {
        XCTAssertEqual(NegotiatedCompression.offerHeader,
                       "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; server_no_context_takeover")
    }

    func testStreamdsAnswerIsAgreedWithItsWindow() throws {
        let answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=15"
        XCTAssertEqual(try NegotiatedCompression.fromAnswer([answer], offered: true),
                       NegotiatedCompression(serverWindowBits: 15, serverNoContextTakeover: true))
        XCTAssertEqual(try NegotiatedCompression.fromAnswer(["permessage-deflate; server_max_window_bits=10"], offered: true),
                       NegotiatedCompression(serverWindowBits: 10, serverNoContextTakeover: false),
                       "a server that keeps its context: the inflater keeps its window between messages")
        XCTAssertEqual(try NegotiatedCompression.fromAnswer(["PerMessage-Deflate"], offered: true)?.serverWindowBits, 15,
                       "extension names are case-insensitive; no parameter means a 15-bit window")
    }

    func testNoExtensionInTheAnswerMeansPlainMessages() throws {
        XCTAssertNil(try NegotiatedCompression.fromAnswer([], offered: true), "the server declined")
        XCTAssertNil(try NegotiatedCompression.fromAnswer([], offered: false))
        XCTAssertNil(try NegotiatedCompression.fromAnswer([" "], offered: true), "an empty header is no extension")
    }

    func testAnswersThatFailTheConnection() {
        let cases: [(name: String, values: [String], offered: Bool, says: String)] = [
            ("an extension although none was offered", ["permessage-deflate"], false, "offered no extension"),
            ("another extension", ["x-webkit-deflate-frame"], true, "not offered"),
            ("two extensions", ["permessage-deflate, permessage-deflate"], true, "not offered"),
            ("an unknown parameter", ["permessage-deflate; mystery"], true, "unknown parameter mystery"),
            ("a repeated parameter", ["permessage-deflate; server_no_context_takeover; server_no_context_takeover"], true, "repeated"),
            ("a window past 15", ["permessage-deflate; server_max_window_bits=16"], true, "server_max_window_bits"),
            ("a window with a leading zero", ["permessage-deflate; server_max_window_bits=010"], true, "server_max_window_bits"),
            ("client_max_window_bits without a value", ["permessage-deflate; client_max_window_bits"], true, "client_max_window_bits"),
            ("a value on a flag", ["permessage-deflate; server_no_context_takeover=1"], true, "takes no value"),
            ("not the header grammar", ["permessage-deflate; =15"], true, "parameter name"),
        ]
        for item in cases {
            XCTAssertThrowsError(try NegotiatedCompression.fromAnswer(item.values, offered: item.offered), item.name) { error in
                let text = (error as? NegotiatedCompression.Refusal)?.description ?? ""
                XCTAssertTrue(text.contains(item.says), "\(item.name): \(text)")
                XCTAssertTrue(text.hasPrefix("the server"), "the error names who broke the offer: \(text)")
            }
        }
    }

    /// §7.2.3.1: "Hello" in one compressed, unmasked server frame.
    func testAnAgreedReaderInflatesTheRFCExample() {
        var reader = WebSocketReader(role: .client)
        NegotiatedCompression(serverWindowBits: 15, serverNoContextTakeover: true).enable(on: &reader)
        reader.append([0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])
        XCTAssertEqual(reader.nextEvent(), .text(Array("Hello".utf8)))
        reader.append([0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])
        XCTAssertEqual(reader.nextEvent(), .text(Array("Hello".utf8)), "no context kept: the same bytes inflate again")
    }

    func testWithoutAgreementACompressedFrameIsAProtocolError() {
        var reader = WebSocketReader(role: .client)
        reader.append([0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])
        guard case .failure(let code, _)? = reader.nextEvent() else { return XCTFail("RSV1 without the extension must fail") }
        XCTAssertEqual(code, .protocolError)
    }

    func testTheConfigurationOffersByDefault() {
        XCTAssertTrue(StreamClientConfiguration(url: "wss://127.0.0.1:8443/ws", token: "t").offerCompression)
        XCTAssertFalse(StreamClientConfiguration(url: "wss://127.0.0.1:8443/ws", token: "t", offerCompression: false).offerCompression)
    }
}
