/// RFC 3339 timestamps with milliseconds and `Z`, the only time format on the
/// wire. Hand-rolled because DateFormatter costs microseconds per call and
/// every server message carries one.
public enum Timestamp {
    public static func rfc3339(milliseconds: Int64) -> String {
        var bytes = [UInt8](repeating: 0, count: 24)
        write(milliseconds: milliseconds, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes exactly 24 bytes: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func write(milliseconds: Int64, into bytes: inout [UInt8]) {
        let ms = Int(((milliseconds % 1000) + 1000) % 1000)
        let seconds = (milliseconds - Int64(ms)) / 1000
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var v = value
            for i in stride(from: width - 1, through: 0, by: -1) {
                bytes[offset + i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(year, 4, at: 0); bytes[4] = UInt8(ascii: "-")
        put(month, 2, at: 5); bytes[7] = UInt8(ascii: "-")
        put(day, 2, at: 8); bytes[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, 2, at: 11); bytes[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, 2, at: 14); bytes[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, 2, at: 17); bytes[19] = UInt8(ascii: ".")
        put(ms, 3, at: 20); bytes[23] = UInt8(ascii: "Z")
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
