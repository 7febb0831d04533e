import Foundation
import StreamBench

/// How every subcommand ends: a usage problem prints what was wrong and the
/// help (exit 2), any other failure its message (exit 1).
enum CommandOutput {
    static func usageError(_ message: String, help: String) -> Int32 {
        FileHandle.standardError.write(Data("\(message)\n\n\(help)\n".utf8))
        return 2
    }

    static func failure(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return 1
    }

    /// Runs a command's body; its errors are reported under `name` (or
    /// `failure`, for failures that are a verdict rather than a crash).
    static func running(_ name: String, failure failureName: String? = nil, help: String,
                        _ body: () throws -> Int32) -> Int32 {
        do {
            return try body()
        } catch let problem as ArgumentReader.UsageError {
            return usageError("\(name): \(problem)", help: help)
        } catch let problem as BenchSettings.SettingError {
            return usageError("\(name): \(problem)", help: help)
        } catch {
            return failure("\(failureName ?? name): \(error)")
        }
    }

    /// For a command with one subcommand (`streamd keys generate`): nil when
    /// `arguments` start with it; otherwise the help or a usage error, and
    /// the status to exit with.
    static func subcommand(_ expected: String, of command: String, in arguments: [String], help: String) -> Int32? {
        if arguments.first == expected { return nil }
        if arguments.first == "-h" || arguments.first == "--help" { print(help); return 0 }
        return usageError("\(command): expected the subcommand '\(expected)'", help: help)
    }
}
