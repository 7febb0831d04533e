import Base
import Foundation
import StreamClient
import TextFormat

/// `streamd subscribe`: a reconnecting client that prints messages as they come.
enum SubscribeCommand {
    static let help = """
    USAGE: streamd subscribe [--url wss://127.0.0.1:8443/ws] (--token T | --token-file F) [--ca FILE] [--json]
                             [--no-compression] CHANNEL...

    Subscribes to the channels and prints each message on one line; reconnects
    with backoff and recovers what it missed (since), so no message is shown
    twice or skipped in silence. It keeps each channel's position as (epoch,
    seq); for a CHANNEL pattern ending in * it also asks for channels that
    were born while it was away. Connection notices go to stderr, and so does
    one line per recovery_failed notice and per epoch change (the channel's
    numbering started over; its messages are shown, not dropped as seen):
      recovery_failed order:acct-1 reason=epoch_changed since=41 since_epoch=E1 epoch=E2 last_seq=12 replay_from=1
      epoch_changed signal:EURUSD previous_epoch=E1 previous_seq=5 epoch=E2 replay_from=1 (no recovery_failed notice)
    It offers permessage-deflate (RFC 7692): a server that agrees sends large
    messages compressed, and the connected line ends with "(permessage-deflate)".
    Exit 0 on SIGINT or SIGTERM, 1 when the server refuses the token or the
    permission (401, 403, close 4001 or 4003).

    OPTIONS:
      --url URL            server WebSocket URL (default wss://127.0.0.1:8443/ws)
      --token T            bearer token (prefer --token-file: arguments show up in ps)
      --token-file F       file holding the token
      --ca FILE            CA to verify the server with (default certs/ca.pem if present, else the system store)
      --json               print each message's JSON as received
      --heartbeat SECONDS  application ping interval, and the silence that counts as a dead link (default 15)
      --no-compression     do not offer permessage-deflate: every message arrives uncompressed
      -h, --help           show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        var reader = ArgumentReader(arguments)
        var options = ClientOptions(defaultURL: "wss://127.0.0.1:8443/ws")
        var json = false
        var heartbeat = 15.0
        var offerCompression = true
        let configuration: StreamClientConfiguration
        do {
            while let flag = reader.nextFlag() {
                if try options.take(flag, from: &reader) { continue }
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--json": json = true
                case "--heartbeat": heartbeat = try reader.number(for: flag)
                case "--no-compression": offerCompression = false
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            guard !reader.positionals.isEmpty else { throw ArgumentReader.UsageError("give at least one CHANNEL, e.g. tick:EURUSD") }
            guard heartbeat > 0 else { throw ArgumentReader.UsageError("--heartbeat must be positive") }
            let bearer = try options.bearer()
            do {
                _ = try StreamEndpoint(url: options.url)
            } catch {
                throw ArgumentReader.UsageError(error.description)
            }
            configuration = StreamClientConfiguration(url: options.url, token: bearer, caPath: options.caPath, channels: reader.positionals,
                                                      heartbeatInterval: heartbeat, offerCompression: offerCompression)
        } catch let problem as ArgumentReader.UsageError {
            return CommandOutput.usageError("streamd subscribe: \(problem)", help: help)
        } catch {
            return CommandOutput.failure("streamd subscribe: \(error)")
        }

        let printJSON = json
        let done = DispatchSemaphore(value: 0)
        let outcome = ExitStatus()
        let client = StreamConnection(configuration: configuration) { event in
            switch event {
            case .connected(let welcome):
                note("connected: session \(welcome.session) as \(welcome.subject)\(welcome.compression == nil ? "" : " (permessage-deflate)")")
            case .subscribed(let result):
                for denial in result.denied { note("denied \(denial.channel): \(denial.reason)") }
            case .message(let message):
                let line = printJSON ? message.json : MessageLine.render(message)
                // A closed pipe (`| head`) ends the command quietly.
                if !writeOut(line + "\n") { exit(0) }
            case .reply(let message):
                if message.type == "error" { note("error: \(message.dataJSON)") }
            case .recoveryFailed(let failure):
                note(RecoveryLine.render(failure))
            case .epochChanged(let change):
                // An announced change was printed with its recovery_failed line.
                if change.source == .message { note(RecoveryLine.render(change)) }
            case .disconnected(let reason, let delay):
                if let delay { note("disconnected: \(reason); reconnecting in \(String(format: "%.1f", delay)) s") }
            case .stopped(let reason):
                if !outcome.interrupted {
                    note("stopped: \(reason)")
                    outcome.status = 1
                }
                done.signal()
            }
        }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                outcome.interrupted = true
                client.stop()
            }
            source.resume()
            outcome.sources.append(source)
        }
        signal(SIGPIPE, SIG_IGN)
        client.start()
        done.wait()
        return outcome.status
    }

    /// Writes all of `text` to stdout unbuffered; false when stdout is gone.
    private static func writeOut(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            guard let n = try? syscallNoBlock("write", { bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) } }), n > 0 else {
                return false
            }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    private static func note(_ text: String) {
        FileHandle.standardError.write(Data("streamd subscribe: \(text)\n".utf8))
    }

    /// Shared between the signal handlers and the client's thread.
    private final class ExitStatus: @unchecked Sendable {
        private let lock = NSLock()
        private var _status: Int32 = 0
        private var _interrupted = false
        var sources: [DispatchSourceSignal] = []
        var status: Int32 {
            get { lock.withLock { _status } }
            set { lock.withLock { _status = newValue } }
        }
        var interrupted: Bool {
            get { lock.withLock { _interrupted } }
            set { lock.withLock { _interrupted = newValue } }
        }
    }
}

/// The stderr lines for recovery notices and epoch changes: the event's
/// name, the channel, then its fields as key=value (null: the server sent none).
enum RecoveryLine {
    static func render(_ failure: RecoveryFailure) -> String {
        var parts = ["recovery_failed", failure.channel, "reason=\(failure.reason)"]
        if let since = failure.since { parts.append("since=\(since)") }
        if let sinceEpoch = failure.sinceEpoch { parts.append("since_epoch=\(sinceEpoch)") }
        parts += ["epoch=\(text(failure.epoch))", "last_seq=\(text(failure.lastSeq))", "replay_from=\(text(failure.replayFrom))"]
        if !failure.skippedChannels.isEmpty { parts.append("channels=\(failure.skippedChannels.joined(separator: ","))") }
        return parts.joined(separator: " ")
    }

    static func render(_ change: EpochChange) -> String {
        var line = "epoch_changed \(change.channel) previous_epoch=\(text(change.previous.epoch)) previous_seq=\(change.previous.seq)"
        line += " epoch=\(text(change.epoch)) replay_from=\(text(change.replayFrom))"
        return change.source == .message ? line + " (no recovery_failed notice)" : line
    }

    private static func text<T: CustomStringConvertible>(_ value: T?) -> String { value?.description ?? "null" }
}

/// `08:00:01.123 tick:EURUSD #42 bid=1.085 ask=1.08503`: the time of day of
/// the message's timestamp, its channel and seq, then `data` as key=value.
enum MessageLine {
    static func render(_ message: StreamMessage) -> String {
        var parts: [String] = []
        if let timestamp = message.timestamp, let t = timestamp.firstIndex(of: "T") {
            parts.append(String(timestamp[timestamp.index(after: t)...].prefix { $0 != "Z" && $0 != "+" }))
        }
        parts.append(message.channel ?? message.type)
        if let seq = message.seq { parts.append("#\(seq)") }
        for (key, value) in message.dataValue.sorted(by: { $0.key < $1.key }) { parts.append("\(key)=\(text(value))") }
        return parts.joined(separator: " ")
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): return string.contains(" ") ? "\"\(string)\"" : string
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array, .object: return value.serialized
        case .number(let number):
            guard let double = number.double else { return number.literal }
            // Prices read as decimals (0.00009, not 9e-05); integers without a point.
            if double.rounded() == double && abs(double) < 1e15 { return String(Int64(double)) }
            if abs(double) >= 1e-6 && abs(double) < 1e15 {
                var text = String(format: "%.8f", double)
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
                return text
            }
            return number.literal
        }
    }
}
