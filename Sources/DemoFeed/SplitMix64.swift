/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, well-mixed
/// generator, good enough to make a demo market look random.
///
/// The feed draws every number through the helpers here rather than the
/// standard library's `random(in:using:)`, whose algorithm may change between
/// toolchains; a seed then replays the same market on every build.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

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
