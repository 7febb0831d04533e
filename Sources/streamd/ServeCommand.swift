import Auth
import Foundation
import StreamServer

/// `streamd serve`: loads configuration (file, then flags), makes dev
/// certificates when none exist, starts the server and waits for a signal.
enum ServeCommand {
    static let help = """
    USAGE: streamd serve [options]

    Runs the wss server. Settings come from defaults, then --config FILE (JSON),
    then the flags below (flags win). See README.md "Configuration and limits".

    OPTIONS:
      --config FILE              JSON configuration file (sample: streamd.sample.json)
      --host ADDR                address to listen on (default 127.0.0.1)
      --port N                   TCP port (default 8443; 0 picks a free one)
      --loops N                  event loop threads (default: one per core)
      --cert FILE                server certificate chain, PEM (default certs/server.pem)
      --key FILE                 private key, PEM (default certs/server.key)
      --ca FILE                  CA certificate clients should trust (default certs/ca.pem)
      --no-dev-certs             never generate dev certificates; fail if files are missing
      --max-header-bytes N       request line + headers limit, 431 beyond (default 8192)
      --max-header-count N       header count limit, 431 beyond (default 64)
      --handshake-timeout S      TLS + HTTP request deadline in seconds (default 10)
      --max-message-bytes N      largest client message, close 1009 beyond (default 65536)
      --heartbeat S              server ping interval in seconds (default 30)
      --close-timeout S          wait for the peer's close frame (default 5)
      --max-connections N        open sessions before 503 (default 100000)
      --max-outbound-bytes N     bytes queued towards one client (default 4194304)
      --no-compression           do not negotiate permessage-deflate (RFC 7692; on by default)
      --compression-level N      zlib level 0-9 for stream messages (default 1)
      --compression-min-bytes N  smaller messages go uncompressed (default 256)
      --compression-client-no-context-takeover on|off
                                 ask clients to compress each message alone (default on)
      --compression-client-max-window-bits N
                                 largest window clients may compress with, 8-15 (default 15)
      --log-format text|json     log line format (default text)
      --log-level LEVEL          debug, info, warning or error (default info)
      --demo                     run the simulated market feed (all five streams) and print a demo token
      --data-dir DIR             durable history of private streams (default data/streams)
      --redis URL                run as one of several instances sharing redis://HOST:PORT[/DB]
                                 (publishes, seq, history and per-subject caps span instances)
      --redis-prefix P           prefix of streamd's Redis keys and channels (default streamd:)
      --policies DIR             policy directory (default policies); reloaded on SIGHUP and on change
      --audit-log FILE           audit log path (default data/audit.jsonl)
      --jwt-key KID:ALG:FILE     a token verification key (repeatable; replaces the dev key)
      --issuer ISS               required iss claim
      --audience AUD             required aud claim
      --revocations FILE         revoked jti list, one per line
      --allow-query-token        accept ?access_token= on /ws (off by default: URLs get logged)
      --port-file FILE           write the bound port here once listening (for scripts)
      -h, --help                 show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        let logger: Logger
        let configuration: ServerConfiguration
        var portFile: String?
        do {
            (configuration, portFile) = try parse(arguments)
            logger = Logger(format: configuration.logFormat, minimumLevel: configuration.logLevel)
        } catch let problem as ArgumentReader.UsageError where problem == .helpRequested {
            print(help)
            return 0
        } catch {
            FileHandle.standardError.write(Data("streamd serve: \(error)\nRun `streamd serve --help` for the options.\n".utf8))
            return 2
        }

        do {
            try DevCertificateSetup.ensure(configuration: configuration, logger: logger)
        } catch {
            logger.error("cannot prepare certificates", ["error": .string("\(error)")])
            return 1
        }

        let server: Server
        do {
            server = try Server(configuration: configuration, logger: logger)
        } catch {
            logger.error("cannot start", ["error": .string("\(error)")])
            return 1
        }
        SignalHandling.install(server: server, logger: logger)
        server.start()
        logger.info("streamd listening", [
            "url": .string("wss://\(urlHost(configuration.host)):\(server.port)/ws"),
            "loops": .int(server.loopCount),
        ])
        logger.info("TLS certificate loaded", [
            "certificate": .string(configuration.certificate), "key": .string(configuration.privateKey),
            "summary": .string(server.certificateSummary),
        ])
        logger.info("access rules loaded", [
            "policies": .string(server.policyFiles.joined(separator: ",")),
            "keys": .string(configuration.auth.keys.map { "\($0.kid)(\($0.algorithm.rawValue))" }.joined(separator: ",")),
            "audit_log": .string(server.auditPath),
        ])
        if let cluster = server.clusterDescription {
            logger.info("cluster mode: publishes, seq, history and per-subject caps are shared through Redis",
                        ["redis": .string(cluster)])
        } else {
            logger.info("single node: history and seq are this process's own (--redis to run several instances)")
        }
        if configuration.auth.usesDevelopmentKey {
            logger.info("dev signing key in use; issue a token with: streamd token issue --sub acct-1 --role trader")
        }
        if configuration.demo { DemoAnnouncement.print(configuration: configuration, port: server.port, logger: logger) }
        server.watchAccessRules()
        if let portFile {
            try? "\(server.port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
        }
        // The loops and the signal sources run on their own threads; the main
        // thread only waits (exit comes from the SIGTERM/SIGINT handler). A
        // semaphore, not dispatchMain(): that one parks in sigsuspend, which
        // valgrind 3.19 cannot run, and callgrind is how speed is measured here.
        DispatchSemaphore(value: 0).wait()
        fatalError("unreachable: the main thread waits until exit")
    }

    private static func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    static func parse(_ arguments: [String]) throws -> (ServerConfiguration, String?) {
        // A config file is read first so flags can override it, wherever it appears.
        var configuration = ServerConfiguration()
        if let index = arguments.firstIndex(where: { $0 == "--config" || $0.hasPrefix("--config=") }) {
            let path = arguments[index] == "--config"
                ? (index + 1 < arguments.count ? arguments[index + 1] : "")
                : String(arguments[index].dropFirst("--config=".count))
            configuration = try ConfigurationFile.load(path)
        }
        var reader = ArgumentReader(arguments)
        var portFile: String?
        var explicitKeys = false
        while let flag = reader.nextFlag() {
            switch flag {
            case "-h", "--help": throw ArgumentReader.UsageError.helpRequested
            case "--config": _ = try reader.value(for: flag)
            case "--host": configuration.host = try reader.value(for: flag)
            case "--port": configuration.port = try reader.number(for: flag)
            case "--loops": configuration.loops = try reader.number(for: flag)
            case "--cert": configuration.certificate = try reader.value(for: flag)
            case "--key": configuration.privateKey = try reader.value(for: flag)
            case "--ca": configuration.caCertificate = try reader.value(for: flag)
            case "--no-dev-certs": configuration.generateDevCertificates = false
            case "--max-header-bytes": configuration.limits.maxHeaderBytes = try reader.number(for: flag)
            case "--max-header-count": configuration.limits.maxHeaderCount = try reader.number(for: flag)
            case "--handshake-timeout": configuration.limits.handshakeTimeout = try reader.number(for: flag)
            case "--max-message-bytes": configuration.limits.maxMessageBytes = try reader.number(for: flag)
            case "--heartbeat": configuration.limits.heartbeatInterval = try reader.number(for: flag)
            case "--close-timeout": configuration.limits.closeTimeout = try reader.number(for: flag)
            case "--max-connections": configuration.limits.maxConnections = try reader.number(for: flag)
            case "--max-outbound-bytes": configuration.limits.maxOutboundBytes = try reader.number(for: flag)
            case "--no-compression": configuration.compression.enabled = false
            case "--compression-level": configuration.compression.level = try reader.number(for: flag)
            case "--compression-min-bytes": configuration.compression.minBytes = try reader.number(for: flag)
            case "--compression-client-no-context-takeover":
                let text = try reader.value(for: flag)
                guard text == "on" || text == "off" else { throw ArgumentReader.UsageError("\(flag) must be on or off, got '\(text)'") }
                configuration.compression.clientNoContextTakeover = text == "on"
            case "--compression-client-max-window-bits": configuration.compression.clientMaxWindowBits = try reader.number(for: flag)
            case "--log-format":
                let text = try reader.value(for: flag)
                guard let format = LogFormat(rawValue: text) else { throw ArgumentReader.UsageError("--log-format must be text or json, got '\(text)'") }
                configuration.logFormat = format
            case "--log-level":
                let text = try reader.value(for: flag)
                guard let level = LogLevel(rawValue: text) else { throw ArgumentReader.UsageError("--log-level must be debug, info, warning or error, got '\(text)'") }
                configuration.logLevel = level
            case "--port-file": portFile = try reader.value(for: flag)
            case "--policies": configuration.policyDirectory = try reader.value(for: flag)
            case "--demo": configuration.demo = true
            case "--data-dir": configuration.streams.dataDirectory = try reader.value(for: flag)
            case "--redis": configuration.cluster.redis = try reader.value(for: flag)
            case "--redis-prefix": configuration.cluster.keyPrefix = try reader.value(for: flag)
            case "--audit-log": configuration.audit.path = try reader.value(for: flag)
            case "--issuer": configuration.auth.issuer = try reader.value(for: flag)
            case "--audience": configuration.auth.audience = try reader.value(for: flag)
            case "--revocations": configuration.auth.revocationFile = try reader.value(for: flag)
            case "--allow-query-token": configuration.auth.allowQueryToken = true
            case "--jwt-key":
                let text = try reader.value(for: flag)
                let parts = text.split(separator: ":", maxSplits: 2).map(String.init)
                guard parts.count == 3, let algorithm = JWTAlgorithm(rawValue: parts[1].uppercased()) else {
                    throw ArgumentReader.UsageError("--jwt-key expects KID:ES256|RS256|HS256:FILE, got '\(text)'")
                }
                if !explicitKeys { configuration.auth.keys = [] }
                explicitKeys = true
                configuration.auth.keys.append(KeySpec(kid: parts[0], algorithm: algorithm, path: parts[2]))
            default: throw ArgumentReader.UsageError("unknown option \(flag)")
            }
        }
        if let extra = reader.positionals.first { throw ArgumentReader.UsageError("unexpected argument '\(extra)'") }
        let problems = configuration.limits.problems()
        if !problems.isEmpty { throw ArgumentReader.UsageError(problems.joined(separator: "; ")) }
        return (configuration, portFile)
    }
}
