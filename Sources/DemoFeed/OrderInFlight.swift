import Base

/// One demo order between its `new` update and its last: either
/// new → partially_filled → filled, or new → cancelled.
struct OrderInFlight: Sendable {
    enum Status: String, Sendable {
        case new
        case partiallyFilled = "partially_filled"
        case filled
        case cancelled
    }

    let id: String
    let account: Int
    let symbol: Int
    let side: String
    /// Lots in hundredths: 1 is 0.01 lots, 100 is 1.00.
    let volume: Int64
    /// The quote it was placed at, in the symbol's points.
    let price: Int64
    let willFill: Bool
    var status: Status = .new
    var filledVolume: Int64 = 0

    /// The next state of the order, or nil when this update was its last.
    func advanced(_ random: inout SplitMix64) -> OrderInFlight? {
        var next = self
        switch status {
        case .new where willFill:
            next.status = .partiallyFilled
            // Somewhere between a fifth and four fifths, but always a part.
            let part = volume * random.int64(in: 20...80) / 100
            next.filledVolume = min(max(part, 1), volume - 1)
        case .new:
            next.status = .cancelled
        case .partiallyFilled:
            next.status = .filled
            next.filledVolume = volume
        case .filled, .cancelled:
            return nil
        }
        return next
    }
}
