import Foundation
import NetCore
import StreamBench
import StreamClient

/// `streamd bench soak`: churn against a local server for a set time, then
/// judge its memory and descriptors.
enum SoakCommand {
    static let help = """
    USAGE: streamd bench soak --server-pid PID [--url wss://127.0.0.1:8443/ws]
                              (--token T | --token-file F) [--publisher-token T | --publisher-token-file F]
                              [--ca FILE] [options]

    Holds --connections subscribers on one tick channel for --duration while one
    publisher sends --publish-rate messages/s, and churns them: --churn subscribed
    connections a second close (close handshake) and open again, a --since-share of
    them resubscribing with `since` from the last seq they saw (the rest plainly).
    Connections the server drops are opened again too, and counted as failures.

    Every --sample-interval it prints one line: the server's RSS and open descriptors
    (/proc/PID/status VmRSS and the entries of /proc/PID/fd, so the server must run
    on this machine), its streamd_connections and streamd_sessions gauges (GET
    /metrics), and the bench's subscribed, churned, resumed, messages/s, seq gaps and
    failures. At the end every client closes; then a summary and the verdict.

    IT FAILS (exit status 1) WHEN
      RSS keeps growing: the least-squares line through the RSS samples taken after
        --warmup rises faster than --max-rss-slope MiB/min AND by more than --rss-noise
        MiB over the samples it covers (fewer than 3 such samples also fails);
      descriptors leak: /proc/PID/fd holds more than --fd-tolerance entries more after
        every soak client has gone (waiting up to --settle for the server to close its
        side) than before the first one connected;
      the server process exits.
    Seq gaps, duplicates and failures are reported, not judged.

    OPTIONS:
      --server-pid PID           the server's process id (required)
      --connections N            subscribers held open (default 1000)
      --duration DURATION        the soak phase, after every subscriber is up (default 10m)
      --churn N                  subscribed connections closed and reopened per second (default 50)
      --since-share RATIO        share of reopened ones that resume with since (default 0.5)
      --publish-rate R           messages per second published on the channel (default 20)
      --channel tick:NAME        the channel (default tick:SOAK)
      --sample-interval DURATION one line every (default 10s)
      --warmup DURATION          RSS samples the growth rule ignores, from the soak phase's
                                 start (default: a third of --duration)
      --max-rss-slope MIB        RSS growth allowed after the warm-up, MiB per minute (default 2)
      --rss-noise MIB            fitted rise always allowed after the warm-up, MiB (default 8)
      --fd-tolerance N           descriptors the server may hold beyond the count before (default 4)
      --settle DURATION          time the server gets to close its side at the end (default 15s)
      --open-concurrency N       connection attempts in flight (default 256)
      --threads N                client event loops (default: available cores, here \(EventLoopGroup.availableCores))
      --compression              every connection offers permessage-deflate
      --url, --token, --token-file, --publisher-token, --publisher-token-file, --ca
                                 as for the other scenarios (see streamd bench --help)
      -h, --help                 show this help

    The policy must allow the load, as for the other scenarios: policies-bench/ does
    (roles bench-subscriber and bench-publisher). Each connection holds a descriptor on
    both sides: --connections must stay under the ulimit -n of this process and of the
    server. scripts/soak.sh starts a server and runs this against it.

    EXAMPLE:
      streamd serve --policies policies-bench & pid=$!
      streamd bench soak --server-pid $pid --token-file sub.token --publisher-token-file pub.token \\
          --connections 10000 --duration 10m --churn 100
    """

    static func run(_ arguments: [String]) -> Int32 {
        var settings = SoakSettings(threads: EventLoopGroup.availableCores)
        var flags = BenchFlags()
        var parsed: BenchTarget?
        let status = CommandOutput.running("streamd bench soak", help: help) {
            var reader = ArgumentReader(arguments)
            guard try flags.read(&reader, settings: { try settings.take($0, value: $1) }) else { print(help); return 0 }
            guard reader.positionals.isEmpty else {
                throw ArgumentReader.UsageError("unexpected argument \(reader.positionals.joined(separator: " "))")
            }
            guard settings.serverPID != nil else { throw ArgumentReader.UsageError("soak needs --server-pid (it reads /proc/PID)") }
            parsed = try flags.target()
            return 0
        }
        guard let target = parsed else { return status }

        signal(SIGPIPE, SIG_IGN)
        do {
            let runner = try SoakRunner(settings: settings, target: target)
            signal(SIGINT, SIG_IGN)
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            interrupt.setEventHandler { runner.requestStop() }
            interrupt.resume()
            // Unbuffered: a line per sample, as it happens, even into a pipe.
            let outcome = try runner.run { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            print(outcome.summary)
            guard let verdict = outcome.verdict, verdict.passed else {
                return CommandOutput.failure("streamd bench soak: FAILED: "
                                             + (outcome.verdict?.failures.joined(separator: "; ") ?? "no verdict"))
            }
            return 0
        } catch {
            return CommandOutput.failure("streamd bench soak: \(error)")
        }
    }
}
