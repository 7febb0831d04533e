import Auth
import Foundation
import StreamServer

/// `--demo`: a ready-to-use trader token for the demo account and how to connect.
enum DemoAnnouncement {
    static func print(configuration: ServerConfiguration, port: UInt16, logger: Logger) {
        guard let key = configuration.auth.keys.first, FileManager.default.fileExists(atPath: configuration.auth.signingKey) else {
            logger.warning("demo feed running, but no signing key to issue a demo token with (auth.signing_key)")
            return
        }
        do {
            let issuer = try TokenIssuer(kid: key.kid, algorithm: key.algorithm, privateKeyPath: configuration.auth.signingKey)
            let token = try issuer.issue(subject: "demo-1", roles: ["trader"], ttlSeconds: 8 * 3600,
                                         now: Int64(Date().timeIntervalSince1970), issuer: configuration.auth.issuer,
                                         audience: configuration.auth.audience)
            // Written on stdout for the operator (demo only), never logged; unbuffered,
            // so it shows at once even when stdout is a pipe (scripts, systemd).
            let text = """

            demo feed running: ticks, signals and ideas for EURUSD GBPUSD USDJPY XAUUSD; orders and payloads for demo-1, demo-2
            demo trader token (demo-1, role trader, 8h):
            \(token)

            connect:  wss://127.0.0.1:\(port)/ws  with  Authorization: Bearer <token>  (trust \(configuration.caCertificate))
            subscribe: {"type":"subscribe","id":1,"channels":["tick:*","signal:*","idea:*","order:demo-1","payload:demo-1"]}


            """
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch {
            logger.warning("cannot issue the demo token", ["error": .string("\(error)")])
        }
    }
}
