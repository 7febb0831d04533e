import Audit
import Foundation

/// `streamd audit verify` and `streamd audit query`, for auditors.
enum AuditCommand {
    static let help = """
    USAGE: streamd audit verify FILE...
           streamd audit verify --log PATH          (PATH and its rotated files PATH.N ... PATH.1, oldest first)
           streamd audit query [--log PATH | FILE...] [--subject S] [--event E] [--outcome O]
                               [--since TIME] [--until TIME]

    verify recomputes every line's hash chain and reports the first line that
    was edited, removed, reordered or truncated (exit 1), or "ok" (exit 0).
    query prints the matching JSON lines. TIME is RFC 3339 (2026-11-27T08:00:00Z)
    or unix seconds.
    """

    static func run(_ arguments: [String]) -> Int32 {
        guard let sub = arguments.first, sub == "verify" || sub == "query" else {
            if arguments.first == "-h" || arguments.first == "--help" { print(help); return 0 }
            return CommandOutput.usageError("streamd audit: expected 'verify' or 'query'", help: help)
        }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var log: String?
        var query = AuditQuery()
        return CommandOutput.running("streamd audit \(sub)", help: help) {
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--log": log = try reader.value(for: flag)
                case "--subject" where sub == "query": query.subject = try reader.value(for: flag)
                case "--event" where sub == "query": query.event = try reader.value(for: flag)
                case "--outcome" where sub == "query": query.outcome = try reader.value(for: flag)
                case "--since" where sub == "query", "--until" where sub == "query":
                    let text = try reader.value(for: flag)
                    guard let time = AuditQuery.parseTime(text) else {
                        throw ArgumentReader.UsageError("\(flag) expects RFC 3339 or unix seconds, got '\(text)'")
                    }
                    if flag == "--since" { query.since = time } else { query.until = time }
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            var files = reader.positionals
            if let log { files = AuditVerifier.chainFiles(for: log) + files }
            if files.isEmpty { files = AuditVerifier.chainFiles(for: "data/audit.jsonl") }
            for file in files where !FileManager.default.fileExists(atPath: file) {
                throw ArgumentReader.UsageError("\(file) does not exist")
            }
            if sub == "verify" {
                let report = AuditVerifier.verify(files: files)
                for note in report.notes { print("note: \(note)") }
                if let problem = report.firstProblem {
                    print("BROKEN: \(problem) (\(report.linesChecked) lines checked before it)")
                    return 1
                }
                print("ok: \(report.linesChecked) lines in \(report.filesChecked) file(s), chain intact")
                return 0
            }
            try query.run(files: files) { print($0) }
            return 0
        }
    }
}
