import Foundation

// streamd: entry point.
let arguments = Array(CommandLine.arguments.dropFirst())
/// Each subcommand lives in its own file and takes the arguments after its name.
let commands: [String: ([String]) -> Int32] = [
    "serve": ServeCommand.run, "certs": CertsCommand.run, "keys": KeysCommand.run, "token": TokenCommand.run,
    "policy": PolicyCommand.run, "subscribe": SubscribeCommand.run, "publish": PublishCommand.run,
    "audit": AuditCommand.run, "bench": BenchCommand.run,
]
let status: Int32
switch arguments.first {
case let name? where commands[name] != nil:
    status = commands[name]!(Array(arguments.dropFirst()))
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
