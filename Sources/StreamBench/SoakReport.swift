/// The soak's closing summary: what the clients did, what the server's
/// memory and descriptors did, and the verdict with its reasons.
enum SoakReport {
    static func summary(_ outcome: SoakRunner.Outcome) -> String {
        let counters = outcome.counters
        func mib(_ bytes: Double?) -> String { bytes.map { String(Double(Int($0 / 1024 / 1024 * 10)) / 10) + " MiB" } ?? "-" }
        func perSecond(_ count: UInt64) -> String {
            outcome.soakSeconds > 0 ? SoakVerdict.format(Double(count) / outcome.soakSeconds) : "-"
        }
        let soak = outcome.samples.filter { $0.phase == "soak" }
        let firstSoak = soak.first?.residentBytes
        let lastSoak = soak.last?.residentBytes
        var lines = [
            "",
            "SOAK SUMMARY",
            "  soak phase           \(Int(outcome.soakSeconds.rounded())) s after every connection was up",
            "  connections opened   \(counters.opened), of which \(counters.reopened) reopened after \(counters.churned) churned "
                + "(\(perSecond(counters.churned))/s) and \(counters.reopened - counters.churned) dropped by the server or failed",
            "  resumed with since   \(counters.resumed)",
            "  published            \(outcome.published) messages; delivered \(counters.delivered)",
            "  seq gaps             \(counters.gaps) (messages missing between two a connection saw, resumed ones included)",
            "  duplicates           \(counters.duplicates)",
            "  failures             " + (counters.failures.isEmpty ? "none"
                : counters.failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")),
            "  server RSS           before \(mib(outcome.rssBefore)), soak start \(mib(firstSoak)), soak end \(mib(lastSoak)), "
                + "peak \(mib(outcome.rssPeak)), after \(mib(outcome.rssAfter))",
            "  server descriptors   before \(outcome.fdsBefore), peak \(outcome.fdsPeak), after \(outcome.fdsAfter)",
        ]
        if let verdict = outcome.verdict {
            if let slope = verdict.slopeMiBPerMinute, let rise = verdict.fittedRiseMiB {
                lines.append("  RSS trend            \(SoakVerdict.format(slope)) MiB/min after the warm-up "
                             + "(\(verdict.samplesAfterWarmup) samples, fitted rise \(SoakVerdict.format(rise)) MiB)")
            }
            lines.append("  verdict              " + (verdict.passed ? "PASS" : "FAIL"))
            lines += verdict.failures.map { "    - " + $0 }
        }
        lines += outcome.notes.map { "  note: " + $0 }
        return lines.joined(separator: "\n")
    }
}
