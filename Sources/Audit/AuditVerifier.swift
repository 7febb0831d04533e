import Base
import Foundation

/// Checks a family of audit files line by line: each line against its own hash, and each
/// line against the one before it (seq + 1, prev = that line's hash), across files.
///
/// The very first line given may start a chain (seq 1, prev all zeros) or continue an
/// older rotated file that was not given (seq > 1, any prev): that is reported as a note,
/// not a problem, because rotation with `keepFiles` deletes the oldest files by design.
/// Every later place where a chain starts afresh is a problem. `audit_gap` lines (events
/// the writer had to drop) are notes too: the chain around them is intact and they say
/// exactly what was lost. Checking stops at the first problem.
public enum AuditVerifier {
    public struct Report: Sendable, Equatable {
        public let filesChecked: Int
        /// Lines that passed, up to the first problem.
        public let linesChecked: Int
        public let firstProblem: Finding?
        /// Things an auditor should know that do not break the chain.
        public let notes: [Finding]
        /// The head of the chain after the last good line: keep it elsewhere to detect
        /// a later truncation of the newest lines, which the chain alone cannot show.
        public let lastSeq: Int64?
        public let lastHash: String?

        public var isValid: Bool { firstProblem == nil }
    }

    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public let file: String
        /// 1-based; 0 when the problem is with the file as a whole.
        public let line: Int
        public let problem: String

        public var description: String {
            line > 0 ? "\(file):\(line): \(problem)" : "\(file): \(problem)"
        }
    }

    /// `files` in chain order, oldest first (see `chainFiles(for:)`).
    public static func verify(files: [String]) -> Report {
        var walk = ChainWalk()
        for file in files {
            walk.filesChecked += 1
            do {
                let reader = try AuditLineReader(path: file)
                var lineNumber = 0
                while let (line, terminated) = try reader.next() {
                    lineNumber += 1
                    if let problem = walk.check(line, terminated: terminated, file: file, lineNumber: lineNumber) {
                        return walk.report(problem: Finding(file: file, line: lineNumber, problem: problem))
                    }
                }
            } catch {
                return walk.report(problem: Finding(file: file, line: 0, problem: error.description))
            }
            walk.previousFile = file
        }
        return walk.report(problem: nil)
    }

    /// The rotated family of `path`, oldest first: path.N … path.2, path.1, path. Only
    /// files that exist; suffixes must be plain positive numbers (`path.07` is not one).
    public static func chainFiles(for path: String) -> [String] {
        let directory = AuditFile.directory(of: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var rotated: [Int] = []
        for name in names where name.hasPrefix(base + ".") {
            let suffix = name.dropFirst(base.count + 1)
            if let index = Int(suffix), index > 0, String(index) == suffix { rotated.append(index) }
        }
        var files = rotated.sorted(by: >).map { "\(path).\($0)" }
        if FileManager.default.fileExists(atPath: path) { files.append(path) }
        return files
    }

    private struct ChainWalk {
        var filesChecked = 0
        var linesChecked = 0
        var notes: [Finding] = []
        var previous: AuditChainLink?
        var previousFile: String?

        func report(problem: Finding?) -> Report {
            Report(
                filesChecked: filesChecked, linesChecked: linesChecked, firstProblem: problem, notes: notes,
                lastSeq: previous?.seq, lastHash: previous.map { String(decoding: $0.hash, as: UTF8.self) })
        }

        /// Nil when the line is good; otherwise what is wrong with it.
        mutating func check(_ line: [UInt8], terminated: Bool, file: String, lineNumber: Int) -> String? {
            guard terminated else {
                return "the last line has no newline: the file was cut short or the writer stopped mid-line"
            }
            let checked: AuditLineCheck.Checked
            do {
                checked = try AuditLineCheck.check(line)
            } catch {
                return error.text
            }
            let link = checked.link
            if let previous {
                if let problem = continuity(link, after: previous, lineNumber: lineNumber) { return problem }
            } else if link.prev == AuditLineEncoder.genesisHash {
                if link.seq != 1 { return "starts a chain (prev is all zeros) but has seq \(link.seq), not 1" }
            } else if link.seq == 1 {
                return "seq 1 must start a chain, but prev is not all zeros"
            } else {
                notes.append(
                    Finding(
                        file: file, line: lineNumber,
                        problem: "continues from seq \(link.seq - 1) in an older file that was not given; "
                            + "the chain before it was not checked"))
            }
            if checked.object["event"]?.stringValue == "audit_gap" {
                let lost = checked.object["lost"]?.numberValue?.exactInteger ?? 0
                let from = checked.object["lost_from"]?.stringValue ?? "?"
                let until = checked.object["lost_until"]?.stringValue ?? "?"
                notes.append(
                    Finding(
                        file: file, line: lineNumber,
                        problem: "the writer dropped \(lost) events recorded between \(from) and \(until) (queue overflow)"))
            }
            previous = link
            linesChecked += 1
            return nil
        }

        private func continuity(_ link: AuditChainLink, after previous: AuditChainLink, lineNumber: Int) -> String? {
            let expected = previous.seq + 1
            let acrossFiles = lineNumber == 1
            let before = acrossFiles ? "the last line of \(previousFile ?? "the previous file")" : "the line before"
            if link.prev == AuditLineEncoder.genesisHash && link.seq == 1 {
                return "a new chain starts here (seq 1, prev all zeros) after seq \(previous.seq) in \(before): "
                    + "the log was restarted from scratch or files from two logs were mixed"
            }
            if link.seq > expected {
                let missing = link.seq - expected
                return acrossFiles
                    ? "seq \(link.seq) follows seq \(previous.seq) at the end of \(previousFile ?? "the previous file"): "
                        + "\(missing) lines are missing between the files (a rotated file missing or out of order?)"
                    : "seq \(link.seq) follows seq \(previous.seq): \(missing) line(s) missing here (removed or moved)"
            }
            if link.seq < expected {
                return "seq \(link.seq) follows seq \(previous.seq): lines are out of order or repeated"
                    + (acrossFiles ? " (files given in the wrong order?)" : "")
            }
            if link.prev != previous.hash {
                return "prev does not match the hash of \(before): that line was replaced or edited and re-hashed"
            }
            return nil
        }
    }
}
