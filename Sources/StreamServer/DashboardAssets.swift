import Foundation
import WebSocket

/// The live dashboard: plain HTML, CSS and JS shipped as package resources,
/// read once at start-up and served from memory with a strict CSP.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let contentType: String
        let body: [UInt8]
    }

    private let assets: [String: Asset]

    /// URL path → file in the Dashboard folder.
    static let routes: [String: String] = [
        "/": "index.html",
        "/assets/app.css": "app.css",
        "/assets/app.js": "app.js",
        "/assets/stream-client.js": "stream-client.js",
        "/assets/ticket.js": "ticket.js",
        "/assets/position-size.js": "position-size.js",
        "/assets/use-stream.js": "use-stream.js",
    ]

    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cache-Control", "no-cache"),
    ]

    init(directory: URL?) {
        var assets: [String: Asset] = [:]
        guard let directory else {
            self.assets = [:]
            return
        }
        for (path, file) in DashboardAssets.routes {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(file)) else { continue }
            assets[path] = Asset(contentType: DashboardAssets.contentType(of: file), body: Array(data))
        }
        self.assets = assets
    }

    /// The package's own copy of the dashboard.
    static func bundled() -> DashboardAssets {
        DashboardAssets(directory: Bundle.module.resourceURL?.appendingPathComponent("Dashboard"))
    }

    var isEmpty: Bool { assets.isEmpty }

    func response(for path: String) -> HTTPResponse? {
        guard let asset = assets[path] else { return nil }
        return HTTPResponse(status: 200, headers: [("Content-Type", asset.contentType)] + DashboardAssets.securityHeaders, body: asset.body)
    }

    static func contentType(of file: String) -> String {
        if file.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if file.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if file.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        return "application/octet-stream"
    }
}
