/// RFC 3339 timestamps, as `created_at` is written and `created_after` is read (SPEC 3.3, 3.4).
///
/// Done by hand on the proleptic Gregorian calendar rather than with Foundation's formatters, whose
/// leniency differs between platforms.
public enum RFC3339 {
    /// UTC with whole seconds, as `"2026-12-04T19:40:33Z"`; milliseconds are dropped (rounded down).
    public static func format(millisecondsSince1970: Int64) -> String {
        let (seconds, _) = floorDivide(millisecondsSince1970, by: 1000)
        let (days, secondOfDay) = floorDivide(seconds, by: 86_400)
        let (year, month, day) = civilDate(daysSince1970: days)
        let hour = secondOfDay / 3600
        let minute = secondOfDay / 60 % 60
        let second = secondOfDay % 60
        let date = "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
        return "\(date)T\(padded(hour, 2)):\(padded(minute, 2)):\(padded(second, 2))Z"
    }

    /// Milliseconds since 1970 of `"2026-12-04T19:40:33Z"`, also with fractional seconds (rounded
    /// down to the millisecond), a `+01:00`/`-05:30` offset, or lower-case `t`/`z`. `nil` when
    /// malformed or impossible (month 13, Feb 30, hour 24). A leap second (`:60`) is refused: the
    /// gateway never writes one.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        var reader = TimestampReader(bytes: Array(text.utf8))
        return reader.read()
    }

    static func floorDivide(_ value: Int64, by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = (value % divisor + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Days since 1970-01-01 to a date (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, by: 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// A date to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = floorDivide(marchYear, by: 400).quotient
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
private struct TimestampReader {
    let bytes: [UInt8]
    var offset = 0

    private mutating func number(digits count: Int, in range: ClosedRange<Int64>) -> Int64? {
        guard offset + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[offset..<offset + count] {
            guard byte.isASCIIDigit else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        offset += count
        return range.contains(value) ? value : nil
    }

    private mutating func skip(_ accepted: String) -> Bool {
        guard offset < bytes.count, accepted.utf8.contains(bytes[offset]) else { return false }
        offset += 1
        return true
    }

    mutating func read() -> Int64? {
        guard let year = number(digits: 4, in: 0...9999), skip("-"),
            let month = number(digits: 2, in: 1...12), skip("-"),
            let day = number(digits: 2, in: 1...RFC3339.daysInMonth(year: year, month: month)), skip("Tt"),
            let hour = number(digits: 2, in: 0...23), skip(":"),
            let minute = number(digits: 2, in: 0...59), skip(":"),
            let second = number(digits: 2, in: 0...59),
            let milliseconds = fractionMilliseconds(),
            let offsetSeconds = zoneOffsetSeconds(), offset == bytes.count
        else { return nil }
        let days = RFC3339.daysSince1970(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1000 + milliseconds
    }

    /// The fraction's first three digits as milliseconds (later digits are dropped), 0 without one.
    private mutating func fractionMilliseconds() -> Int64? {
        guard skip(".") else { return 0 }
        let start = offset
        while offset < bytes.count, bytes[offset].isASCIIDigit { offset += 1 }
        guard offset > start else { return nil }
        var milliseconds: Int64 = 0
        for position in start..<start + 3 {
            let digit = position < offset ? Int64(bytes[position] - 0x30) : 0
            milliseconds = milliseconds * 10 + digit
        }
        return milliseconds
    }

    private mutating func zoneOffsetSeconds() -> Int64? {
        if skip("Zz") { return 0 }
        guard offset < bytes.count else { return nil }
        let sign: Int64 = bytes[offset] == UInt8(ascii: "-") ? -1 : 1
        guard skip("+-"), let hours = number(digits: 2, in: 0...23), skip(":"),
            let minutes = number(digits: 2, in: 0...59)
        else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}
