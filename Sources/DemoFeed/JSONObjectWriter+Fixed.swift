import TextFormat

extension JSONObjectWriter {
    /// A number from integer units at fixed decimals (`price`, `volume`).
    mutating func fixed(_ key: String, _ units: Int64, decimals: Int) {
        raw(key, FixedPoint.format(units, decimals: decimals))
    }
}
