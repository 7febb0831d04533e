import Foundation
import Policy

/// `streamd policy check`: the server's own validation, offline.
enum PolicyCommand {
    static let help = """
    USAGE: streamd policy check [FILE... | --dir DIR]

    Loads the policy files exactly as the server does (merged in file-name
    order) and reports the first problem with its file, field and reason.
    With no arguments it checks the directory policies/. Exit 0 when valid.
    """

    static func run(_ arguments: [String]) -> Int32 {
        if let status = CommandOutput.subcommand("check", of: "streamd policy", in: arguments, help: help) { return status }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var directory: String?
        return CommandOutput.running("streamd policy check", failure: "invalid", help: help) {
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--dir": directory = try reader.value(for: flag)
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            let policy: PolicySet
            if !reader.positionals.isEmpty {
                policy = try PolicySet.load(files: reader.positionals)
            } else {
                policy = try PolicySet.load(directory: directory ?? "policies")
            }
            print("ok: \(policy.files.joined(separator: ", ")): roles \(policy.roleNames.sorted().joined(separator: ", "))")
            return 0
        }
    }
}
