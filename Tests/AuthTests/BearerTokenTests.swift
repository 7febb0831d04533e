import Auth
import XCTest

final class BearerTokenTests: XCTestCase {
    private func extract(authorization: String? = nil, subprotocols: [String] = [], query: String? = nil,
                         allowQuery: Bool = false) -> (String, BearerToken.Source)? {
        BearerToken.extract(authorization: authorization, subprotocols: subprotocols, query: query, allowQuery: allowQuery)
            .map { ($0.token, $0.source) }
    }

    func testAuthorizationHeaderWithAnyCaseOfScheme() {
        for header in ["Bearer a.b.c", "bearer a.b.c", "BEARER a.b.c"] {
            XCTAssertEqual(extract(authorization: header)?.0, "a.b.c", header)
            XCTAssertEqual(extract(authorization: header)?.1, .header, header)
        }
    }

    func testMalformedAuthorizationHeadersYieldNothing() {
        for header in ["Bearer", "Bearer ", "Bearer  a.b.c", "Bearer a.b.c extra", "Basic dXNlcjpwYXNz", "Bearera.b.c",
                       "Bearer a\tb"] {
            XCTAssertNil(extract(authorization: header), header)
        }
    }

    func testSubprotocolCarriesTheTokenForBrowsers() {
        let found = extract(subprotocols: ["stream.v1", " bearer.a.b.c"])
        XCTAssertEqual(found?.0, "a.b.c")
        XCTAssertEqual(found?.1, .subprotocol)
        XCTAssertNil(extract(subprotocols: ["stream.v1"]))
        XCTAssertNil(extract(subprotocols: ["bearer."]))
    }

    func testTwoSubprotocolTokensAreAmbiguousAndYieldNothing() {
        XCTAssertNil(extract(subprotocols: ["bearer.a.b.c", "bearer.d.e.f"]))
    }

    func testHeaderWinsOverSubprotocolAndQuery() {
        let found = extract(authorization: "Bearer h.h.h", subprotocols: ["bearer.s.s.s"], query: "access_token=q.q.q",
                            allowQuery: true)
        XCTAssertEqual(found?.0, "h.h.h")
        XCTAssertEqual(found?.1, .header)
    }

    func testAMalformedHeaderFallsBackToTheSubprotocol() {
        XCTAssertEqual(extract(authorization: "Basic x", subprotocols: ["bearer.s.s.s"])?.1, .subprotocol)
    }

    func testQueryIsIgnoredUnlessTheOperatorAllowsIt() {
        XCTAssertNil(extract(query: "access_token=q.q.q"))
        XCTAssertNil(extract(query: "access_token=q.q.q", allowQuery: false))
        let found = extract(query: "a=1&access_token=q%2Eq.q&b=2", allowQuery: true)
        XCTAssertEqual(found?.0, "q.q.q")
        XCTAssertEqual(found?.1, .query)
        XCTAssertEqual(extract(query: "?access_token=x.y.z", allowQuery: true)?.0, "x.y.z")
    }

    func testBadQueryValuesYieldNothing() {
        for query in ["access_token=", "access_token=a%2", "access_token=a%zz", "access_token=a%20b",
                      "access_token=a&access_token=b", "token=a.b.c"] {
            XCTAssertNil(extract(query: query, allowQuery: true), query)
        }
    }
}
