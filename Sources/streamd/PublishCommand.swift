import Base
import Foundation
import StreamClient
import TextFormat

/// `streamd publish`: POST /api/v1/publish for operators and scripts.
enum PublishCommand {
    static let help = """
    USAGE: streamd publish [--url https://127.0.0.1:8443] (--token T | --token-file F) [--ca FILE]
                           CHANNEL DATA_JSON [--valid-until RFC3339] [--idempotency-key KEY]
           streamd publish ... --file BATCH.json      (an array of {"channel","data"} objects; - for stdin)

    Publishes through the server's HTTPS endpoint with a publisher token and
    prints one line per message, `order:acct-1 seq=7 epoch=k3j9x2m4q8ab`, with
    ` duplicate=true` when the server had already published its idempotency
    key on the channel within streams.idempotency_window_s: not published
    again, and the seq and epoch are the original's. Exit 0 when all were
    accepted, duplicates included.

    OPTIONS:
      --url URL            server base URL (default https://127.0.0.1:8443)
      --token T            bearer token (prefer --token-file: arguments show up in ps)
      --token-file F       file holding the token
      --ca FILE            CA to verify the server with (default certs/ca.pem if present, else the system store)
      --file F             JSON body to send as it is (object or array)
      --valid-until TIME   expiry for a signal or prepared payload
      --idempotency-key K  1-128 printable ASCII bytes naming this message, so that a retry (after a
                           timeout, say) is not published twice. With --file, give each item its own
                           "idempotency_key" field instead
      -h, --help           show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        var reader = ArgumentReader(arguments)
        var options = ClientOptions(defaultURL: "https://127.0.0.1:8443")
        var file: String?, validUntil: String?, idempotencyKey: String?
        return CommandOutput.running("streamd publish", help: help) {
            while let flag = reader.nextFlag() {
                if try options.take(flag, from: &reader) { continue }
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--file": file = try reader.value(for: flag)
                case "--valid-until": validUntil = try reader.value(for: flag)
                case "--idempotency-key": idempotencyKey = try reader.value(for: flag)
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            let bearer = try options.bearer()
            if let idempotencyKey {
                guard (1...128).contains(idempotencyKey.utf8.count), idempotencyKey.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                    throw ArgumentReader.UsageError("--idempotency-key must be 1 to 128 printable ASCII bytes")
                }
                guard file == nil else {
                    throw ArgumentReader.UsageError("--idempotency-key names one message; with --file, put \"idempotency_key\" in each item")
                }
            }
            let body: Data
            if let file {
                body = file == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                    : try Data(contentsOf: URL(fileURLWithPath: file))
            } else {
                guard reader.positionals.count == 2 else { throw ArgumentReader.UsageError("expected CHANNEL and DATA_JSON (or --file)") }
                guard let data = try? JSONReader.parse(Array(reader.positionals[1].utf8), maximumDepth: JSONReader.defaultMaximumDepth),
                      data.objectValue != nil else {
                    throw ArgumentReader.UsageError("DATA_JSON must be a JSON object, e.g. '{\"symbol\":\"EURUSD\",\"bid\":1.1,\"ask\":1.1002}'")
                }
                var item: [JSONObject.Member] = [(key: "channel", value: .string(reader.positionals[0])), (key: "data", value: data)]
                if let validUntil { item.append((key: "valid_until", value: .string(validUntil))) }
                if let idempotencyKey { item.append((key: "idempotency_key", value: .string(idempotencyKey))) }
                body = Data(JSONValue.object(JSONObject(item)).serialized.utf8)
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
            let answerJSON = try? JSONReader.parse(answer.body, maximumDepth: JSONReader.defaultMaximumDepth)
            let results = answerJSON?.objectValue?["results"]?.arrayValue ?? []
            for result in results { print(resultLine(result.objectValue ?? [:])) }
            return 0
        }
    }

    /// `order:acct-1 seq=7 epoch=E`, then ` duplicate=true` for a repeated key;
    /// no epoch from a server that sends none.
    static func resultLine(_ result: JSONObject) -> String {
        var line = "\(result["channel"].map(text) ?? "?") seq=\(result["seq"].map(text) ?? "?")"
        if let epoch = result["epoch"]?.stringValue { line += " epoch=\(epoch)" }
        if result["duplicate"] == .bool(true) { line += " duplicate=true" }
        return line
    }

    /// Strings bare, anything else as JSON text.
    private static func text(_ value: JSONValue) -> String { value.stringValue ?? value.serialized }

}
