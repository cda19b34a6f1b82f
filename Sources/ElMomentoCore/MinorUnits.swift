/// Why an amount's text was refused.
public enum AmountParseFailure: Error, Sendable, Equatable {
    /// Not a decimal number in JSON number syntax (`"abc"`, `""`, `" 500"`, `"1."`).
    case malformed
    /// Zero or negative (`-0` included).
    case notPositive
    /// Has digits below the currency's minor unit (`500.001` DOP).
    case tooPrecise
    /// More than `MinorUnits.countMax` minor units.
    case tooLarge
}

/// Conversions between an amount's decimal text in major units and an integer count of minor units.
///
/// The arithmetic works on the digits themselves, never through `Double` or `Decimal`, so `0.1` is
/// exactly ten cents and a 400-digit number is refused rather than rounded.
public enum MinorUnits {
    /// The most minor units one amount may hold: far enough from `Int64.max` that sums of many
    /// amounts (balances, fees) cannot overflow.
    public static let countMax: Int64 = 1_000_000_000_000_000

    /// The minor units of `text`, a JSON number (`500`, `500.100`, `5e2`, `5.5E+1`) or the same
    /// syntax inside a string (`"500.00"`), in `currency`. Must be positive and exact.
    public static func parse(_ text: String, currency: Currency) throws(AmountParseFailure) -> Int64 {
        guard let decimal = DecimalText(text) else { throw .malformed }
        guard !decimal.isZero, !decimal.isNegative else { throw .notPositive }
        return try decimal.minorUnits(digits: currency.minorUnitDigits, roundingDown: false)
    }

    /// The minor units of a configured limit written in major units (`"1000000.00"`), rounded down
    /// when it has more decimals than the currency; `nil` when it is malformed, not positive, or
    /// above `countMax` once converted.
    public static func parseLimit(_ text: String, currency: Currency) -> Int64? {
        guard let decimal = DecimalText(text), !decimal.isNegative else { return nil }
        guard let units = try? decimal.minorUnits(digits: currency.minorUnitDigits, roundingDown: true), units > 0
        else { return nil }
        return units
    }

    /// The shortest decimal text in major units, in JSON number syntax: DOP `50000` is `"500"`,
    /// `50050` is `"500.5"`, `50055` is `"500.55"`; JPY `500` is `"500"`. Negative counts (ledger
    /// adjustments) get a leading `-`.
    public static func format(_ minorUnits: Int64, currency: Currency) -> String {
        let magnitude = minorUnits.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<currency.minorUnitDigits { divisor *= 10 }
        let sign = minorUnits < 0 ? "-" : ""
        let whole = String(magnitude / divisor)
        let remainder = magnitude % divisor
        guard remainder != 0 else { return sign + whole }
        var fraction = String(remainder)
        fraction = String(repeating: "0", count: currency.minorUnitDigits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + whole + "." + fraction
    }

    /// The amount as people read prices, every decimal written: DOP `50050` is `"500.50"`.
    public static func formatWithAllDecimals(_ minorUnits: Int64, currency: Currency) -> String {
        let shortest = format(minorUnits, currency: currency)
        guard currency.minorUnitDigits > 0 else { return shortest }
        let written = shortest.split(separator: ".", maxSplits: 1).dropFirst().first?.count ?? 0
        let padding = String(repeating: "0", count: currency.minorUnitDigits - written)
        return shortest + (written == 0 ? "." : "") + padding
    }
}

/// A decimal number read from JSON number syntax as `significand × 10^exponent`, where the
/// significand's digits have no leading or trailing zeros.
struct DecimalText {
    let isNegative: Bool
    let significandDigits: [UInt8]
    let exponent: Int

    var isZero: Bool { significandDigits.isEmpty }

    /// One spelling per value (`1`, `1.0`, `10e-1` and `0.1e1` are all `1e0`; every zero is `0`),
    /// so that numbers compare by value in a fingerprint.
    var canonicalText: String {
        guard !isZero else { return "0" }
        return (isNegative ? "-" : "") + String(decoding: significandDigits, as: UTF8.self) + "e" + String(exponent)
    }

    init?(_ text: String) {
        var reader = NumberReader(bytes: Array(text.utf8))
        guard let parts = reader.read() else { return nil }
        isNegative = parts.negative
        var digits = Array((parts.integerDigits + parts.fractionDigits).drop { $0 == UInt8(ascii: "0") })
        var exponent = parts.exponent - parts.fractionDigits.count
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        significandDigits = digits
        self.exponent = exponent
    }

    /// The value in units of `10^-digits`; exact unless `roundingDown` allows dropping smaller digits.
    func minorUnits(digits: Int, roundingDown: Bool) throws(AmountParseFailure) -> Int64 {
        let scale = exponent + digits
        // Digits of the whole part of the count: above 16 it exceeds countMax (10^15) for sure.
        guard significandDigits.count + scale <= 16 else { throw .tooLarge }
        var kept = significandDigits
        if scale < 0 {
            guard roundingDown else { throw .tooPrecise }
            kept.removeLast(min(-scale, kept.count))
        }
        var value: Int64 = 0
        for digit in kept { value = value * 10 + Int64(digit - UInt8(ascii: "0")) }
        for _ in 0..<max(scale, 0) { value *= 10 }
        guard value <= MinorUnits.countMax else { throw .tooLarge }
        return value
    }
}

/// Splits text in JSON number syntax (`-? int frac? exp?`) into its parts; `nil` for anything else.
private struct NumberReader {
    let bytes: [UInt8]
    var offset = 0

    /// Exponents beyond this are clamped: any non-zero amount that far out is too large or too precise
    /// whatever its digits, and clamping keeps the arithmetic from overflowing.
    private static let exponentMagnitudeMax = 1_000_000

    private func isDigit(_ position: Int) -> Bool {
        position < bytes.count && bytes[position].isASCIIDigit
    }

    private mutating func digits() -> ArraySlice<UInt8> {
        let start = offset
        while isDigit(offset) { offset += 1 }
        return bytes[start..<offset]
    }

    private func byte(is character: Unicode.Scalar) -> Bool {
        offset < bytes.count && bytes[offset] == UInt8(ascii: character)
    }

    mutating func read() -> (negative: Bool, integerDigits: [UInt8], fractionDigits: [UInt8], exponent: Int)? {
        let negative = byte(is: "-")
        if negative { offset += 1 }
        let integerDigits = digits()
        guard !integerDigits.isEmpty, integerDigits.count == 1 || integerDigits.first != UInt8(ascii: "0") else {
            return nil
        }
        var fractionDigits: ArraySlice<UInt8> = []
        if byte(is: ".") {
            offset += 1
            fractionDigits = digits()
            guard !fractionDigits.isEmpty else { return nil }
        }
        var exponent = 0
        if byte(is: "e") || byte(is: "E") {
            offset += 1
            guard let value = readExponent() else { return nil }
            exponent = value
        }
        guard offset == bytes.count else { return nil }
        return (negative, Array(integerDigits), Array(fractionDigits), exponent)
    }

    private mutating func readExponent() -> Int? {
        let negative = byte(is: "-")
        if negative || byte(is: "+") { offset += 1 }
        let exponentDigits = digits()
        guard !exponentDigits.isEmpty else { return nil }
        var magnitude = 0
        for digit in exponentDigits {
            magnitude = min(magnitude * 10 + Int(digit - UInt8(ascii: "0")), Self.exponentMagnitudeMax)
        }
        return negative ? -magnitude : magnitude
    }
}
