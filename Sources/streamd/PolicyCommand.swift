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
        guard arguments.first == "check" else {
            if arguments.first == "-h" || arguments.first == "--help" { print(help); return 0 }
            return CommandOutput.usageError("streamd policy: expected the subcommand 'check'", help: help)
        }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var directory: String?
        do {
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--dir": directory = try reader.value(for: flag)
                default: throw ArgumentReader.Problem("unknown option \(flag)")
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
        } catch let problem as ArgumentReader.Problem {
            return CommandOutput.usageError("streamd policy check: \(problem)", help: help)
        } catch {
            return CommandOutput.failure("invalid: \(error)")
        }
    }
}
