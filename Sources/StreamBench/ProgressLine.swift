/// The one-line status shown on stderr while a run goes on.
public enum ProgressLine {
    /// `[fanout 12s] measuring  subscribed 1000/1000  delivered/s 19980  p99 1.24 ms`
    public static func format(scenario: String, elapsedSeconds: Int, phase: String, up: Int, target: Int,
                              perSecond: Double, perSecondLabel: String, p99Nanoseconds: UInt64?) -> String {
        var line = "[\(scenario) \(elapsedSeconds)s] \(phase)  up \(up)/\(target)  \(perSecondLabel) \(SummaryTable.fixed(perSecond, decimals: 0))"
        line += "  p99 " + (p99Nanoseconds.map { SummaryTable.fixed(Double($0) / 1e6, decimals: 2) + " ms" } ?? "-")
        return line
    }
}
