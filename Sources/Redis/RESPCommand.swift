/// Encodes commands as RESP arrays of bulk strings, the only form Redis
/// accepts from clients. Lengths prefix every argument, so any bytes
/// (CR, LF, NUL) travel unchanged.
public enum RESPCommand {
    public static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        encode(arguments, into: &out)
        return out
    }

    public static func encode(_ arguments: [String]) -> [UInt8] {
        encode(arguments.map { Array($0.utf8) })
    }

    /// Appends to `out`, so a pipeline of commands shares one buffer.
    public static func encode(_ arguments: [[UInt8]], into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 16 + arguments.reduce(0) { $0 + $1.count + 16 })
        appendHeader(UInt8(ascii: "*"), arguments.count, to: &out)
        for argument in arguments {
            appendHeader(UInt8(ascii: "$"), argument.count, to: &out)
            out.append(contentsOf: argument)
            out.append(13)
            out.append(10)
        }
    }

    private static func appendHeader(_ marker: UInt8, _ count: Int, to out: inout [UInt8]) {
        out.append(marker)
        out.append(contentsOf: String(count).utf8)
        out.append(13)
        out.append(10)
    }
}
