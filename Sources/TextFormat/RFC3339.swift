/// RFC 3339 time stamps, the only time format streamd writes: UTC, always
/// milliseconds, always the same width (`2026-11-27T08:00:00.123Z`), so they
/// sort as text and audit lines hash reproducibly. Pure arithmetic on the
/// proleptic Gregorian calendar (H. Hinnant's `days_from_civil`): no locale,
/// no time zone database, no formatter objects (DateFormatter costs
/// microseconds per call and every server message carries a time stamp).
public enum RFC3339 {
    /// 0000-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z: the range a 4-digit year can spell.
    public static let earliest: Int64 = -62_167_219_200_000
    public static let latest: Int64 = 253_402_300_799_999

    /// RFC 3339 with milliseconds and `Z`. Times outside years 0000–9999 are clamped.
    public static func format(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func append(milliseconds: Int64, to output: inout [UInt8]) {
        let clamped = min(max(milliseconds, earliest), latest)
        let (days, msOfDay) = floorDivide(clamped, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        appendDigits(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &output)
        output.append(UInt8(ascii: "T"))
        appendDigits(msOfDay / 3_600_000, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(msOfDay / 60_000 % 60, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(msOfDay / 1000 % 60, width: 2, to: &output)
        output.append(UInt8(ascii: "."))
        appendDigits(msOfDay % 1000, width: 3, to: &output)
        output.append(UInt8(ascii: "Z"))
    }

    /// RFC 3339 (`2026-11-27T08:00:00Z`, `...08:00:00.5+01:00`; `t`, `z` or a space
    /// accepted, fractions beyond milliseconds truncated), a bare date (`2026-11-27`,
    /// midnight UTC), or unix seconds (`1795766400`, `1795766400.25`).
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        if let value = parseUnixSeconds(bytes) { return value }
        return parseRFC3339(bytes)
    }

    public static func civil(fromDays daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func appendDigits(_ value: Int64, width: Int, to output: inout [UInt8]) {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        output.append(contentsOf: digits)
    }

    private static func parseUnixSeconds(_ bytes: [UInt8]) -> Int64? {
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var seconds: Int64 = 0
        var sawDigit = false
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            let (times, overflow1) = seconds.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            if overflow1 || overflow2 || sum > latest / 1000 { return nil }
            seconds = sum
            sawDigit = true
            index += 1
        }
        guard sawDigit else { return nil }
        var millis: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard let fraction = parseFraction(bytes, &index) else { return nil }
            millis = fraction
        }
        guard index == bytes.count else { return nil }
        let value = seconds * 1000 + millis
        return negative ? -value : value
    }

    private static func parseRFC3339(_ bytes: [UInt8]) -> Int64? {
        var index = 0
        guard let year = number(bytes, &index, digits: 4), expect(bytes, &index, "-"),
            let month = number(bytes, &index, digits: 2), expect(bytes, &index, "-"),
            let day = number(bytes, &index, digits: 2),
            (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        let midnight = days(fromYear: year, month: month, day: day) * 86_400_000
        if index == bytes.count { return midnight }
        guard index < bytes.count, [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[index])
        else { return nil }
        index += 1
        guard let hour = number(bytes, &index, digits: 2), expect(bytes, &index, ":"),
            let minute = number(bytes, &index, digits: 2), expect(bytes, &index, ":"),
            let second = number(bytes, &index, digits: 2),
            hour < 24, minute < 60, second <= 60  // 60: a leap second, counted as the next one
        else { return nil }
        var millis: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard let fraction = parseFraction(bytes, &index) else { return nil }
            millis = fraction
        }
        guard index < bytes.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(bytes, &index, digits: 2), expect(bytes, &index, ":"),
                let offsetMins = number(bytes, &index, digits: 2), offsetHours < 24, offsetMins < 60
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMins)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        return midnight + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis
    }

    /// Digits after a decimal point, as milliseconds (extra digits truncated).
    private static func parseFraction(_ bytes: [UInt8], _ index: inout Int) -> Int64? {
        var millis: Int64 = 0
        var count = 0
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            if count < 3 { millis = millis * 10 + digit }
            count += 1
            index += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) { millis *= 10 }
        return millis
    }

    private static func number(_ bytes: [UInt8], _ index: inout Int, digits: Int) -> Int64? {
        guard index + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for offset in 0..<digits {
            guard let digit = digitValue(bytes[index + offset]) else { return nil }
            value = value * 10 + digit
        }
        index += digits
        return value
    }

    private static func expect(_ bytes: [UInt8], _ index: inout Int, _ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }
}
