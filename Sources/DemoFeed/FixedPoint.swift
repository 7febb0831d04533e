/// Decimal text for prices, volumes and scores kept as integers in units of
/// their last decimal (EURUSD 1.08500 is 108500 at 5 decimals).
///
/// Integers make bid < ask and spread = ask − bid exact, and formatting them
/// needs no Foundation and no binary-to-decimal rounding.
enum FixedPoint {
    static func format(_ units: Int64, decimals: Int) -> String {
        precondition(decimals >= 0 && decimals <= 18)
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let magnitude = units.magnitude
        var text = units < 0 ? "-" : ""
        text += String(magnitude / scale)
        guard decimals > 0 else { return text }
        let fraction = String(magnitude % scale)
        text += "."
        text += String(repeating: "0", count: decimals - fraction.count)
        text += fraction
        return text
    }
}
