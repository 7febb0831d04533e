/// The `data` of a bench publish. Bare, it is a seed-shaped tick of about
/// 100 bytes: symbol, bid, ask and the send time. With a target size it grows
/// into something shaped like a model signal: a list of named features with
/// numbers that differ from message to message, so it compresses the way
/// real JSON does (the names repeat, the digits do not), not the way a run
/// of one letter would.
///
/// `t_ns` comes before the padding, so `MessageScan` finds it early.
enum BenchPayload {
    static func data(id: Int64, sentNanoseconds: Int64, targetBytes: Int?) -> String {
        let bid = 1.0 + Double(id % 997) / 100_000
        var data = #"{"symbol":"BENCH","bid":\#(SummaryTable.fixed(bid, decimals: 5)),"ask":\#(SummaryTable.fixed(bid + 0.00003, decimals: 5)),"t_ns":\#(sentNanoseconds)"#
        guard let targetBytes, targetBytes > data.utf8.count + 1 else { return data + "}" }
        // Leave room for the closing `]`, `}` and a final note that lands the size on the target.
        let notePrefix = #"],"note":""#
        let featuresEnd = targetBytes - notePrefix.utf8.count - 2
        var random = UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15 | 1
        data += #","features":["#
        var index = 0
        while true {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Double((random >> 17) % 1_000_000) / 1e4
            let weight = Double((random >> 40) % 10_000) / 1e4
            let feature = (index == 0 ? "" : ",")
                + #"{"name":"f\#(index)","value":\#(SummaryTable.fixed(value, decimals: 4)),"weight":\#(SummaryTable.fixed(weight, decimals: 4))}"#
            guard data.utf8.count + feature.utf8.count <= featuresEnd else { break }
            data += feature
            index += 1
        }
        let filler = max(0, targetBytes - data.utf8.count - notePrefix.utf8.count - 2)
        return data + notePrefix + String(repeating: "x", count: filler) + "\"}"
    }
}
