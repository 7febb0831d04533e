import Foundation
import StreamClient

/// `streamd publish`: POST /api/v1/publish for operators and scripts.
enum PublishCommand {
    static let help = """
    USAGE: streamd publish [--url https://127.0.0.1:8443] (--token T | --token-file F) [--ca FILE]
                           CHANNEL DATA_JSON [--valid-until RFC3339]
           streamd publish ... --file BATCH.json      (an array of {"channel","data"} objects; - for stdin)

    Publishes through the server's HTTPS endpoint with a publisher token and
    prints each message's channel and seq. Exit 0 when all were published.

    OPTIONS:
      --url URL            server base URL (default https://127.0.0.1:8443)
      --token T            bearer token (prefer --token-file: arguments show up in ps)
      --token-file F       file holding the token
      --ca FILE            CA to verify the server with (default certs/ca.pem if present, else the system store)
      --file F             JSON body to send as it is (object or array)
      --valid-until TIME   expiry for a signal or prepared payload
      -h, --help           show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        var reader = ArgumentReader(arguments)
        var options = ClientOptions(defaultURL: "https://127.0.0.1:8443")
        var file: String?, validUntil: String?
        do {
            while let flag = reader.nextFlag() {
                if try options.take(flag, from: &reader) { continue }
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--file": file = try reader.value(for: flag)
                case "--valid-until": validUntil = try reader.value(for: flag)
                default: throw ArgumentReader.Problem("unknown option \(flag)")
                }
            }
            let bearer = try options.bearer()
            let body: Data
            if let file {
                body = file == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                    : try Data(contentsOf: URL(fileURLWithPath: file))
            } else {
                guard reader.positionals.count == 2 else { throw ArgumentReader.Problem("expected CHANNEL and DATA_JSON (or --file)") }
                guard let data = try? JSONSerialization.jsonObject(with: Data(reader.positionals[1].utf8)), data is [String: Any] else {
                    throw ArgumentReader.Problem("DATA_JSON must be a JSON object, e.g. '{\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1.1002}'")
                }
                var item: [String: Any] = ["channel": reader.positionals[0], "data": data]
                if let validUntil { item["valid_until"] = validUntil }
                body = try JSONSerialization.data(withJSONObject: item)
            }
            let target = try StreamEndpoint(url: options.url)
            let connection = try BlockingTLSConnection(host: target.host, port: target.port, caPath: options.caPath)
            let answer = try connection.exchange(method: "POST", path: "/api/v1/publish", host: target.authority,
                                                 headers: [("Authorization", "Bearer \(bearer)"), ("Content-Type", "application/json"),
                                                           ("Connection", "close")],
                                                 body: Array(body))
            guard answer.status == 200 else {
                return CommandOutput.failure("streamd publish: \(answer.status): \(answer.bodyText)")
            }
            let results = (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?["results"] as? [[String: Any]] ?? []
            for result in results { print("\(result["channel"] ?? "?") seq=\(result["seq"] ?? "?")") }
            return 0
        } catch let problem as ArgumentReader.Problem {
            return CommandOutput.usageError("streamd publish: \(problem)", help: help)
        } catch {
            return CommandOutput.failure("streamd publish: \(error)")
        }
    }
}
