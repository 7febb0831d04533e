enum Usage {
    static let version = "0.1.0"

    static let main = """
    streamd: authenticated real-time market data over secure WebSockets (wss)

    USAGE: streamd <command> [options]

    COMMANDS:
      serve          run the server (creates dev certificates and a dev signing key when none exist)
      certs dev      create a development CA and a server certificate for localhost
      keys generate  create an ES256 key pair for signing tokens
      token issue    issue a token for a trading client
      policy check   validate policy files offline
      subscribe      print a channel's messages as they come (reconnects, recovers with since)
      publish        publish a message (or a batch) over HTTPS
      audit verify   check the audit log's hash chain
      audit query    filter audit events by subject, event, outcome and time
      bench          measure a server: fan-out rate and latency, handshakes, memory per connection

    Run `streamd <command> --help` for the options of a command.
    """
}
