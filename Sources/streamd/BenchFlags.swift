import StreamBench
import StreamClient

/// What `streamd bench` and `streamd bench soak` read the same way: the
/// target's URL, token and CA, the publisher's token, then the scenario's
/// own settings.
struct BenchFlags {
    var options = ClientOptions(defaultURL: "wss://127.0.0.1:8443/ws")
    var publisher = ClientOptions(defaultURL: "")

    /// Reads every flag (`settings` takes the scenario's); false when --help
    /// was asked for.
    mutating func read(_ reader: inout ArgumentReader,
                       settings take: (String, () throws -> String) throws -> Bool) throws -> Bool {
        while let flag = reader.nextFlag() {
            if try options.take(flag, from: &reader) { continue }
            if try take(flag, { try reader.value(for: flag) }) { continue }
            switch flag {
            case "-h", "--help": return false
            case "--publisher-token": publisher.token = try reader.value(for: flag)
            case "--publisher-token-file": publisher.tokenFile = try reader.value(for: flag)
            default: throw ArgumentReader.UsageError("unknown option \(flag)")
            }
        }
        return true
    }

    /// Where and as whom to connect; the publisher's token defaults to the
    /// subscribers'.
    func target() throws -> BenchTarget {
        let endpoint: StreamEndpoint
        do {
            endpoint = try StreamEndpoint(url: options.url)
        } catch {
            throw ArgumentReader.UsageError("bad --url: \(error.description)")
        }
        let token = try options.bearer()
        let publisherToken = publisher.token == nil && publisher.tokenFile == nil ? token : try publisher.bearer()
        return BenchTarget(endpoint: endpoint, token: token, publisherToken: publisherToken, caPath: options.caPath)
    }
}
