import Base

/// The demo market's draws from SplitMix64, good enough to make it look random.
///
/// The feed draws every number through the helpers here rather than the
/// standard library's `random(in:using:)`, whose algorithm may change between
/// toolchains; a seed then replays the same market on every build.
extension SplitMix64 {
    /// Uniform in `range` by multiply-and-take-the-high-word; the bias is
    /// below 2^-40 for the small ranges the feed uses.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    mutating func int64(in range: ClosedRange<Int>) -> Int64 {
        Int64(int(in: range))
    }

    /// Uniform in [0, 1), from the top 53 bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func pick<Element>(_ items: [Element]) -> Element {
        items[int(in: 0...(items.count - 1))]
    }

    /// Roughly normal with mean 0 and standard deviation 1: the sum of three
    /// uniforms (Irwin–Hall), enough for a random walk and never unbounded.
    mutating func bell() -> Double {
        (unit() + unit() + unit() - 1.5) * 2
    }
}
