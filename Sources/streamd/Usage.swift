enum Usage {
    static let version = "0.1.0"

    static let main = """
    streamd: authenticated real-time market data over secure WebSockets (wss)

    USAGE: streamd <command> [options]

    COMMANDS:
      serve        run the server (creates dev certificates when none exist)
      certs dev    create a development CA and a server certificate for localhost

    Run `streamd <command> --help` for the options of a command.
    """
}
