import Foundation
import NetCore
import StreamBench
import StreamClient

/// `streamd bench`: load against any streamd, with a summary table at the end.
enum BenchCommand {
    static let help = """
    USAGE: streamd bench [fanout|ladder|handshakes|idle|soak] [--url wss://127.0.0.1:8443/ws]
                         (--token T | --token-file F) [--publisher-token T | --publisher-token-file F]
                         [--ca FILE] [options]

    Measures a running streamd from the outside, over real TLS WebSockets, with
    one epoll event loop per thread. A progress line goes to stderr while it
    runs; the summary table (or --json) goes to stdout.

    SCENARIOS:
      fanout      S subscribers on one tick channel, one publisher at R msgs/s: delivered/s,
                  delivery ratio, seq gaps, latency p50/p99/p99.9/max (receive time - data.t_ns)
      ladder      fanout at increasing rates (--rates) over the same connections until the
                  delivery ratio drops below --min-delivery or p99 exceeds --max-p99
      handshakes  C workers loop: TCP connect, full TLS handshake (never resumed), upgrade,
                  welcome, close: handshakes/s, connect-to-welcome p50/p99, failures by reason
      idle        open N subscribed connections, hold them: server memory per connection
                  (run it on a freshly started server: RSS keeps heap that earlier work freed,
                  and new connections reuse it, which makes the figure look smaller)
      soak        connections that churn (close, reopen, resume with since) while publishing
                  goes on, for --duration: the server's RSS, descriptors and gauges over time;
                  fails when RSS keeps growing or descriptors leak (streamd bench soak --help)

    TARGET:
      --url URL                  server WebSocket URL (default wss://127.0.0.1:8443/ws)
      --token T, --token-file F  subscriber token (subscribe to the channel; also used by handshakes, idle)
      --publisher-token T, --publisher-token-file F
                                 publisher token (publish to the channel); default: the subscriber token
      --ca FILE                  CA to verify the server with (default certs/ca.pem if present)

    OPTIONS:
      --scenario NAME            same as the positional scenario (default fanout)
      --subscribers N            fanout, ladder: subscriber connections (default 1000)
      --channel tick:NAME        the channel published and subscribed (default tick:BENCH)
      --rate R                   fanout: messages per second published (default 20)
      --rates R1,R2,...          ladder: the steps (default 10,20,50,100,200,500,1000,2000,5000)
      --min-delivery RATIO       ladder: a step is sustained at this delivery ratio or better (default 0.999)
      --max-p99 DURATION         ladder: ... and with p99 latency at most this (default 50ms)
      --duration DURATION        measured time: per step, for handshakes, or the idle hold (default 10s)
      --warmup DURATION          traffic before measuring, per step (default 2s)
      --concurrency C            handshakes: concurrent workers (default 64)
      --connections N            idle: connections to open (default 10000)
      --open-concurrency N       connection attempts in flight while opening (default 256)
      --compression              every connection offers permessage-deflate (RFC 7692) and inflates
                                 what arrives compressed; the table says how many agreed
      --payload-bytes N          fanout, ladder: pad each message's data to about N bytes with
                                 signal-shaped JSON (default: a bare ~100-byte tick); data.t_ns stays
      --threads N                generator event loops (default: available cores, here \(EventLoopGroup.availableCores))
      --server-pid PID           read the server's CPU and memory from /proc/PID (a local server)
                                 instead of its GET /metrics
      --no-metrics               do not read the server's CPU and memory at all
      --json                     print the result as one JSON object instead of the table
      -h, --help                 show this help

    THE SERVER'S POLICY MUST ALLOW THE LOAD. Every connection is an attempt from one
    address and one token subject, so the target's policy needs
      connection.attempts_per_minute_per_address: 0 (unlimited), or above the attempt rate;
      max_connections of the tokens' role (or client entry) above the connection count;
      rate_limit of the publisher's role above --rate;
    and the server's limits.max_connections and open-file limit (ulimit -n) above the
    connection count. policies-bench/ is such a policy (roles bench-subscriber and
    bench-publisher); see "Benchmarking" in README.md. Refusals name the setting to change.

    Latency compares the publisher's and the subscriber's CLOCK_REALTIME: both run in this
    process, so it is exact against any server. Server CPU is read from process_cpu_seconds_total
    in the server's /metrics at the edges of the measured window, and shown as % of one core and
    as CPU time per delivered message (fanout) or per handshake; bench CPU shows when the
    generator itself is the limit (near 100 % per thread). Bytes per message (fanout, ladder)
    are what the subscribers read during the window, by arrival, divided by the stream messages
    that arrived: WebSocket frames (TLS plaintext) and TLS records (what TCP carried).

    EXAMPLE:
      streamd serve --policies policies-bench &
      streamd token issue --policies policies-bench --sub bench --role bench-subscriber > sub.token
      streamd token issue --policies policies-bench --sub bench-feed --role bench-publisher > pub.token
      streamd bench fanout --token-file sub.token --publisher-token-file pub.token --subscribers 1000 --rate 50
      streamd bench fanout --token-file sub.token --publisher-token-file pub.token --compression --payload-bytes 2000
    """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.first == "soak" || arguments.first == "--scenario" && arguments.dropFirst().first == "soak" {
            return SoakCommand.run(Array(arguments.drop { $0 == "soak" || $0 == "--scenario" }))
        }
        var settings = BenchSettings(threads: EventLoopGroup.availableCores)
        var flags = BenchFlags()
        var parsed: (target: BenchTarget, probe: ServerProbe)?
        let status = CommandOutput.running("streamd bench", help: help) {
            var reader = ArgumentReader(arguments)
            guard try flags.read(&reader, settings: { try settings.take($0, value: $1) }) else { print(help); return 0 }
            switch reader.positionals.count {
            case 0: break
            case 1: try settings.setScenario(reader.positionals[0])
            default: throw ArgumentReader.UsageError("expected one scenario, got \(reader.positionals.joined(separator: " "))")
            }
            let target = try flags.target()
            if let pid = settings.serverPID {
                parsed = (target, .process(pid))
            } else {
                parsed = (target, settings.scrapeMetrics ? .metrics(target.endpoint, caPath: target.caPath) : .none)
            }
            return 0
        }
        guard let (target, probe) = parsed else { return status }

        signal(SIGPIPE, SIG_IGN)
        let progress = ProgressWriter()
        do {
            let runner = try BenchRunner(settings: settings, target: target, probe: probe) { progress.show($0) }
            signal(SIGINT, SIG_IGN)
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            interrupt.setEventHandler { runner.requestStop() }
            interrupt.resume()
            let result = try runner.run()
            progress.finish()
            print(settings.json ? result.table.json() : result.table.render(), terminator: settings.json ? "\n" : "")
            return 0
        } catch {
            progress.finish()
            return CommandOutput.failure("streamd bench: \(error)")
        }
    }

    /// The progress line: rewritten in place on a terminal, one line per update otherwise.
    private final class ProgressWriter: @unchecked Sendable {
        private let inPlace = isatty(STDERR_FILENO) == 1
        private var shown = false

        func show(_ line: String) {
            let text = inPlace ? "\r\u{1B}[K" + line : line + "\n"
            FileHandle.standardError.write(Data(text.utf8))
            shown = true
        }

        func finish() {
            if inPlace && shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            shown = false
        }
    }
}
