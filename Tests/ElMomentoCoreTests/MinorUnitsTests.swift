import ElMomentoCore
import Testing

@Suite struct MinorUnitsTests {
    private let dop = Currency(code: "DOP")!
    private let jpy = Currency(code: "JPY")!
    private let kwd = Currency(code: "KWD")!

    private func failure(_ text: String, _ currency: Currency) -> AmountParseFailure? {
        do {
            _ = try MinorUnits.parse(text, currency: currency)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        arguments: [
            ("500", 50000), ("500.0", 50000), ("500.00", 50000), ("5e2", 50000), ("5E+2", 50000), ("5E2", 50000),
            ("50000e-2", 50000), ("500.100", 50010), ("5.5E+1", 5500), ("0.01", 1), ("0.1", 10), ("1e-2", 1),
            ("0.0100", 1), ("10000000000000", 1_000_000_000_000_000), ("123.45", 12345),
        ] as [(String, Int64)])
    func parsesDOPAmounts(_ text: String, _ expected: Int64) throws {
        #expect(try MinorUnits.parse(text, currency: dop) == expected)
    }

    @Test func usesTheCurrencysDecimals() throws {
        #expect(try MinorUnits.parse("500", currency: jpy) == 500)
        #expect(failure("500.5", jpy) == .tooPrecise)
        #expect(failure("5.25e1", jpy) == .tooPrecise)
        #expect(try MinorUnits.parse("52.5e1", currency: jpy) == 525)
        #expect(try MinorUnits.parse("1.234", currency: kwd) == 1234)
        #expect(failure("1.2345", kwd) == .tooPrecise)
    }

    @Test(
        arguments: [
            ("500.001", AmountParseFailure.tooPrecise), ("0.001", .tooPrecise), ("1e-3", .tooPrecise),
            ("0", .notPositive), ("-0", .notPositive), ("-1", .notPositive), ("-500.00", .notPositive),
            ("0.00", .notPositive), ("0.000e5", .notPositive), ("abc", .malformed), ("", .malformed),
            (" 500", .malformed), ("500 ", .malformed),
            ("+500", .malformed), ("1.", .malformed), (".5", .malformed), ("01", .malformed), ("1e", .malformed),
            ("5,00", .malformed), ("0x10", .malformed), ("1_000", .malformed), ("٥٠٠", .malformed),
            ("Infinity", .malformed),
            ("1e400", .tooLarge), ("10000000000000.01", .tooLarge), ("1e99999999999999999999", .tooLarge),
            ("1e-99999999999999999999", .tooPrecise),
        ] as [(String, AmountParseFailure)])
    func refusesBadDOPAmounts(_ text: String, _ expected: AmountParseFailure) {
        #expect(failure(text, dop) == expected)
    }

    @Test func hugeDigitStringsAreTooLargeNotACrash() {
        #expect(failure(String(repeating: "9", count: 100_000), dop) == .tooLarge)
        #expect(failure("0." + String(repeating: "0", count: 100_000) + "1", dop) == .tooPrecise)
        #expect(failure("1" + String(repeating: "0", count: 10_000) + "e-10000", dop) == nil)
        #expect(failure("9223372036854775807", dop) == .tooLarge)
    }

    @Test func countMaxIsTheLargestAcceptedAmount() throws {
        #expect(try MinorUnits.parse("10000000000000.00", currency: dop) == MinorUnits.countMax)
        #expect(failure("10000000000000.01", dop) == .tooLarge)
    }

    @Test(
        arguments: [
            (50000, "500"), (50050, "500.5"), (50055, "500.55"), (1, "0.01"), (10, "0.1"), (0, "0"), (-150, "-1.5"),
            (1_000_000_000_000_000, "10000000000000"),
        ] as [(Int64, String)])
    func formatsDOPShortest(_ units: Int64, _ expected: String) {
        #expect(MinorUnits.format(units, currency: dop) == expected)
    }

    @Test func formatsOtherDecimals() {
        #expect(MinorUnits.format(500, currency: jpy) == "500")
        #expect(MinorUnits.format(1230, currency: kwd) == "1.23")
        #expect(MinorUnits.format(1, currency: kwd) == "0.001")
        #expect(MinorUnits.format(Int64.min, currency: dop) == "-92233720368547758.08")
    }

    @Test func formatThenParseRoundTrips() throws {
        for units: Int64 in [1, 9, 10, 99, 100, 101, 12345, 999_999_999] {
            #expect(try MinorUnits.parse(MinorUnits.format(units, currency: dop), currency: dop) == units)
        }
    }

    @Test func limitsRoundDown() {
        #expect(MinorUnits.parseLimit("1000000.00", currency: dop) == 100_000_000)
        #expect(MinorUnits.parseLimit("1000000.009", currency: dop) == 100_000_000)
        #expect(MinorUnits.parseLimit("1000000.99", currency: jpy) == 1_000_000)
        #expect(MinorUnits.parseLimit("0.001", currency: dop) == nil)
        #expect(MinorUnits.parseLimit("abc", currency: dop) == nil)
        #expect(MinorUnits.parseLimit("-5", currency: dop) == nil)
    }
}

@Suite struct CurrencyTests {
    @Test func knowsMinorUnitDigits() {
        let expected = [
            "DOP": 2, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "CLP": 0, "KWD": 3, "BHD": 3, "TND": 3, "CLF": 4,
        ]
        for (code, digits) in expected {
            #expect(Currency(code: code)?.minorUnitDigits == digits, "\(code)")
            #expect(Currency(code: code)?.code == code)
        }
    }

    @Test func refusesUnknownAndLowerCaseCodes() {
        for code in ["dop", "Dop", "XXX", "XAU", "ABC", "", "DOPX", "HRK", " DOP"] {
            #expect(Currency(code: code) == nil, "\(code)")
        }
    }

    @Test func listsTheActiveCodes() {
        #expect(Currency.minorUnitDigitsByCode.count == 163)
        #expect(Currency.minorUnitDigitsByCode.keys.allSatisfy { $0.count == 3 && $0.allSatisfy(\.isUppercase) })
    }
}
