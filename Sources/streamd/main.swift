import Foundation

// streamd: entry point. Each subcommand lives in its own file.
let arguments = Array(CommandLine.arguments.dropFirst())
let status: Int32
switch arguments.first {
case "serve":
    status = ServeCommand.run(Array(arguments.dropFirst()))
case "certs":
    status = CertsCommand.run(Array(arguments.dropFirst()))
case "keys":
    status = KeysCommand.run(Array(arguments.dropFirst()))
case "token":
    status = TokenCommand.run(Array(arguments.dropFirst()))
case "policy":
    status = PolicyCommand.run(Array(arguments.dropFirst()))
case "subscribe":
    status = SubscribeCommand.run(Array(arguments.dropFirst()))
case "publish":
    status = PublishCommand.run(Array(arguments.dropFirst()))
case "audit":
    status = AuditCommand.run(Array(arguments.dropFirst()))
case "bench":
    status = BenchCommand.run(Array(arguments.dropFirst()))
case "-h", "--help", "help", nil:
    print(Usage.main)
    status = arguments.isEmpty ? 2 : 0
case "--version":
    print("streamd \(Usage.version)")
    status = 0
default:
    FileHandle.standardError.write(Data("streamd: unknown command '\(arguments[0])'\n\n\(Usage.main)\n".utf8))
    status = 2
}
exit(status)
